import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { CommandsModule } from '../commands/commands.module';
import { HostsModule } from '../hosts/hosts.module';
import { ProbeStoreModule } from '../probe/probe-store.module';
import { ResultsModule } from '../results/results.module';
import { RemediationsController } from './remediations.controller';
import { VerificationRescanJob } from './verification-rescan.job';
import { VerificationService } from './verification.service';

/** Verification rescans after remediations and quarantines, and remediations recorded by hand. */
@Module({
  imports: [CampaignsModule, CommandsModule, HostsModule, ResultsModule, ProbeStoreModule],
  controllers: [RemediationsController],
  providers: [VerificationService, VerificationRescanJob],
})
export class VerificationModule {}
