import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { ResultsModule } from '../results/results.module';
import { RemediationService } from './remediation.service';
import { RemediationController } from './remediation.controller';

/** The fix and restore kinds: their REST endpoints (definitions in commands/kinds.ts, results in results.module.ts). */
@Module({
  imports: [CommandsModule, ResultsModule],
  controllers: [RemediationController],
  providers: [RemediationService],
})
export class RemediationModule {}
