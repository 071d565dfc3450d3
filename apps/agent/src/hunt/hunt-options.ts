import { InvalidArgumentError } from 'commander';

/** Options of `hunt` as commander parses them. */
export interface HuntCliOptions {
  json?: boolean;
  sarif?: boolean;
  since?: number;
  indicators?: string;
  indicatorPath?: string[];
  configDir?: string[];
  changedSince?: number;
  jvms?: boolean;
  maxLineBytes?: number;
  maxDecompressedBytes?: number;
  output?: string;
}

/** The advisory's date: inspect configuration changes made after December 1, 2021. */
export const ADVISORY_DATE = '2021-12-01';

/**
 * `2021-12-01` (midnight in the agent's zone, as an admin reading local logs means it),
 * `2021-12-01T10:00`, or a full ISO 8601 time with zone.
 */
export function parseSince(value: string): number {
  const v = value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const local = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
  const ms = local ? local.getTime() : Date.parse(v);
  // new Date() rolls 2021-13-45 over into 2022: a date that does not round-trip is refused.
  const rolled =
    m && local && (local.getMonth() !== Number(m[2]) - 1 || local.getDate() !== Number(m[3]));
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || !Number.isFinite(ms) || rolled)
    throw new InvalidArgumentError('expected a date such as 2021-12-01 or 2021-12-01T10:00:00Z.');
  return ms;
}
