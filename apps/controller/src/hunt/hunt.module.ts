import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { HostsModule } from '../hosts/hosts.module';
import { HuntController } from './hunt.controller';
import { HuntHitsRepository } from './hunt-hits.repository';
import { HuntService } from './hunt.service';

/** The hunt kind: its REST endpoints and its hits (its definition is registered in commands/kinds.ts). */
@Module({
  imports: [CommandsModule, HostsModule],
  controllers: [HuntController],
  providers: [HuntService, HuntHitsRepository],
  exports: [HuntHitsRepository],
})
export class HuntModule {}
