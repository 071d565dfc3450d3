import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { RedisClient } from './redis.provider';

@Module({ controllers: [HealthController], providers: [HealthService, RedisClient] })
export class HealthModule {}
