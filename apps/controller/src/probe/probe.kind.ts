import { PROBE_LIMITS } from '@log4fleet/contracts';
import type { CommandKindDefinition } from '../commands/command-kind';
import { ProbeParamsDto } from './probe.dto';

/** What a probe command carries, as stored in commands.payload (0: the agent's default). */
export interface ProbeParams {
  targets: Array<{ address: string; port: number }>;
  ratePerSecond: number;
  maxRequests: number;
  timeBudgetSeconds: number;
}

const count = (v: unknown, max: number): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? Math.min(v, max) : 0;

/** A validated request (or a stored payload) with every parameter set. */
export function probeParams(given: Partial<Record<keyof ProbeParams, unknown>>): ProbeParams {
  const targets = Array.isArray(given.targets) ? (given.targets as unknown[]) : [];
  return {
    targets: targets.map((t) => {
      const { address, port } = (t ?? {}) as { address?: unknown; port?: unknown };
      return { address: typeof address === 'string' ? address : '', port: count(port, 65535) };
    }),
    ratePerSecond: count(given.ratePerSecond, PROBE_LIMITS.ratePerSecond),
    maxRequests: count(given.maxRequests, PROBE_LIMITS.maxRequests),
    timeBudgetSeconds: count(given.timeBudgetSeconds, PROBE_LIMITS.timeBudgetSeconds),
  };
}

export const probeKind: CommandKindDefinition<'probe', ProbeParams> = {
  name: 'probe',
  inCampaigns: true,
  inSchedules: true,
  // A probe changes nothing on the host: there is nothing for a rescan to verify.
  verifiable: false,
  paramsDto: ProbeParamsDto,
  fromStored: (payload) => probeParams(payload),
  toWire: (params) => ({ $case: 'probe', value: params }),
};
