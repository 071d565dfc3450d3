import { DynamicModule, Module } from '@nestjs/common';
import { AdvisoriesModule } from './advisories/advisories.module';
import { AgentsModule } from './agents/agents.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommandsModule } from './commands/commands.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EnrollmentModule } from './enrollment/enrollment.module';
import { FleetOperationsModule } from './queues/fleet-operations.module';
import { GrpcModule } from './grpc/grpc.module';
import { HealthModule } from './health/health.module';
import { InventoryModule } from './inventory/inventory.module';
import { NetworkMapModule } from './network-map/network-map.module';
import { HostsApiModule } from './hosts/hosts-api.module';
import { ResultsModule } from './results/results.module';
import { ScanModule } from './scan/scan.module';
import { QuarantineModule } from './quarantine/quarantine.module';
import { ProbeModule } from './probe/probe.module';
import { RemediationModule } from './remediation/remediation.module';
import { HuntModule } from './hunt/hunt.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        AuditModule,
        AuthModule,
        AgentsModule,
        EnrollmentModule,
        HostsApiModule,
        CommandsModule,
        ScanModule,
        QuarantineModule,
        ProbeModule,
        RemediationModule,
        HuntModule,
        ResultsModule,
        HealthModule,
        InventoryModule,
        AdvisoriesModule,
        NetworkMapModule,
        GrpcModule,
        FleetOperationsModule,
      ],
    };
  }
}
