import { Injectable } from '@nestjs/common';
import { HostProbeStateDto, HostProbesDto } from './probe.dto';
import { toHostProbeStateDto, toProbeRunDto } from './probe.mapper';
import { ProbeRepository } from './probe.repository';

/** Newest probes shown for a host. */
const RUNS_SHOWN = 20;

/** What other features read of the probes (the host's page): the host-level record and runs. */
@Injectable()
export class ProbeQueries {
  constructor(private readonly repo: ProbeRepository) {}

  async hostState(hostId: string): Promise<HostProbeStateDto | null> {
    const record = await this.repo.hostRecord(hostId);
    return record ? toHostProbeStateDto(record) : null;
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
