#!/usr/bin/env node
// Replaces the vendored CISA database with a newer copy of cisagov/log4j-affected-db's
// data/cisagov.yml and records where it came from in data/PROVENANCE.json.
//
//   node libs/advisories/scripts/refresh-data.mjs NEW_cisagov.yml --commit SHA --date YYYY-MM-DD
//
// The copy is checked before anything is written: it must parse as YAML, hold a software list
// whose entries have a vendor and the four CVE keys, and not lose more than half of the entries
// (a truncated download). Prints what changed (entries added and removed by vendor/product).
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data');
const CVES = ['cve-2021-4104', 'cve-2021-44228', 'cve-2021-45046', 'cve-2021-45105'];

function fail(message) {
  console.error(`refresh-data: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { file: undefined, commit: undefined, date: undefined, data: DATA };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--commit') args.commit = argv[++i];
    else if (a === '--date') args.date = argv[++i];
    else if (a === '--data-dir') args.data = argv[++i];
    else if (a.startsWith('--')) fail(`unknown option ${a}`);
    else args.file = a;
  }
  if (!args.file) fail('usage: refresh-data.mjs NEW_cisagov.yml --commit SHA --date YYYY-MM-DD');
  if (!/^[0-9a-f]{40}$/.test(args.commit ?? ''))
    fail(`--commit must be the 40-hex commit of cisagov/log4j-affected-db the copy is from`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(args.date ?? ''))
    fail('--date must be YYYY-MM-DD (the commit date)');
  return args;
}

function entriesOf(file) {
  let doc;
  try {
    doc = load(readFileSync(file, 'utf8'), { filename: file });
  } catch (err) {
    fail(`${file}: ${err.message}`);
  }
  if (!doc || !Array.isArray(doc.software)) fail(`${file}: no software list at the top level`);
  doc.software.forEach((s, i) => {
    if (!s || typeof s.vendor !== 'string') fail(`${file}: software[${i}] has no vendor`);
    const missing = CVES.filter((c) => !s.cves || !(c in s.cves));
    if (missing.length > 0)
      fail(`${file}: software[${i}] (${s.vendor} / ${s.product}) lacks ${missing.join(', ')}`);
  });
  return doc.software;
}

const pairs = (software) => new Set(software.map((s) => `${s.vendor} / ${s.product}`));

const args = parseArgs(process.argv.slice(2));
const target = path.join(args.data, 'cisagov.yml');
const next = entriesOf(args.file);
const before = entriesOf(target);
if (next.length < before.length / 2)
  fail(
    `${args.file} has ${next.length} entries, fewer than half of the ${before.length} vendored: truncated?`,
  );

const bytes = readFileSync(args.file);
const provenance = {
  source: 'https://github.com/cisagov/log4j-affected-db',
  path: 'data/cisagov.yml',
  commit: args.commit,
  commitDate: args.date,
  license: 'CC0-1.0',
  sha256: createHash('sha256').update(bytes).digest('hex'),
  entries: next.length,
  vendors: new Set(next.map((s) => s.vendor)).size,
};
copyFileSync(args.file, target);
writeFileSync(path.join(args.data, 'PROVENANCE.json'), `${JSON.stringify(provenance, null, 2)}\n`);

const [old, now] = [pairs(before), pairs(next)];
const added = [...now].filter((p) => !old.has(p));
const removed = [...old].filter((p) => !now.has(p));
console.log(
  `cisagov.yml: ${before.length} -> ${next.length} entries, ${provenance.vendors} vendors, sha256 ${provenance.sha256}`,
);
for (const p of added.slice(0, 50)) console.log(`  + ${p}`);
for (const p of removed.slice(0, 50)) console.log(`  - ${p}`);
if (added.length + removed.length > 100)
  console.log(`  (${added.length} added, ${removed.length} removed)`);
console.log('Run the advisories tests: aliases whose target disappeared fail there.');
