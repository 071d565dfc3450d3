import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { entryStatus } from './status';
import {
  type AdvisoryDatabase,
  type AdvisoryEntry,
  type CveEntry,
  DATABASE_CVES,
  type DatabaseProvenance,
} from './types';

/** The vendored copy: libs/advisories/data (the same path from src/ under jest and dist/ when built). */
export const DATA_DIR = path.join(__dirname, '..', 'data');
export const DATABASE_FILE = path.join(DATA_DIR, 'cisagov.yml');
export const PROVENANCE_FILE = path.join(DATA_DIR, 'PROVENANCE.json');

export class AdvisoryDatabaseError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'AdvisoryDatabaseError';
  }
}

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A scalar as the text YAML had (unquoted 12.1 is a number to YAML); anything else is ''. */
const scalarText = (x: unknown): string =>
  typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : '';

/** A version list as written; a bare string (two entries have one) becomes a list of one. */
function versionList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(scalarText);
  if (v === null || v === undefined) return [];
  return [scalarText(v)];
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];

function cveEntries(raw: unknown): CveEntry[] {
  const cves = isRecord(raw) ? raw : {};
  return DATABASE_CVES.map((cve) => {
    const c = cves[cve.toLowerCase()];
    const r = isRecord(c) ? c : {};
    const base = {
      cve,
      investigated: typeof r.investigated === 'boolean' ? r.investigated : null,
      affected: versionList(r.affected_versions),
      fixed: versionList(r.fixed_versions),
      unaffected: versionList(r.unaffected_versions),
    };
    return { ...base, status: entryStatus(base) };
  });
}

/** Parses the text of cisagov.yml; throws AdvisoryDatabaseError naming the file and entry. */
export function parseAdvisoryDatabase(text: string, file = 'cisagov.yml'): AdvisoryEntry[] {
  let doc: unknown;
  try {
    doc = load(text, { filename: file });
  } catch (err) {
    throw new AdvisoryDatabaseError(file, `not YAML: ${(err as Error).message}`);
  }
  if (!isRecord(doc) || !Array.isArray(doc.software))
    throw new AdvisoryDatabaseError(file, 'no software list at the top level');
  return doc.software.map((s: unknown, index): AdvisoryEntry => {
    if (!isRecord(s) || typeof s.vendor !== 'string')
      throw new AdvisoryDatabaseError(file, `software[${index}] has no vendor`);
    return {
      index,
      vendor: s.vendor.trim(),
      product: typeof s.product === 'string' ? s.product.trim() : '',
      cves: cveEntries(s.cves),
      vendorLinks: strings(s.vendor_links),
      notes: typeof s.notes === 'string' ? s.notes.trim() : '',
      references: strings(s.references),
      lastUpdated: typeof s.last_updated === 'string' ? s.last_updated : '',
    };
  });
}

export function sha256Of(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Loads the vendored database (about 0.7 s for 3.8 MB: load it once and keep it). The file's
 * sha256 must be the one PROVENANCE.json records, so a hand-edited copy is not passed off as
 * CISA's.
 */
export function loadAdvisoryDatabase(
  file = DATABASE_FILE,
  provenanceFile = PROVENANCE_FILE,
): AdvisoryDatabase {
  let text: Buffer;
  let provenance: DatabaseProvenance;
  try {
    text = readFileSync(file);
  } catch (err) {
    throw new AdvisoryDatabaseError(file, `cannot read: ${(err as Error).message}`);
  }
  try {
    provenance = JSON.parse(readFileSync(provenanceFile, 'utf8')) as DatabaseProvenance;
  } catch (err) {
    throw new AdvisoryDatabaseError(provenanceFile, `cannot read: ${(err as Error).message}`);
  }
  const sha = sha256Of(text);
  if (sha !== provenance.sha256)
    throw new AdvisoryDatabaseError(
      file,
      `sha256 ${sha} is not the ${provenance.sha256} that ${path.basename(provenanceFile)} records (refresh it with scripts/refresh-data.mjs)`,
    );
  return { entries: parseAdvisoryDatabase(text.toString('utf8'), file), provenance };
}
