import { HUNT_LIMITS, type HuntCommand } from '@log4fleet/contracts';
import type { CommandKindDefinition } from '../commands/command-kind';
import { wireNumber } from '../scan/scan.kind';
import { HuntParamsDto } from './hunt.dto';

/**
 * The one definition of a hunt's parameters as stored (commands.payload), a campaign's params
 * included: the DTO's fields, dates as ISO strings. toWire turns them into HuntCommand.
 */
export const HUNT_DEFAULTS = {
  paths: [] as string[],
  since: null as string | null,
  indicatorStrings: [] as string[],
  indicatorC2: [] as string[],
  indicatorHashes: [] as string[],
  indicatorFilenames: [] as string[],
  indicatorPaths: [] as string[],
  configDirs: [] as string[],
  changedSince: null as string | null,
  noJvms: false,
  maxLineBytes: 0,
  maxDecompressedBytes: 0,
};

export type HuntParams = typeof HUNT_DEFAULTS;
const HUNT_KEYS = Object.keys(HUNT_DEFAULTS) as Array<keyof HuntParams>;

// The DTO (without the lifecycle's expiry) has exactly these fields.
type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;
const dtoMatches: SameKeys<HuntParamsDto, HuntParams> = true;
void dtoMatches;

/** A validated request (or a stored payload) with every parameter set: the request's or the default. */
export function huntParams(given: Partial<Record<keyof HuntParams, unknown>>): HuntParams {
  const params = { ...HUNT_DEFAULTS } as Record<keyof HuntParams, unknown>;
  for (const key of HUNT_KEYS) {
    const value = given[key];
    if (value !== undefined && value !== null) params[key] = value;
  }
  return params as HuntParams;
}

/** An ISO time as Unix ms for the wire; 0 (none) when absent or unreadable. */
function wireTime(iso: string | null): number {
  if (!iso) return 0;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export const huntKind: CommandKindDefinition<'hunt', HuntParams> = {
  name: 'hunt',
  inCampaigns: true,
  inSchedules: true,
  verifiable: false,
  paramsDto: HuntParamsDto,
  fromStored: (payload) => huntParams(payload),
  toWire: (p): { $case: 'hunt'; value: HuntCommand } => ({
    $case: 'hunt',
    value: {
      paths: strings(p.paths),
      sinceMs: wireTime(p.since),
      indicatorStrings: strings(p.indicatorStrings),
      indicatorC2: strings(p.indicatorC2),
      indicatorHashes: strings(p.indicatorHashes),
      indicatorFilenames: strings(p.indicatorFilenames),
      indicatorPaths: strings(p.indicatorPaths),
      configDirs: strings(p.configDirs),
      changedSinceMs: wireTime(p.changedSince),
      noJvms: p.noJvms === true,
      maxLineBytes: wireNumber(p.maxLineBytes, HUNT_LIMITS.maxLineBytes),
      maxDecompressedBytes: wireNumber(p.maxDecompressedBytes, HUNT_LIMITS.maxDecompressedBytes),
    },
  }),
};
