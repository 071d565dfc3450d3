import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DATABASE_FILE,
  loadAdvisoryDatabase,
  parseAdvisoryDatabase,
  PROVENANCE_FILE,
} from './database';
import { ALIASES } from './aliases';
import type { AdvisoryDatabase, AdvisoryEntry } from './types';

let db: AdvisoryDatabase;
beforeAll(() => {
  db = loadAdvisoryDatabase();
});

const entry = (vendor: string, product: string): AdvisoryEntry => {
  const e = db.entries.find((x) => x.vendor === vendor && x.product === product);
  if (!e) throw new Error(`no ${vendor} / ${product}`);
  return e;
};
const log4shell = (e: AdvisoryEntry) => e.cves.find((c) => c.cve === 'CVE-2021-44228')!;

describe('the vendored CISA database', () => {
  it('holds every entry and vendor PROVENANCE.json counts', () => {
    expect(db.entries).toHaveLength(db.provenance.entries);
    expect(new Set(db.entries.map((e) => e.vendor)).size).toBe(db.provenance.vendors);
    expect(db.provenance).toMatchObject({ entries: 4472, vendors: 761, license: 'CC0-1.0' });
  });

  it('refuses a copy whose bytes are not the ones PROVENANCE.json records', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'advisories-'));
    try {
      copyFileSync(PROVENANCE_FILE, path.join(dir, 'PROVENANCE.json'));
      writeFileSync(path.join(dir, 'cisagov.yml'), 'software: []\n');
      expect(() =>
        loadAdvisoryDatabase(path.join(dir, 'cisagov.yml'), path.join(dir, 'PROVENANCE.json')),
      ).toThrow(
        /cisagov\.yml: sha256 [0-9a-f]{64} is not the [0-9a-f]{64} that PROVENANCE\.json records/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file and the entry when the YAML is bad', () => {
    expect(() => parseAdvisoryDatabase('software: [\n', 'x.yml')).toThrow(/^x\.yml: not YAML/);
    expect(() => parseAdvisoryDatabase('version: 1\n', 'x.yml')).toThrow(
      'x.yml: no software list at the top level',
    );
    expect(() => parseAdvisoryDatabase('software:\n  - product: a\n', 'x.yml')).toThrow(
      'x.yml: software[0] has no vendor',
    );
    expect(DATABASE_FILE.endsWith(path.join('advisories', 'data', 'cisagov.yml'))).toBe(true);
  });

  it('points every alias at entries that exist', () => {
    const missing = ALIASES.filter(
      (a) => !db.entries.some((e) => e.vendor === a.vendor && e.product === a.product),
    ).map((a) => `${a.vendor} / ${a.product}`);
    expect(missing).toEqual([]);
  });
});

describe('statuses derived from the real entries', () => {
  it('counts a list holding only "" as listed, as CISA renders it', () => {
    expect(log4shell(entry('ABB', 'AlarmInsight Cloud'))).toMatchObject({
      unaffected: [''],
      status: 'not-affected',
    });
    expect(log4shell(entry('ABB', 'Remote Service'))).toMatchObject({
      fixed: [''],
      status: 'fixed',
    });
  });

  it('says unknown where nothing is listed, investigated or not (Dell VxBlock: "Patch pending")', () => {
    expect(log4shell(entry('Abbott', 'All'))).toMatchObject({
      investigated: false,
      status: 'unknown',
    });
    const vxblock = entry('Dell', 'VxBlock');
    expect(vxblock.notes).toMatch(/^Patch pending/);
    expect(log4shell(vxblock)).toMatchObject({ investigated: true, status: 'unknown' });
  });

  it('reads investigated: "" as not known, and a bare string where a list belongs as a list of one', () => {
    expect(log4shell(entry('Tridium', ''))).toMatchObject({
      investigated: null,
      status: 'unknown',
    });
    expect(log4shell(entry('Dell', 'Connectrix (Cisco MDS DCNM)'))).toMatchObject({
      affected: ['Versions prior to 11.5(1x)'],
      status: 'affected',
    });
    expect(log4shell(entry('GeoSolutions', 'GeoNetwork'))).toMatchObject({
      fixed: ['All'],
      status: 'fixed',
    });
  });

  it('gives "fixed" when both affected and fixed versions are listed (Opto 22)', () => {
    expect(log4shell(entry('Opto 22', 'GROOV-AT1, GROOV-AT1-SNAP'))).toMatchObject({
      affected: ['< 4.3g'],
      fixed: ['4.3g'],
      status: 'fixed',
    });
  });
});
