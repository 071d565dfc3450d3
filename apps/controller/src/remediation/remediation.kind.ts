import { pathTextToBytes } from '../common/path-text';
import type { CommandKindDefinition } from '../commands/command-kind';
import { FixParamsDto, RestoreParamsDto } from './remediation.dto';

/** What a fix command carries, as stored in commands.payload. */
export interface FixParams {
  /** In the text form of common/path-text.ts, as the request gave them. */
  paths: string[];
  dryRun: boolean;
  stripSignatures: boolean;
  log4j1: boolean;
}

export interface RestoreParams {
  paths: string[];
  force: boolean;
  /** Empty: each file's latest backup. */
  fixCommandId: string;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export function fixParams(given: Partial<Record<keyof FixParams, unknown>>): FixParams {
  return {
    paths: strings(given.paths),
    dryRun: given.dryRun === true,
    stripSignatures: given.stripSignatures === true,
    log4j1: given.log4j1 === true,
  };
}

export function restoreParams(given: Partial<Record<keyof RestoreParams, unknown>>): RestoreParams {
  return {
    paths: strings(given.paths),
    force: given.force === true,
    // Ids are accepted in any case; the agent takes them in their canonical lowercase form.
    fixCommandId: typeof given.fixCommandId === 'string' ? given.fixCommandId.toLowerCase() : '',
  };
}

/**
 * Fix: remove JndiLookup from the vulnerable log4j copies in the given files (the agent's
 * libs/remediation). It changes the host, so a success is verified by a rescan; it may run in
 * a campaign (with the campaign's selectors and pacing), never on a schedule.
 */
export const fixKind: CommandKindDefinition<'fix', FixParams> = {
  name: 'fix',
  inCampaigns: true,
  inSchedules: false,
  verifiable: true,
  changesHost: (params) => !params.dryRun,
  paramsDto: FixParamsDto,
  fromStored: (payload) => fixParams(payload),
  toWire: (params) => ({
    $case: 'fix',
    value: { ...params, paths: params.paths.map((p) => pathTextToBytes(p, false)) },
  }),
};

/** Restore: the originals of earlier fixes back; verified by a rescan like the fix. */
export const restoreKind: CommandKindDefinition<'restore', RestoreParams> = {
  name: 'restore',
  inCampaigns: false,
  inSchedules: false,
  verifiable: true,
  paramsDto: RestoreParamsDto,
  fromStored: (payload) => restoreParams(payload),
  toWire: (params) => ({
    $case: 'restore',
    value: { ...params, paths: params.paths.map((p) => pathTextToBytes(p, false)) },
  }),
};
