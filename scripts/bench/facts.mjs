// What the benchmark plants: the facts of each fixture version (from the corpus README),
// loading the slim fixtures, and the log4j payload variants (stripped, relocated, flat).
import fs from 'node:fs';
import path from 'node:path';
import { MemSink, ZipWriter, readZip } from './zip.mjs';

// What each fixture is, from /work/shared/corpus/README.md (the corpus facts).
export const L2 = ['CVE-2021-44228', 'CVE-2021-45046', 'CVE-2021-45105', 'CVE-2021-44832'];
export const FACTS = {
  '2.0-beta2': { product: 'log4j-core', expect: 'not-vulnerable', cves: ['CVE-2021-45105'] },
  '2.0-beta9': { product: 'log4j-core', expect: 'vulnerable', cves: L2 },
  '2.3.1': { product: 'log4j-core', expect: 'not-vulnerable', cves: ['CVE-2021-44832'] },
  '2.12.1': { product: 'log4j-core', expect: 'vulnerable', cves: L2 },
  '2.12.2': {
    product: 'log4j-core',
    expect: 'not-vulnerable',
    cves: ['CVE-2021-44832', 'CVE-2021-45105'],
  },
  '2.14.1': { product: 'log4j-core', expect: 'vulnerable', cves: L2 },
  '2.15.0': {
    product: 'log4j-core',
    expect: 'vulnerable',
    cves: ['CVE-2021-44832', 'CVE-2021-45046', 'CVE-2021-45105'],
  },
  '2.16.0': {
    product: 'log4j-core',
    expect: 'not-vulnerable',
    cves: ['CVE-2021-44832', 'CVE-2021-45105'],
  },
  '2.17.0': { product: 'log4j-core', expect: 'not-vulnerable', cves: ['CVE-2021-44832'] },
  '2.17.1': { product: 'log4j-core', expect: 'not-vulnerable', cves: [] },
  '1.2.17': {
    product: 'log4j-1.x',
    expect: 'vulnerable',
    cves: ['CVE-2019-17571', 'CVE-2021-4104', 'CVE-2022-23302', 'CVE-2022-23305', 'CVE-2022-23307'],
  },
};
export const STRIPPED_FACT = {
  product: 'log4j-core',
  expect: 'mitigated',
  cves: ['CVE-2021-44832', 'CVE-2021-45105'],
};
// How often each version is planted (2.14.1 dominates real fleets).
export const VERSION_WEIGHTS = [
  [6, '2.14.1'],
  [2, '2.12.1'],
  [1, '2.0-beta9'],
  [1, '2.15.0'],
  [1, '2.16.0'],
  [1, '2.17.0'],
  [3, '2.17.1'],
  [1, '2.12.2'],
  [1, '2.3.1'],
  [1, '2.0-beta2'],
  [3, '1.2.17'],
];
export const fixtureName = (v) => (v.startsWith('1.') ? `log4j-${v}.jar` : `log4j-core-${v}.jar`);
export const REQUIRED_FIXTURES = [
  'log4j-core-2.14.1.jar',
  'log4j-core-2.17.1.jar',
  'log4j-1.2.17.jar',
];
export const OPTIONAL_FIXTURES = [
  ...Object.keys(FACTS)
    .map(fixtureName)
    .filter((n) => !REQUIRED_FIXTURES.includes(n)),
  'log4j-api-2.14.1.jar',
  'log4j-over-slf4j-1.7.32.jar',
];
export const ROOT_2X = 'org/apache/logging/log4j/';
export const ROOT_1X = 'org/apache/log4j/';
export const JNDI_LOOKUP = 'org/apache/logging/log4j/core/lookup/JndiLookup.class';

// ---------------------------------------------------------------- fixtures

export function fixtureReady(p) {
  try {
    const st = fs.statSync(p);
    if (Date.now() - st.mtimeMs < 3000) return false; // still being written
    readZip(fs.readFileSync(p), p);
    return true;
  } catch {
    return false;
  }
}

/** Waits (polling) for the slim fixtures another engineer writes; returns { name: Buffer }. */
export async function loadFixtures(fixtureDir, waitSeconds, log) {
  const deadline = Date.now() + waitSeconds * 1000;
  let said = false;
  for (;;) {
    const missing = REQUIRED_FIXTURES.filter((n) => !fixtureReady(path.join(fixtureDir, n)));
    if (missing.length === 0) break;
    if (Date.now() > deadline)
      throw new Error(`fixtures missing or unreadable in ${fixtureDir}: ${missing.join(', ')}`);
    if (!said) log(`waiting for fixtures in ${fixtureDir}: ${missing.join(', ')}`);
    said = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
  const out = {};
  for (const n of [...REQUIRED_FIXTURES, ...OPTIONAL_FIXTURES]) {
    const p = path.join(fixtureDir, n);
    if (fixtureReady(p)) out[n] = fs.readFileSync(p);
  }
  return out;
}

// ---------------------------------------------------------------- log4j payloads

export class Log4j {
  constructor(fixtures) {
    this.fixtures = fixtures;
    this.entries = {};
  }
  has(v) {
    return Boolean(this.fixtures[fixtureName(v)]);
  }
  bytes(v) {
    return this.fixtures[fixtureName(v)];
  }
  fixtureEntries(name) {
    if (!this.entries[name]) this.entries[name] = readZip(this.fixtures[name], name);
    return this.entries[name];
  }
  /** The jar of version v, JndiLookup removed. */
  stripped(v) {
    const w = new ZipWriter(new MemSink());
    for (const e of this.fixtureEntries(fixtureName(v)))
      if (e.name !== JNDI_LOOKUP) w.add(e.name, e);
    return w.finish();
  }
  /** Entries of version v moved under a new package root (shading); returns entries and the root. */
  relocated(v, style, vendor, keepPom) {
    const from = v.startsWith('1.') ? ROOT_1X : ROOT_2X;
    const to = style === 'prefix' ? `com/${vendor}/shaded/${from}` : `com/${vendor}/lib/log4j/`;
    const out = [];
    for (const e of this.fixtureEntries(fixtureName(v))) {
      if (e.name.startsWith(from)) out.push({ name: to + e.name.slice(from.length), payload: e });
      else if (keepPom && e.name.startsWith('META-INF/maven/'))
        out.push({
          name: e.name.replace('META-INF/maven/', `META-INF/maven/com.${vendor}.shaded/`),
          payload: e,
        });
    }
    return { entries: out, root: to };
  }
  /** Entries as they are (flattened into an uber jar without relocation). */
  flat(v) {
    const from = v.startsWith('1.') ? ROOT_1X : ROOT_2X;
    return this.fixtureEntries(fixtureName(v))
      .filter((e) => e.name.startsWith(from))
      .map((e) => ({ name: e.name, payload: e }));
  }
}

export function expectation(kind, chain, version, { stripped = false, root } = {}) {
  const fact = stripped ? STRIPPED_FACT : FACTS[version];
  return {
    kind,
    chain,
    path: chain.join('!/'),
    packageRoot: root ?? (version.startsWith('1.') ? ROOT_1X : ROOT_2X),
    product: fact.product,
    version,
    expect: fact.expect,
    cves: fact.cves,
    ...(kind === 'exploded' ? { exploded: true } : {}),
  };
}
