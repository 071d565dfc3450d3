import type { CommandKindDefinition } from '../commands/command-kind';
import { QuarantineParamsDto, ReleaseParamsDto, type QuarantineMode } from './quarantine.dto';

/** A quarantine's parameters as stored (commands.payload) and sent. */
export interface QuarantineParams {
  mode: QuarantineMode;
  allowlist: Array<{ cidr: string; protocol: 'tcp' | 'udp'; port?: number }>;
  resolvers: string[];
  probe?: { address: string; port: number; protocol: 'tcp' | 'udp' };
  /** Absent: the agent's default (30 s). */
  deadlineSeconds?: number;
  controllerAddresses: string[];
}

export type ReleaseParams = Record<string, never>;

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** A validated body (or a stored payload) with every list present. */
export function quarantineParams(
  given: Partial<Record<keyof QuarantineParams, unknown>>,
): QuarantineParams {
  const allowlist = Array.isArray(given.allowlist)
    ? (given.allowlist as QuarantineParams['allowlist']).map((a) => ({
        cidr: a.cidr,
        protocol: a.protocol,
        ...(a.port !== undefined && a.port !== null ? { port: a.port } : {}),
      }))
    : [];
  const probe = given.probe as QuarantineParams['probe'] | undefined;
  return {
    mode: given.mode === 'egress-block' ? 'egress-block' : 'isolate',
    allowlist,
    resolvers: strings(given.resolvers),
    ...(probe
      ? { probe: { address: probe.address, port: probe.port, protocol: probe.protocol } }
      : {}),
    ...(typeof given.deadlineSeconds === 'number'
      ? { deadlineSeconds: given.deadlineSeconds }
      : {}),
    controllerAddresses: strings(given.controllerAddresses),
  };
}

/** Contain a host (libs/quarantine on the agent); a verified quarantine is verified by a rescan. */
export const quarantineKind: CommandKindDefinition<'quarantine', QuarantineParams> = {
  name: 'quarantine',
  inCampaigns: true,
  inSchedules: false,
  verifiable: true,
  paramsDto: QuarantineParamsDto,
  fromStored: (payload) => quarantineParams(payload),
  toWire: (params) => ({
    $case: 'quarantine',
    value: {
      mode: params.mode,
      allowlist: params.allowlist.map((a) => ({
        cidr: a.cidr,
        protocol: a.protocol,
        port: a.port ?? 0,
      })),
      resolvers: params.resolvers,
      probe: params.probe,
      deadlineS: params.deadlineSeconds ?? 0,
      controllerAddresses: params.controllerAddresses,
    },
  }),
};

/** Remove the agent's quarantine table. */
export const releaseKind: CommandKindDefinition<'release', ReleaseParams> = {
  name: 'release',
  inCampaigns: true,
  inSchedules: false,
  verifiable: false,
  paramsDto: ReleaseParamsDto,
  fromStored: () => ({}),
  toWire: () => ({ $case: 'release', value: {} }),
};
