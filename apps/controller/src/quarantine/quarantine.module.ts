import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { HostsModule } from '../hosts/hosts.module';
import { AutoQuarantineService } from './auto-quarantine.service';
import { ContainmentService } from './containment.service';
import { QuarantineController } from './quarantine.controller';

/**
 * The host's containment: ContainmentService follows the quarantine and release commands
 * (used by the results' kind handlers and the Connect stream's containment reports), and the
 * AUTO_QUARANTINE policy acts on scans that make a host vulnerable.
 */
@Module({
  imports: [CommandsModule, HostsModule],
  providers: [ContainmentService, AutoQuarantineService],
  exports: [ContainmentService, AutoQuarantineService],
})
export class ContainmentModule {}

/** The quarantine and release kinds' REST endpoints (definitions: commands/kinds.ts). */
@Module({
  imports: [ContainmentModule],
  controllers: [QuarantineController],
})
export class QuarantineModule {}
