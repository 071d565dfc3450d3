import { Injectable } from '@nestjs/common';
import { HandlesJob, JobHandler } from '../queues/job-handler';
import { JobName } from '../queues/queue-names';
import { VerificationRescanJobData, VerificationService } from './verification.service';

/** Creates the verification campaign of a succeeded remediation or quarantine (once). */
@Injectable()
@HandlesJob(JobName.VerificationRescan)
export class VerificationRescanJob implements JobHandler<VerificationRescanJobData> {
  constructor(private readonly verification: VerificationService) {}

  handle(data: VerificationRescanJobData): Promise<void> {
    return this.verification.createRescan(data);
  }
}
