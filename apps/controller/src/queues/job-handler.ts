import { SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobName } from './queue-names';

export const JOB_HANDLER_KEY = 'log4fleet:job-handler';

/** A class that handles one job name; its payload type sits beside it in the same file. */
export interface JobHandler<TData> {
  handle(data: TData, job: Job<TData>): Promise<void>;
}

/** Marks a provider as the handler of one job name (found by the JobRegistry at start). */
export const HandlesJob = (name: JobName) => SetMetadata(JOB_HANDLER_KEY, name);
