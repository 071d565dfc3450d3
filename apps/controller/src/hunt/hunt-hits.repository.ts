import { Injectable } from '@nestjs/common';
import type { HuntHit, HuntSummary } from '@log4fleet/contracts';
import type { ResultCommand } from '../commands/commands.repository';
import { rawQuery } from '../database/raw-query';
import { tableRows } from '../database/table-rows';
import { TransactionService } from '../database/transaction.service';
import type { HuntHitFilterDto } from './hunt.dto';

/** A hit as its hunt_hits row is written. */
export interface NewHuntHit {
  id: string;
  hit: HuntHit;
  hostId: string;
  commandId: string;
  createdAt: string;
}

/** The hunt_hits columns and each one's value. */
export const HUNT_HITS = tableRows<NewHuntHit>('hunt_hits', [
  ['id', (h) => h.id],
  ['host_id', (h) => h.hostId],
  ['command_id', (h) => h.commandId],
  ['kind', (h) => h.hit.kind],
  ['confidence', (h) => h.hit.confidence],
  ['file', (h) => h.hit.file],
  ['line', (h) => h.hit.line],
  ['line_at', (h) => h.hit.timestamp || null],
  ['raw', (h) => h.hit.raw],
  ['raw_truncated', (h) => h.hit.rawTruncated],
  ['decoded', (h) => h.hit.decoded],
  ['protocol', (h) => h.hit.target?.protocol ?? null],
  ['target_host', (h) => h.hit.target?.host ?? null],
  ['port', (h) => (h.hit.target && h.hit.target.port > 0 ? h.hit.target.port : null)],
  ['target_path', (h) => h.hit.target?.path ?? null],
  [
    'callback_host',
    (h) => (h.hit.target?.callbackHost ? h.hit.target.callbackHost.toLowerCase() : null),
  ],
  ['bypass', (h) => h.hit.target?.bypass || null],
  ['exfiltrates', (h) => JSON.stringify(h.hit.exfiltrates)],
  ['trace', (h) => h.hit.trace || null],
  ['obfuscation', (h) => JSON.stringify(h.hit.obfuscation)],
  ['cves', (h) => JSON.stringify(h.hit.cves)],
  ['indicator_type', (h) => h.hit.indicatorType || null],
  ['indicator_value', (h) => h.hit.indicatorValue || null],
  ['message', (h) => h.hit.message],
  ['created_at', (h) => h.createdAt],
]);

export interface HuntHitRow {
  id: string;
  host_id: string;
  command_id: string;
  kind: string;
  confidence: string;
  file: string;
  line: number;
  line_at: string | null;
  raw: string;
  raw_truncated: boolean | number;
  decoded: string;
  protocol: string | null;
  target_host: string | null;
  port: number | null;
  target_path: string | null;
  callback_host: string | null;
  bypass: string | null;
  exfiltrates: string;
  trace: string | null;
  obfuscation: string;
  cves: string;
  indicator_type: string | null;
  indicator_value: string | null;
  message: string;
  created_at: string;
}

export interface CallbackHostRow {
  callback_host: string;
  hosts: number | string;
  hits: number | string;
  protocols: string | null;
  first_seen: string | null;
  last_seen: string | null;
}

export interface HuntRunRow {
  command_id: string;
  host_id: string;
  summary: string | null;
  errors: string;
  hits: number | string;
  completed_at: string | null;
  created_at: string;
}

export interface RunEvidence {
  highHits: number;
  kinds: string[];
  callbackHosts: string[];
}

interface RunPart {
  errors: Array<{ path: string; code: string; error: string }>;
  hits: number;
  summary: HuntSummary | null;
  maxErrors: number;
  createdAt: string;
}

/** WHERE clause and parameters of a hit filter (values always as parameters). */
function where(filter: HuntHitFilterDto & { hostId?: string }): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    parts.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.hostId) add('host_id = ?', filter.hostId);
  if (filter.commandId) add('command_id = ?', filter.commandId);
  if (filter.kind) add('kind = ?', filter.kind);
  if (filter.confidence) add('confidence = ?', filter.confidence);
  if (filter.callbackHost) add('callback_host = ?', filter.callbackHost.toLowerCase());
  if (filter.cve) add(`cves LIKE ?`, `%"${filter.cve}"%`);
  if (filter.since) add('line_at >= ?', new Date(filter.since).toISOString());
  if (filter.until) add('line_at < ?', new Date(filter.until).toISOString());
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/**
 * The hunt kind's SQL: hits, runs, and the fleet-wide view by callback host. In the caller's unit
 * of work (the ambient transaction of TransactionService), or on its own outside one.
 */
@Injectable()
export class HuntHitsRepository {
  constructor(private readonly tx: TransactionService) {}

  /** Multi-row INSERTs of hits. */
  insertHits(hits: readonly NewHuntHit[]): Promise<void> {
    return HUNT_HITS.insert(this.tx.manager, hits);
  }

  /** Creates the run on its first part, then adds each part's errors, hit count and (last) summary. */
  async addToRun(command: ResultCommand, part: RunPart): Promise<void> {
    const manager = this.tx.manager;
    const existing = await rawQuery<{ errors: string; hits: number }>(
      manager,
      'SELECT errors, hits FROM hunt_runs WHERE command_id = $1',
      [command.id],
    );
    const row = existing.rows[0];
    const errors = [
      ...(row ? (JSON.parse(row.errors) as RunPart['errors']) : []),
      ...part.errors,
    ].slice(0, part.maxErrors);
    const summary = part.summary ? JSON.stringify(part.summary) : null;
    if (!row) {
      await rawQuery(
        manager,
        'INSERT INTO hunt_runs (command_id, host_id, summary, errors, hits, completed_at, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6)',
        [command.id, command.hostId, summary, JSON.stringify(errors), part.hits, part.createdAt],
      );
      return;
    }
    await rawQuery(
      manager,
      'UPDATE hunt_runs SET errors = $1, hits = hits + $2, summary = COALESCE($3, summary) WHERE command_id = $4',
      [JSON.stringify(errors), part.hits, summary, command.id],
    );
  }

  async completeRun(commandId: string, at: string): Promise<void> {
    await rawQuery(
      this.tx.manager,
      'UPDATE hunt_runs SET completed_at = $1 WHERE command_id = $2',
      [at, commandId],
    );
  }

  /** What a completed run found that flags its host: high-confidence hits, their kinds and callback hosts. */
  async evidence(commandId: string): Promise<RunEvidence> {
    const { rows } = await rawQuery<{
      kind: string;
      callback_host: string | null;
      n: number | string;
    }>(
      this.tx.manager,
      `SELECT kind, callback_host, COUNT(*) AS n FROM hunt_hits WHERE command_id = $1 AND confidence = 'high'
       GROUP BY kind, callback_host ORDER BY kind, callback_host`,
      [commandId],
    );
    return {
      highHits: rows.reduce((n, r) => n + Number(r.n), 0),
      kinds: [...new Set(rows.map((r) => r.kind))],
      callbackHosts: [
        ...new Set(rows.map((r) => r.callback_host).filter((h): h is string => !!h)),
      ].slice(0, 20),
    };
  }

  async countRuns(hostId: string): Promise<number> {
    const { rows } = await rawQuery<{ n: number | string }>(
      this.tx.manager,
      'SELECT COUNT(*) AS n FROM hunt_runs WHERE host_id = $1',
      [hostId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Newest first. */
  async runs(hostId: string, offset: number, limit: number): Promise<HuntRunRow[]> {
    const { rows } = await rawQuery<HuntRunRow>(
      this.tx.manager,
      'SELECT command_id, host_id, summary, errors, hits, completed_at, created_at FROM hunt_runs WHERE host_id = $1 ORDER BY created_at DESC, command_id DESC LIMIT $2 OFFSET $3',
      [hostId, limit, offset],
    );
    return rows;
  }

  async countHits(filter: HuntHitFilterDto & { hostId?: string }): Promise<number> {
    const w = where(filter);
    const { rows } = await rawQuery<{ n: number | string }>(
      this.tx.manager,
      `SELECT COUNT(*) AS n FROM hunt_hits ${w.sql}`,
      w.params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Newest first (ids are time-ordered). */
  async hits(
    filter: HuntHitFilterDto & { hostId?: string },
    offset: number,
    limit: number,
  ): Promise<HuntHitRow[]> {
    const w = where(filter);
    const n = w.params.length;
    const { rows } = await rawQuery<HuntHitRow>(
      this.tx.manager,
      `SELECT ${HUNT_HITS.columns.join(', ')} FROM hunt_hits ${w.sql} ORDER BY id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...w.params, limit, offset],
    );
    return rows;
  }

  async countCallbackHosts(since?: string): Promise<number> {
    const w = where({ since });
    const cond = `${w.sql ? `${w.sql} AND` : 'WHERE'} callback_host IS NOT NULL`;
    const { rows } = await rawQuery<{ n: number | string }>(
      this.tx.manager,
      `SELECT COUNT(DISTINCT callback_host) AS n FROM hunt_hits ${cond}`,
      w.params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** One attacker's infrastructure across the fleet: most hosts first. */
  async callbackHosts(
    since: string | undefined,
    offset: number,
    limit: number,
  ): Promise<CallbackHostRow[]> {
    const w = where({ since });
    const cond = `${w.sql ? `${w.sql} AND` : 'WHERE'} callback_host IS NOT NULL`;
    const n = w.params.length;
    const { rows } = await rawQuery<CallbackHostRow>(
      this.tx.manager,
      `SELECT callback_host, COUNT(DISTINCT host_id) AS hosts, COUNT(*) AS hits,
         MIN(line_at) AS first_seen, MAX(line_at) AS last_seen
       FROM hunt_hits ${cond}
       GROUP BY callback_host ORDER BY hosts DESC, hits DESC, callback_host LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...w.params, limit, offset],
    );
    if (rows.length === 0) return rows;
    const protocols = await rawQuery<{ callback_host: string; protocol: string }>(
      this.tx.manager,
      `SELECT DISTINCT callback_host, protocol FROM hunt_hits WHERE protocol IS NOT NULL AND callback_host IN (${rows.map((_, i) => `$${i + 1}`).join(', ')})`,
      rows.map((r) => r.callback_host),
    );
    const byHost = new Map<string, string[]>();
    for (const p of protocols.rows)
      byHost.set(p.callback_host, [...(byHost.get(p.callback_host) ?? []), p.protocol]);
    return rows.map((r) => ({
      ...r,
      protocols: (byHost.get(r.callback_host) ?? []).sort().join(','),
    }));
  }
}
