import type { ConnectionIndicator, MitigationFlag, ProcessRef } from '@log4fleet/jvm-probe';

/**
 * What a scan learns about running JVMs besides findings and errors, as typed records: every
 * fact the table shows is in `--json` (one line each) and in SARIF, with the same fields.
 */

/** The process a fact is about, as an admin recognises it. */
export interface JvmProcessRecord {
  pid: number;
  user: string | null;
  uid: number | null;
  /** Main class, "-jar app.jar" or "-m module/class". */
  main: string | null;
  container: { runtime: string; id: string } | null;
}

/** A log4j-related setting of a JVM (system property or environment) and what it covers. */
export interface JvmFlagRecord {
  type: 'jvm-flag';
  process: JvmProcessRecord;
  name: string;
  value: string;
  source: MitigationFlag['source'];
  /** What the setting does, in one sentence. */
  what: string;
  effect: MitigationFlag['effect'];
  /** CVEs (with the versions concerned) it helps against. */
  covers: string[];
  /** What it does not protect against. */
  doesNotCover: string[];
  /** The verdict for the log4j versions this process runs. */
  note: string;
}

/** An outbound connection of a JVM to an LDAP, RMI or DNS port: an indicator of compromise. */
export interface JvmIndicatorRecord {
  type: 'jvm-indicator';
  process: JvmProcessRecord;
  service: ConnectionIndicator['service'];
  protocol: ConnectionIndicator['protocol'];
  state: ConnectionIndicator['state'];
  local: { address: string; port: number };
  remote: { address: string; port: number };
  message: string;
}

export type JvmFact = JvmFlagRecord | JvmIndicatorRecord;

export function processRecord(p: ProcessRef): JvmProcessRecord {
  return {
    pid: p.pid,
    user: p.user ?? null,
    uid: p.uid ?? null,
    main: p.main ?? null,
    container: p.container ? { runtime: p.container.runtime, id: p.container.id } : null,
  };
}

export function flagRecord(f: MitigationFlag): JvmFlagRecord {
  return {
    type: 'jvm-flag',
    process: processRecord(f.process),
    name: f.name,
    value: f.value,
    source: f.source,
    what: f.what,
    effect: f.effect,
    covers: [...f.covers],
    doesNotCover: [...f.doesNotCover],
    note: f.note,
  };
}

export function indicatorRecord(i: ConnectionIndicator): JvmIndicatorRecord {
  return {
    type: 'jvm-indicator',
    process: processRecord(i.process),
    service: i.service,
    protocol: i.protocol,
    state: i.state,
    local: { address: i.local.address, port: i.local.port },
    remote: { address: i.remote.address, port: i.remote.port },
    message: i.message,
  };
}

export function describeProcess(p: JvmProcessRecord): string {
  const who = p.user ?? (p.uid !== null ? `uid ${p.uid}` : 'unknown user');
  const container = p.container
    ? `, container ${p.container.runtime}:${p.container.id.slice(0, 12)}`
    : '';
  return `pid ${p.pid} (${who}${p.main ? `, ${p.main}` : ''}${container})`;
}

/** The one line a person reads for a fact (stderr, the daemon's log, the table). */
export function describeFact(fact: JvmFact): string {
  if (fact.type === 'jvm-indicator')
    return `indicator: JVM ${describeProcess(fact.process)} ${fact.message}`;
  return `JVM ${describeProcess(fact.process)}: ${fact.name}=${fact.value} (${fact.source}): ${fact.note}`;
}

/** The table's lines for a fact: the line above, then what a flag covers and does not. */
export function explainFact(fact: JvmFact): string[] {
  const lines = [describeFact(fact)];
  if (fact.type === 'jvm-flag') {
    if (fact.covers.length > 0) lines.push(`  covers: ${fact.covers.join('; ')}`);
    if (fact.doesNotCover.length > 0)
      lines.push(`  does not cover: ${fact.doesNotCover.join('; ')}`);
  }
  return lines;
}
