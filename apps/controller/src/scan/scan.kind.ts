import type { ScanCommand } from '@log4fleet/contracts';
import { pathTextToBytes } from '../common/path-text';
import type { CommandKindDefinition } from '../commands/command-kind';
import { ScanParamsDto, SCAN_BOUNDS } from './scan.dto';

/**
 * The one definition of a scan's parameters: their names, types and defaults. The stored
 * payload is this shape; the DTO and the wire message are checked against it at compile time
 * (below), and every mapping walks its keys instead of listing them.
 */
export const SCAN_DEFAULTS = {
  /** In the text form of common/path-text.ts, as the request gave them. */
  paths: [] as string[],
  exclude: [] as string[],
  includeNetworkFs: false,
  oneFileSystem: false,
  maxDepth: 0,
  maxNestedBytes: 0,
  threads: 0,
  nice: false,
  processes: true,
  processesOnly: false,
};

/** What a scan command carries, as stored in commands.payload. */
export type ScanParams = typeof SCAN_DEFAULTS;
const SCAN_KEYS = Object.keys(SCAN_DEFAULTS) as Array<keyof ScanParams>;

// The DTO (the parameters, without the lifecycle's expiry) and the wire message have exactly these fields.
type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;
const dtoMatches: SameKeys<ScanParamsDto, ScanParams> = true;
const wireMatches: SameKeys<ScanCommand, ScanParams> = true;
void dtoMatches;
void wireMatches;

/** A validated request (or a stored payload) with every parameter set: the request's or the default. */
export function scanParams(given: Partial<Record<keyof ScanParams, unknown>>): ScanParams {
  const params = { ...SCAN_DEFAULTS } as Record<keyof ScanParams, unknown>;
  for (const key of SCAN_KEYS) {
    const value = given[key];
    if (value !== undefined && value !== null) params[key] = value;
  }
  return params as ScanParams;
}

/**
 * A stored scan number as the wire may carry it: an integer from 0 (the agent's default) to max.
 * Commands stored before the DTO bounded these (1e300 was accepted) must still reach the agent
 * as a message it can decode (it refuses a uint64 beyond Number.MAX_SAFE_INTEGER).
 */
export function wireNumber(value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return 0;
  return Math.min(Math.floor(value), max);
}

export const scanKind: CommandKindDefinition<'scan', ScanParams> = {
  name: 'scan',
  inCampaigns: true,
  inSchedules: true,
  verifiable: false,
  paramsDto: ScanParamsDto,
  fromStored: (payload) => scanParams(payload),
  toWire: (params) => ({
    $case: 'scan',
    value: {
      ...params,
      // Not strict: a command stored before paths had a text form keeps a stray backslash as typed.
      paths: params.paths.map((p) => pathTextToBytes(p, false)),
      maxDepth: wireNumber(params.maxDepth, SCAN_BOUNDS.maxDepth),
      maxNestedBytes: wireNumber(params.maxNestedBytes, SCAN_BOUNDS.maxNestedBytes),
      threads: wireNumber(params.threads, SCAN_BOUNDS.threads),
    },
  }),
};
