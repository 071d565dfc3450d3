import { HUNT_LIMITS, type HuntCommand } from '@log4fleet/contracts';
import {
  DEFAULT_HUNT_LIMITS,
  defaultLogLocations,
  findChangedFiles,
  hunt,
  IndicatorMatcher,
  jvmLogFiles,
  type ChangedFile,
  type HuntError,
  type HuntHit,
  type IndicatorSet,
  type LogFile,
} from '@log4fleet/hunt';
import { probeJvms, type ConnectionIndicator } from '@log4fleet/jvm-probe';
import type { KindHandler, KindRun } from '../daemon/kinds/kind-handler';
import { putKindResults } from '../daemon/kinds/kind-results';
import type { Outbox } from '../daemon/outbox';
import { connectionHit } from './jvm-connections';
import { ADVISORY_DATE, parseSince } from './hunt-options';
import {
  checkHuntCommand,
  toChangedFileMessage,
  toErrorMessage,
  toHitMessage,
  toResultParts,
  toSummaryMessage,
} from './hunt-mapping';

export interface HuntHandlerDeps {
  outbox: Outbox;
  /** Files running JVMs write (default: libs/hunt's jvmLogFiles over /proc). */
  jvmLogFiles?: () => Promise<LogFile[]>;
  /** JVMs' outbound LDAP/RMI/DNS connections (default: the JVM inspection's indicators). */
  jvmConnections?: () => Promise<ConnectionIndicator[]>;
}

async function probeConnections(): Promise<ConnectionIndicator[]> {
  return (await probeJvms({ scanJar: () => ({ findings: [], errors: [] }) })).indicators;
}

function indicatorSet(c: HuntCommand): IndicatorSet | undefined {
  const set: IndicatorSet = {
    strings: c.indicatorStrings.map((value) => ({ type: 'string', value })),
    c2: c.indicatorC2.map((value) => ({ type: 'c2', value: value.toLowerCase() })),
    hashes: c.indicatorHashes.map((value) => ({ type: 'hash', value: value.toLowerCase() })),
    filenames: c.indicatorFilenames.map((value) => ({ type: 'filename', value })),
  };
  const empty = Object.values(set).every((l: unknown[]) => l.length === 0);
  return empty ? undefined : set;
}

/**
 * The hunt kind on the agent: libs/hunt over the command's paths (or the usual log locations and
 * the files running JVMs write), the JVMs' callback connections, configuration changed after a
 * date; hits beyond HUNT_LIMITS.hits are counted, not sent.
 */
export class HuntHandler implements KindHandler<'hunt'> {
  constructor(private readonly deps: HuntHandlerDeps) {}

  async run(c: HuntCommand, run: KindRun): Promise<number> {
    checkHuntCommand(c);
    run.started();
    const set = indicatorSet(c);
    const indicators = set ? new IndicatorMatcher(set) : undefined;
    const wholeHost = c.paths.length === 0;
    const jvmFiles = wholeHost && !c.noJvms ? await (this.deps.jvmLogFiles ?? jvmLogFiles)() : [];
    const hits: HuntHit[] = [];
    const errors: HuntError[] = [];
    let dropped = 0;
    const keep = (h: HuntHit): void => {
      if (hits.length < HUNT_LIMITS.hits) hits.push(h);
      else dropped++;
    };
    run.log.info({ paths: c.paths, sinceMs: c.sinceMs || undefined }, 'hunt started');
    const summary = await hunt(
      {
        paths: wholeHost
          ? [...defaultLogLocations().map((p) => ({ path: p })), ...jvmFiles]
          : c.paths.map((p) => ({ path: p })),
        logNamesOnly: wholeHost,
        ...(c.sinceMs > 0 ? { sinceMs: c.sinceMs } : {}),
        ...(indicators ? { indicators, indicatorPaths: c.indicatorPaths } : {}),
        limits: {
          maxLineBytes: c.maxLineBytes || DEFAULT_HUNT_LIMITS.maxLineBytes,
          maxDecompressedBytes: c.maxDecompressedBytes || DEFAULT_HUNT_LIMITS.maxDecompressedBytes,
        },
        signal: run.signal,
      },
      { hit: keep, error: (e) => errors.length < HUNT_LIMITS.errors && errors.push(e) },
    );
    if (wholeHost && !c.noJvms) {
      for (const conn of await (this.deps.jvmConnections ?? probeConnections)()) {
        keep(connectionHit(conn, indicators));
        summary.hits++;
      }
    }
    let changed: ChangedFile[] = [];
    if (c.configDirs.length > 0) {
      const sinceMs = c.changedSinceMs || c.sinceMs || parseSince(ADVISORY_DATE);
      changed = (
        await findChangedFiles({ paths: c.configDirs, sinceMs }, (e) => {
          summary.errors++;
          if (errors.length < HUNT_LIMITS.errors) errors.push(e);
        })
      ).slice(0, HUNT_LIMITS.changedFiles);
    }
    if (dropped > 0)
      errors.push({
        path: '',
        code: 'truncated',
        error: `${dropped} hits beyond the ${HUNT_LIMITS.hits} a hunt sends were counted, not sent`,
      });
    run.log.info(
      { hits: summary.hits, dropped, errors: summary.errors, files: summary.files },
      'hunt finished',
    );
    run.writing();
    return putKindResults(
      this.deps.outbox,
      run.commandId,
      toResultParts(
        hits.map(toHitMessage),
        errors.map(toErrorMessage),
        changed.map(toChangedFileMessage),
        toSummaryMessage(summary, dropped),
      ),
    );
  }
}
