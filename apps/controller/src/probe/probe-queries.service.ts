import { Injectable } from '@nestjs/common';
import { HostProbeStateDto, HostProbesDto } from './probe.dto';
import { toHostProbeStateDto, toProbeRunDto } from './probe.mapper';
import { ProbeRepository } from './probe.repository';

/** Newest probes shown for a host. */
const RUNS_SHOWN = 20;
/** Newest conclusive probes read to confirm remediations (the newest after each one decides). */
const CONFIRMATIONS_READ = 200;

/** What other features read of the probes (the host's page): the host-level record and runs. */
@Injectable()
export class ProbeQueries {
  constructor(private readonly repo: ProbeRepository) {}

  async hostState(hostId: string): Promise<HostProbeStateDto | null> {
    const record = await this.repo.hostRecord(hostId);
    return record ? toHostProbeStateDto(record) : null;
  }

  /**
   * The second method's word on something done at each of `times` (remediations): the newest
   * conclusive probe whose command was created at or after it (a callback, or none), or none.
   */
  async confirmationsAfter(
    hostId: string,
    times: readonly Date[],
  ): Promise<Array<{ verdict: string; commandId: string; completedAt: Date } | null>> {
    if (times.length === 0) return [];
    const runs = await this.repo.conclusiveRunsOfHost(hostId, CONFIRMATIONS_READ);
    return times.map((t) => {
      const run = runs.find((r) => r.completedAt && r.commandCreatedAt >= t);
      return run
        ? { verdict: run.verdict, commandId: run.commandId, completedAt: run.completedAt! }
        : null;
    });
  }

  async hostProbes(hostId: string): Promise<HostProbesDto> {
    const runs = await this.repo.runsOfHost(hostId, RUNS_SHOWN);
    const findings = await this.repo.findingsOf(runs.map((r) => r.commandId));
    return {
      state: await this.hostState(hostId),
      runs: runs.map((r) =>
        toProbeRunDto(
          r,
          findings.filter((f) => f.commandId === r.commandId),
        ),
      ),
    };
  }
}
