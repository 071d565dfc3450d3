import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RedisClient } from './redis.provider';

export interface ReadinessDto {
  status: 'ok' | 'unavailable';
  checks: { database: 'up' | 'down'; redis: 'up' | 'down' };
}

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: RedisClient,
  ) {}

  async readiness(): Promise<ReadinessDto> {
    const [database, redis] = await Promise.all([this.databaseUp(), this.redis.ping()]);
    const checks = { database: database ? 'up' : 'down', redis: redis ? 'up' : 'down' } as const;
    return { status: database && redis ? 'ok' : 'unavailable', checks };
  }

  private async databaseUp(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
