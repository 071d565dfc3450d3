import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { HandlesJob, JobHandler } from '../queues/job-handler';
import { JobName } from '../queues/queue-names';
import { SchedulesService } from './schedules.service';

export interface RunScheduleJobData {
  scheduleId: string;
  /** Set for a run requested by hand; scheduler runs derive it from the job id (one per planned time). */
  runKey?: string;
}

/** The run key of a scheduler job: its planned time, so a retried run finds the campaign it made. */
export function runKeyOf(job: Pick<Job, 'id' | 'timestamp'>, data: RunScheduleJobData): string {
  if (data.runKey) return data.runKey;
  const planned = /:(\d+)$/.exec(job.id ?? '')?.[1];
  return `t${planned ?? job.timestamp}`;
}

@Injectable()
@HandlesJob(JobName.ScheduleRun)
export class RunScheduleJob implements JobHandler<RunScheduleJobData> {
  constructor(private readonly schedules: SchedulesService) {}

  handle(data: RunScheduleJobData, job: Job<RunScheduleJobData>): Promise<void> {
    return this.schedules.run(data.scheduleId, runKeyOf(job, data));
  }
}
