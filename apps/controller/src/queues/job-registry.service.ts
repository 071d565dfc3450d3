import { Injectable } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { Job } from 'bullmq';
import { JOB_HANDLER_KEY, JobHandler } from './job-handler';
import { ALL_JOBS, JOB_QUEUE, JobName, QueueName } from './queue-names';

export class JobRegistryError extends Error {
  constructor(readonly problems: string[]) {
    super(`job registry: ${problems.join('; ')}`);
  }
}

/** Checks a handler table against the job names: every name exactly one handler, no stray handler. */
export function checkJobHandlers(
  found: Array<{ name: string; owner: string }>,
  expected: readonly string[] = ALL_JOBS,
): string[] {
  const problems: string[] = [];
  const byName = new Map<string, string[]>();
  for (const { name, owner } of found) byName.set(name, [...(byName.get(name) ?? []), owner]);
  for (const name of expected) {
    const owners = byName.get(name) ?? [];
    if (owners.length === 0) problems.push(`job "${name}" has no handler`);
    if (owners.length > 1)
      problems.push(`job "${name}" has ${owners.length} handlers (${owners.join(', ')})`);
  }
  for (const [name, owners] of byName)
    if (!expected.includes(name))
      problems.push(
        `handler ${owners.join(', ')} serves "${name}", which is not a declared job name`,
      );
  return problems;
}

/** immich's job registry idea: handlers are found by metadata at start and checked before any worker runs. */
@Injectable()
export class JobRegistry {
  private handlers: Map<JobName, JobHandler<unknown>> | null = null;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  /** Builds and checks the table; throws JobRegistryError listing every problem. */
  load(): void {
    const found: Array<{ name: JobName; owner: string; instance: JobHandler<unknown> }> = [];
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype;
      const instance: unknown = wrapper.instance;
      if (!metatype || !instance || typeof metatype !== 'function') continue;
      const name = this.reflector.get<JobName | undefined>(JOB_HANDLER_KEY, metatype);
      if (!name) continue;
      found.push({ name, owner: metatype.name, instance: instance as JobHandler<unknown> });
    }
    const problems = checkJobHandlers(found);
    if (problems.length > 0) throw new JobRegistryError(problems);
    this.handlers = new Map(found.map((f) => [f.name, f.instance]));
  }

  namesOn(queue: QueueName): JobName[] {
    return ALL_JOBS.filter((name) => JOB_QUEUE[name] === queue);
  }

  async dispatch(queue: QueueName, job: Job): Promise<void> {
    if (!this.handlers) throw new Error('job registry used before load()');
    const name = job.name as JobName;
    const handler = this.handlers.get(name);
    if (!handler || JOB_QUEUE[name] !== queue)
      throw new Error(`no handler for job "${job.name}" on queue ${queue} (job ${job.id})`);
    await handler.handle(job.data, job);
  }
}
