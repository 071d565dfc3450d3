import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { RemediationController } from './remediation.controller';

/** The fix and restore kinds: their REST endpoints (definitions in commands/kinds.ts, results in results.module.ts). */
@Module({
  imports: [CommandsModule],
  controllers: [RemediationController],
})
export class RemediationModule {}
