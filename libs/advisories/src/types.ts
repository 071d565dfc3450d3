/** The four CVEs the CISA database tracks, as its keys name them. */
export const DATABASE_CVES = [
  'CVE-2021-44228',
  'CVE-2021-45046',
  'CVE-2021-45105',
  'CVE-2021-4104',
] as const;
export type DatabaseCve = (typeof DATABASE_CVES)[number];

/**
 * An entry's status for one CVE, derived from its version lists as CISA's own renderer does
 * (see status.ts for the one place we deviate).
 */
export type EntryStatus = 'affected' | 'fixed' | 'not-affected' | 'unknown';

export interface CveEntry {
  cve: DatabaseCve;
  /** true/false as written; null where the database has '' or nothing. */
  investigated: boolean | null;
  /** Free text as written (see versions.ts); a list with one '' still counts as "listed". */
  affected: string[];
  fixed: string[];
  unaffected: string[];
  status: EntryStatus;
}

/** One vendor/product entry of the database. */
export interface AdvisoryEntry {
  /** Position in software[]: a stable id within one copy of the database. */
  index: number;
  vendor: string;
  product: string;
  cves: CveEntry[];
  vendorLinks: string[];
  notes: string;
  references: string[];
  lastUpdated: string;
}

/** Where the vendored copy came from (data/PROVENANCE.json). */
export interface DatabaseProvenance {
  source: string;
  path: string;
  commit: string;
  commitDate: string;
  license: string;
  sha256: string;
  entries: number;
  vendors: number;
}

export interface AdvisoryDatabase {
  entries: AdvisoryEntry[];
  provenance: DatabaseProvenance;
}
