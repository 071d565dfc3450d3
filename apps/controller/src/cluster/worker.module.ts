import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { FleetOperationsModule } from '../queues/fleet-operations.module';

/** A worker process: the database and the queues only; no HTTP, no gRPC. */
@Module({})
export class WorkerAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, FleetOperationsModule],
    };
  }
}
