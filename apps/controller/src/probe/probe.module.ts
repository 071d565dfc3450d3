import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CommandsModule } from '../commands/commands.module';
import { HostsModule } from '../hosts/hosts.module';
import { ProbeController } from './probe.controller';
import { ProbeService } from './probe.service';
import { ProbeStoreModule } from './probe-store.module';

/** The probe kind's REST side (its definition is registered in commands/kinds.ts, its results in results/). */
@Module({
  imports: [CommandsModule, HostsModule, AuditModule, ProbeStoreModule],
  controllers: [ProbeController],
  providers: [ProbeService],
})
export class ProbeModule {}
