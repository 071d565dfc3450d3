// Deterministic generator of the benchmark's server-like tree and of the single ~1 GB
// archive. Everything derives from one seed: two runs with the same parameters and the
// same fixtures write byte-identical trees. See scripts/bench-scan.mjs for the knobs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from './rng.mjs';
import {
  FileSink,
  MemSink,
  ZipWriter,
  deflatedPayload,
  entryBytes,
  readZip,
  storedPayload,
} from './zip.mjs';

/** Bump when the generated tree changes meaning (the marker also hashes this code). */
export const GENERATOR_VERSION = 1;

const KB = 1024;
const MB = 1024 * 1024;

// What each fixture is, from /work/shared/corpus/README.md (the corpus facts).
const L2 = ['CVE-2021-44228', 'CVE-2021-45046', 'CVE-2021-45105', 'CVE-2021-44832'];
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
const STRIPPED_FACT = {
  product: 'log4j-core',
  expect: 'mitigated',
  cves: ['CVE-2021-44832', 'CVE-2021-45105'],
};
// How often each version is planted (2.14.1 dominates real fleets).
const VERSION_WEIGHTS = [
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
const fixtureName = (v) => (v.startsWith('1.') ? `log4j-${v}.jar` : `log4j-core-${v}.jar`);
const REQUIRED_FIXTURES = ['log4j-core-2.14.1.jar', 'log4j-core-2.17.1.jar', 'log4j-1.2.17.jar'];
const OPTIONAL_FIXTURES = [
  ...Object.keys(FACTS)
    .map(fixtureName)
    .filter((n) => !REQUIRED_FIXTURES.includes(n)),
  'log4j-api-2.14.1.jar',
  'log4j-over-slf4j-1.7.32.jar',
];
const ROOT_2X = 'org/apache/logging/log4j/';
const ROOT_1X = 'org/apache/log4j/';
const JNDI_LOOKUP = 'org/apache/logging/log4j/core/lookup/JndiLookup.class';

export function benchParams(scale, seed) {
  return {
    generatorVersion: GENERATOR_VERSION,
    scale,
    seed,
    files: Math.round(200_000 * scale),
    archives: Math.max(40, Math.round(3000 * scale)),
    totalBytes: Math.round(2e9 * scale),
    log4jCopies: Math.max(24, Math.round(150 * scale)),
    bigBytes: Math.round(1e9 * scale),
  };
}

function generatorHash() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const h = crypto.createHash('sha256');
  for (const f of ['generate.mjs', 'zip.mjs', 'rng.mjs'])
    h.update(fs.readFileSync(path.join(here, f)));
  return h.digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------- fixtures

function fixtureReady(p) {
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

// ---------------------------------------------------------------- content pools

const WORDS = (
  'public private static final class interface return void int long string list map value ' +
  'config service handler request response session user account order payment invoice ' +
  'cache index query result error exception logger factory builder manager context event ' +
  'stream buffer reader writer socket client server message queue topic record table ' +
  'import package extends implements new this null true false if else for while try catch'
).split(' ');
const NAME_PARTS = (
  'core util common api impl internal model domain web rest data io net sql json xml http ' +
  'auth security crypto cache metrics tracing config spi plugin support tools batch jobs ' +
  'billing orders catalog search ledger inventory shipping gateway admin portal report'
).split(' ');
const VENDORS = (
  'acme globex initech umbrella hooli vandelay stark wayne wonka cyberdyne tyrell soylent ' +
  'oscorp aperture massive contoso fabrikam northwind tailspin adventure'
).split(' ');
const ARTIFACTS = (
  'commons-lang commons-io guava jackson-core jackson-databind netty-buffer netty-codec ' +
  'spring-core spring-beans spring-context spring-web hibernate-core jboss-logging ' +
  'httpclient httpcore okhttp gson snakeyaml jakarta-annotation slf4j-api logback-core ' +
  'postgresql mysql-connector h2 hikaricp quartz poi bcprov kafka-clients zookeeper ' +
  'lucene-core elasticsearch-rest jetty-server tomcat-embed-core undertow-core micrometer'
).split(' ');

function textCorpus(rng, bytes, style) {
  const parts = [];
  let n = 0;
  let line = 0;
  while (n < bytes) {
    let s;
    if (style === 'log') {
      const t = `2021-12-${String(10 + (line % 5)).padStart(2, '0')} ${String(line % 24).padStart(2, '0')}:${String(line % 60).padStart(2, '0')}:${String((line * 7) % 60).padStart(2, '0')}.${String(line % 1000).padStart(3, '0')}`;
      const lvl = rng.weighted([
        [20, 'INFO'],
        [5, 'DEBUG'],
        [2, 'WARN'],
        [1, 'ERROR'],
      ]);
      s = `${t} ${lvl} [${rng.pick(NAME_PARTS)}-${rng.int(1, 64)}] c.${rng.pick(VENDORS)}.${rng.pick(NAME_PARTS)} - `;
    } else if (style === 'xml') {
      s = `  <${rng.pick(NAME_PARTS)} name="${rng.pick(WORDS)}.${rng.pick(NAME_PARTS)}" value="${rng.int(0, 99999)}"/>`;
    } else {
      s = '    ';
    }
    const k = rng.int(3, 12);
    for (let i = 0; i < k; i++) s += rng.pick(WORDS) + (i % 4 === 3 ? `${rng.int(0, 999)} ` : ' ');
    s += '\n';
    parts.push(s);
    n += s.length;
    line++;
  }
  return Buffer.from(parts.join(''), 'latin1');
}

class Pools {
  constructor(rng) {
    this.rng = rng;
    this.code = textCorpus(rng, 4 * MB, 'code');
    this.xml = textCorpus(rng, 2 * MB, 'xml');
    this.log = textCorpus(rng, 4 * MB, 'log');
    // Pseudo class files: magic, then constant-pool-like text with some noise; compressed once.
    this.classes = [];
    for (let i = 0; i < 400; i++) {
      const size = rng.logUniform(400, 24 * KB);
      const raw = Buffer.concat([
        Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34]),
        this.slice(this.code, size - 8 - (size >> 3)),
        rng.bytes(size >> 3),
      ]);
      this.classes.push(deflatedPayload(raw));
    }
    this.texts = [];
    for (let i = 0; i < 120; i++)
      this.texts.push(
        deflatedPayload(this.slice(i % 2 ? this.xml : this.code, rng.logUniform(300, 48 * KB))),
      );
  }
  slice(corpus, len) {
    len = Math.max(0, Math.min(len, corpus.length));
    const off = this.rng.int(0, corpus.length - len);
    return corpus.subarray(off, off + len);
  }
  text(corpus, len, header) {
    const h = Buffer.from(header, 'latin1');
    return Buffer.concat([h, this.slice(corpus, Math.max(0, len - h.length))]);
  }
}

// ---------------------------------------------------------------- archive builders

function javaName(rng) {
  const p = rng.pick(NAME_PARTS);
  return (
    p[0].toUpperCase() +
    p.slice(1) +
    rng.pick([
      'Service',
      'Handler',
      'Impl',
      'Factory',
      'Util',
      'Config',
      'Dao',
      'Controller',
      'Mapper',
      '',
    ]) +
    rng.int(0, 999)
  );
}
function pkgPath(rng, vendor, depth) {
  const parts = [rng.pick(['com', 'org', 'io', 'net']), vendor];
  for (let i = 0; i < depth; i++) parts.push(rng.pick(NAME_PARTS));
  return parts.join('/');
}

/** Adds pooled classes under a few packages until the writer reaches `until` bytes. */
function fillClasses(rng, pools, w, until, prefix, vendor) {
  const pkgs = Array.from(
    { length: rng.int(3, 24) },
    () => prefix + pkgPath(rng, vendor, rng.int(1, 4)),
  );
  let guard = 0;
  while (w.size < until && guard++ < 60000) {
    const name = `${rng.pick(pkgs)}/${javaName(rng)}${rng.chance(0.15) ? '$' + rng.int(1, 9) : ''}.class`;
    if (w.names.has(name)) continue;
    w.add(name, rng.pick(pools.classes));
  }
}
/** Adds incompressible resources (stored) and some compressible ones until `until` bytes. */
function fillResources(rng, pools, w, until, prefix) {
  let i = 0;
  while (w.size < until) {
    const left = until - w.size;
    if (rng.chance(0.3)) {
      w.add(
        `${prefix}${rng.pick(NAME_PARTS)}/${rng.pick(NAME_PARTS)}-${i++}.${rng.pick(['xml', 'properties', 'html', 'js', 'css', 'json'])}`,
        rng.pick(pools.texts),
      );
      continue;
    }
    const n = Math.max(64, Math.min(left, rng.logUniform(2 * KB, 384 * KB)));
    w.add(
      `${prefix}${rng.pick(NAME_PARTS)}/${rng.pick(['img', 'assets', 'native', 'fonts', 'data'])}-${i++}.${rng.pick(['png', 'jpg', 'so', 'ttf', 'bin', 'dat', 'gz'])}`,
      storedPayload(rng.bytes(n)),
    );
  }
}
function manifestPayload(rng, extra = '') {
  return deflatedPayload(
    Buffer.from(
      `Manifest-Version: 1.0\r\nCreated-By: Apache Maven 3.8.${rng.int(1, 6)}\r\nBuild-Jdk-Spec: ${rng.pick(['1.8', '11', '17'])}\r\n${extra}\r\n`,
    ),
  );
}

/** A library jar of about `target` bytes; `inject` entries land at a random point. */
function buildJar(
  rng,
  pools,
  target,
  { vendor = rng.pick(VENDORS), artifact = rng.pick(ARTIFACTS), inject = [] } = {},
) {
  const w = new ZipWriter(new MemSink());
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  w.add(
    `META-INF/maven/com.${vendor}/${artifact}/pom.properties`,
    deflatedPayload(
      Buffer.from(
        `version=${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 9)}\ngroupId=com.${vendor}\nartifactId=${artifact}\n`,
      ),
    ),
  );
  const classShare = target * (0.35 + rng.float() * 0.45);
  const cut = classShare * rng.float();
  fillClasses(rng, pools, w, cut, '', vendor);
  for (const e of inject) w.add(e.name, e.payload);
  fillClasses(rng, pools, w, classShare, '', vendor);
  fillResources(rng, pools, w, target, '');
  return w.finish();
}
const libName = (rng) =>
  `${rng.pick(ARTIFACTS)}-${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 9)}.jar`;

/** Adds nested library jars under `dir` until `until`, with `inject` jars among them. */
function fillLibs(rng, pools, w, until, dir, inject, stored) {
  const at = new Set(inject.map(() => rng.int(0, 12)));
  let i = 0;
  const pending = [...inject];
  const addLib = () => {
    const size = rng.logUniform(
      20 * KB,
      Math.max(40 * KB, Math.min(700 * KB, (until - w.size) * 0.5)),
    );
    const jar = buildJar(rng, pools, size);
    let name = `${dir}${libName(rng)}`;
    while (w.names.has(name)) name = `${dir}${libName(rng)}`;
    w.add(name, stored ? storedPayload(jar) : deflatedPayload(jar, 1));
  };
  while (w.size < until || pending.length) {
    if (pending.length && (at.has(i) || w.size >= until)) {
      const e = pending.shift();
      w.add(e.name, e.payload);
    } else if (w.size < until) addLib();
    i++;
  }
}

function buildWar(rng, pools, target, inject) {
  const w = new ZipWriter(new MemSink());
  const vendor = rng.pick(VENDORS);
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  w.add('WEB-INF/web.xml', rng.pick(pools.texts));
  fillLibs(rng, pools, w, target * 0.6, 'WEB-INF/lib/', inject, false);
  fillClasses(rng, pools, w, target * 0.8, 'WEB-INF/classes/', vendor);
  fillResources(rng, pools, w, target, 'static/');
  return w.finish();
}

const LAUNCH_SCRIPT = Buffer.from(
  "#!/bin/bash\n#\n#    .   ____          _            __ _ _\n#   /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\\n" +
    '# Spring Boot executable jar launch script (benchmark stand-in)\n' +
    'jarfile="$0"\nexec java -jar "$jarfile" "$@"\n' +
    '# padding\n'.repeat(200) +
    'exit 0\n',
);

function buildFat(rng, pools, target, inject) {
  const w = new ZipWriter(new MemSink());
  const vendor = rng.pick(VENDORS);
  w.add(
    'META-INF/MANIFEST.MF',
    manifestPayload(
      rng,
      `Main-Class: org.springframework.boot.loader.JarLauncher\r\nStart-Class: com.${vendor}.Application\r\nSpring-Boot-Classes: BOOT-INF/classes/\r\nSpring-Boot-Lib: BOOT-INF/lib/\r\n`,
    ),
  );
  for (let i = 0; i < 40; i++)
    w.add(`org/springframework/boot/loader/${javaName(rng)}${i}.class`, rng.pick(pools.classes));
  fillClasses(rng, pools, w, target * 0.2, 'BOOT-INF/classes/', vendor);
  w.add('BOOT-INF/classes/application.yml', rng.pick(pools.texts));
  fillLibs(rng, pools, w, target, 'BOOT-INF/lib/', inject, true);
  w.add(
    'BOOT-INF/classpath.idx',
    deflatedPayload(
      Buffer.from(
        [...w.names]
          .filter((n) => n.startsWith('BOOT-INF/lib/'))
          .map((n) => `- "${n}"`)
          .join('\n'),
      ),
    ),
  );
  return w.finish();
}

function buildEar(rng, pools, target, warName, warInject) {
  const w = new ZipWriter(new MemSink());
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  w.add('META-INF/application.xml', rng.pick(pools.texts));
  w.add(warName, deflatedPayload(buildWar(rng, pools, target * 0.6, warInject), 1));
  fillLibs(rng, pools, w, target, 'lib/', [], false);
  return w.finish();
}

/** A shaded "uber" jar: several vendors' classes flattened, plus relocated log4j copies. */
function buildUber(rng, pools, target, inject) {
  const w = new ZipWriter(new MemSink());
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  const n = rng.int(3, 8);
  for (let i = 0; i < n; i++)
    fillClasses(rng, pools, w, (target * 0.8 * (i + 1)) / n, '', rng.pick(VENDORS));
  for (const e of inject) w.add(e.name, e.payload);
  fillResources(rng, pools, w, target, '');
  return w.finish();
}

function buildPlainZip(rng, pools, target) {
  const w = new ZipWriter(new MemSink());
  let i = 0;
  while (w.size < target) {
    if (rng.chance(0.6))
      w.add(
        `backup/${rng.pick(NAME_PARTS)}/${rng.pick(NAME_PARTS)}-${i++}.${rng.pick(['conf', 'xml', 'log', 'txt'])}`,
        rng.pick(pools.texts),
      );
    else
      w.add(
        `backup/${rng.pick(NAME_PARTS)}/blob-${i++}.bin`,
        storedPayload(rng.bytes(Math.min(target - w.size + 64, rng.logUniform(4 * KB, 512 * KB)))),
      );
  }
  return w.finish();
}

// ---------------------------------------------------------------- log4j payloads

class Log4j {
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

function expectation(kind, chain, version, { stripped = false, root } = {}) {
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

// ---------------------------------------------------------------- tree plan

const CATEGORIES = [
  {
    name: 'source',
    share: 0.3,
    min: 200,
    max: 16 * KB,
    content: 'code',
    exts: [
      [5, 'java'],
      [2, 'ts'],
      [2, 'py'],
      [1, 'c'],
      [1, 'h'],
      [1, 'go'],
      [1, 'md'],
    ],
    root: (r) => `home/${r.pick(USERS)}/src/${r.pick(NAME_PARTS)}-${r.int(1, 99)}`,
  },
  {
    name: 'class',
    share: 0.25,
    min: 300,
    max: 8 * KB,
    content: 'class',
    exts: [[1, 'class']],
    root: (r) =>
      `home/${r.pick(USERS)}/src/${r.pick(NAME_PARTS)}-${r.int(1, 99)}/target/classes/com/${r.pick(VENDORS)}`,
  },
  {
    name: 'config',
    share: 0.12,
    min: 100,
    max: 6 * KB,
    content: 'xml',
    exts: [
      [3, 'xml'],
      [3, 'properties'],
      [2, 'yml'],
      [2, 'conf'],
      [1, 'json'],
      [1, 'ini'],
    ],
    root: (r) =>
      r.chance(0.5) ? `etc/${r.pick(NAME_PARTS)}${r.int(1, 9)}` : `opt/${r.pick(APPS)}/conf`,
  },
  {
    name: 'doc',
    share: 0.1,
    min: 200,
    max: 12 * KB,
    content: 'code',
    exts: [
      [3, 'txt'],
      [2, 'html'],
      [2, 'md'],
      [1, 'rst'],
    ],
    root: (r) => `usr/share/doc/${r.pick(ARTIFACTS)}${r.int(1, 9)}`,
  },
  {
    name: 'log',
    share: 0.05,
    min: 200,
    max: 100 * KB,
    content: 'log',
    exts: [
      [4, 'log'],
      [2, 'log.1'],
      [1, 'out'],
    ],
    root: (r) =>
      r.chance(0.5) ? `var/log/${r.pick(NAME_PARTS)}${r.int(1, 9)}` : `opt/${r.pick(APPS)}/logs`,
  },
  {
    name: 'binary',
    share: 0.18,
    min: 200,
    max: 24 * KB,
    content: 'random',
    exts: [
      [3, 'so'],
      [3, 'png'],
      [1, 'jpg'],
      [1, 'ttf'],
      [2, 'pyc'],
      [1, 'bin'],
      [1, 'gz'],
    ],
    root: (r) =>
      r.pick([
        `usr/lib/x86_64-linux-gnu/${r.pick(NAME_PARTS)}${r.int(1, 9)}`,
        `usr/share/icons/${r.pick(NAME_PARTS)}`,
        `opt/${r.pick(APPS)}/bin`,
        `usr/lib/python3/${r.pick(NAME_PARTS)}`,
      ]),
  },
];
const USERS = ['alice', 'bob', 'build', 'deploy', 'jenkins', 'ops', 'svc-app', 'tomcat'];
let APPS = [];

function subDirs(rng, root, n) {
  const dirs = [root];
  for (let i = 1; i < n; i++) {
    const parent = dirs[Math.floor(Math.pow(rng.float(), 0.7) * dirs.length)];
    if (parent.split('/').length - root.split('/').length >= 6) continue;
    dirs.push(`${parent}/${rng.pick(NAME_PARTS)}${rng.chance(0.3) ? rng.int(1, 9) : ''}`);
  }
  return [...new Set(dirs)];
}

/** Chooses every file's path, size and content kind, and every archive's path and target size. */
function planTree(rng, params, log4j) {
  APPS = Array.from(
    { length: Math.max(4, Math.round(150 * params.scale)) },
    (_, i) =>
      `${rng.pick(NAME_PARTS)}-${rng.pick(['server', 'app', 'svc', 'worker', 'portal'])}${i}`,
  );
  const taken = new Set();
  const unique = (p) => {
    let q = p;
    for (let i = 2; taken.has(q); i++) q = p.replace(/(\.[a-z0-9.]+)?$/, (ext) => `-${i}${ext}`);
    taken.add(q);
    return q;
  };

  // ---- archives and log4j placements
  const N = params.log4jCopies;
  const count = (share, min) => Math.max(min, Math.round(N * share));
  const kinds = {
    onDisk: count(0.3, 4),
    war: count(0.2, 3),
    fat: count(0.18, 3),
    ear: count(0.04, 1),
    shaded: count(0.12, 3),
    renamed: count(0.06, 2),
    stripped: count(0.05, 2),
    exploded: count(0.02, 1),
    jarInJar: count(0.03, 1),
  };
  const pickVersion = () => {
    for (;;) {
      const v = rng.weighted(VERSION_WEIGHTS);
      if (log4j.has(v)) return v;
    }
  };
  const A = params.archives;
  const nWar = Math.max(3, Math.round(100 * params.scale));
  const nFat = Math.max(3, Math.round(80 * params.scale));
  const nEar = Math.max(1, Math.round(6 * params.scale));
  const nUber = Math.max(3, Math.round(25 * params.scale));
  const nZip = Math.max(1, Math.round(60 * params.scale));
  const nDecoy = Math.max(2, Math.round(20 * params.scale));
  const archives = [];
  const mk = (type, p, extra = {}) => {
    const a = { type, path: unique(p), inject: [], ...extra };
    archives.push(a);
    return a;
  };
  const app = () => `opt/${rng.pick(APPS)}`;
  const wars = Array.from({ length: nWar }, () =>
    mk('war', `${app()}/webapps/${rng.pick(NAME_PARTS)}.war`, { min: 300 * KB }),
  );
  const fats = Array.from({ length: nFat }, () =>
    mk(
      'fat',
      `srv/${rng.pick(NAME_PARTS)}-${rng.pick(['service', 'api', 'worker'])}/${rng.pick(NAME_PARTS)}-${rng.int(1, 9)}.${rng.int(0, 20)}.jar`,
      { min: 800 * KB, prefix: rng.chance(0.5) },
    ),
  );
  const ears = Array.from({ length: nEar }, () =>
    mk('ear', `${app()}/deploy/${rng.pick(NAME_PARTS)}.ear`, {
      min: 1500 * KB,
      war: `${rng.pick(NAME_PARTS)}-web.war`,
      warInject: [],
    }),
  );
  const ubers = Array.from({ length: nUber }, () =>
    mk(
      'uber',
      rng.chance(0.5)
        ? `${app()}/lib/${rng.pick(NAME_PARTS)}-all.jar`
        : `home/${rng.pick(USERS)}/src/${rng.pick(NAME_PARTS)}/target/${rng.pick(NAME_PARTS)}-shaded.jar`,
      { min: 500 * KB, roots: new Set() },
    ),
  );
  for (let i = 0; i < nZip; i++) mk('zip', `var/backups/${rng.pick(NAME_PARTS)}-${i}.zip`, {});
  const expected = [];
  const exploded = [];
  const decoys = ['log4j-api-2.14.1.jar', 'log4j-over-slf4j-1.7.32.jar'].filter(
    (n) => log4j.fixtures[n],
  );

  const nested = (name, bytes, stored) => ({
    name,
    payload: stored ? storedPayload(bytes) : deflatedPayload(bytes),
  });
  const addNested = (
    kind,
    container,
    dir,
    v,
    { name = fixtureName(v), bytes = log4j.bytes(v), stripped = false } = {},
  ) => {
    const stored = container.type === 'fat';
    const list = container.type === 'ear' ? container.warInject : container.inject;
    let entry = `${dir}${name}`;
    for (let n = 2; list.some((e) => e.name === entry); n++)
      entry = `${dir}${name.replace(/\.jar$/, '')}-copy${n}.jar`;
    if (container.type === 'ear') {
      container.warInject.push(nested(entry, bytes, false));
      expected.push(expectation(kind, [container.path, container.war, entry], v, { stripped }));
    } else {
      container.inject.push(nested(entry, bytes, stored));
      expected.push(expectation(kind, [container.path, entry], v, { stripped }));
    }
    // log4j-core rarely travels alone: its API jar (a decoy, not a finding) goes with it.
    const api = 'log4j-api-2.14.1.jar';
    if (
      !v.startsWith('1.') &&
      log4j.fixtures[api] &&
      !container.inject.some((e) => e.name === `${dir}${api}`) &&
      container.type !== 'ear'
    )
      container.inject.push(nested(`${dir}${api}`, log4j.fixtures[api], stored));
  };
  const libDir = { war: 'WEB-INF/lib/', fat: 'BOOT-INF/lib/', ear: 'WEB-INF/lib/' };

  for (let i = 0; i < kinds.onDisk; i++) {
    const v = pickVersion();
    const odd = rng.chance(0.15);
    const p = odd
      ? `${app()}/${rng.pick(['plugins', 'cache', 'tmp'])}/${rng.pick(NAME_PARTS)}-${i}.${rng.pick(['hpi', 'jpi', 'nar', 'kar', 'dat', 'jar.bak'])}`
      : `${app()}/lib/${fixtureName(v)}`;
    const a = mk('log4j', p, { bytes: log4j.bytes(v) });
    expected.push(expectation('on-disk', [a.path], v));
  }
  for (let i = 0; i < kinds.war; i++) {
    const v = pickVersion();
    addNested('war', rng.pick(wars), libDir.war, v);
  }
  for (let i = 0; i < kinds.fat; i++) {
    const v = pickVersion();
    const f = rng.pick(fats);
    addNested(f.prefix ? 'fat-prefixed' : 'fat', f, libDir.fat, v);
  }
  for (let i = 0; i < kinds.ear; i++)
    addNested('ear-war-jar', rng.pick(ears), libDir.ear, pickVersion());
  for (let i = 0; i < kinds.renamed; i++) {
    // Lying name: says 2.17.1, holds 2.14.1 bytes.
    if (i % 2 === 0) {
      const a = mk('log4j', `${app()}/lib/log4j-core-2.17.1.jar`, { bytes: log4j.bytes('2.14.1') });
      expected.push(expectation('renamed', [a.path], '2.14.1'));
    } else
      addNested('renamed', rng.pick(wars), libDir.war, '2.14.1', { name: 'log4j-core-2.17.1.jar' });
  }
  for (let i = 0; i < kinds.stripped; i++) {
    const bytes = log4j.stripped('2.14.1');
    if (i % 2 === 0) {
      const a = mk('log4j', `${app()}/lib/log4j-core-2.14.1.jar`, { bytes });
      expected.push(expectation('stripped', [a.path], '2.14.1', { stripped: true }));
    } else addNested('stripped', rng.pick(wars), libDir.war, '2.14.1', { bytes, stripped: true });
  }
  for (let i = 0; i < kinds.shaded; i++) {
    const u = ubers[i % ubers.length];
    const v = pickVersion();
    const vendor = `${rng.pick(VENDORS)}${i}`;
    const { entries, root } = log4j.relocated(
      v,
      rng.chance(0.5) ? 'prefix' : 'lib',
      vendor,
      rng.chance(0.5),
    );
    u.inject.push(...entries);
    u.roots.add(root);
    expected.push(expectation('shaded', [u.path], v, { root }));
    // Every third uber jar also carries an unrelocated copy: two package roots, one archive.
    if (i % 3 === 0 && !u.roots.has(ROOT_2X)) {
      const v2 = log4j.has('2.17.1') ? '2.17.1' : '2.14.1';
      u.inject.push(...log4j.flat(v2));
      u.roots.add(ROOT_2X);
      expected.push(expectation('shaded-plus-plain', [u.path], v2, { root: ROOT_2X }));
    }
  }
  for (let i = 0; i < kinds.jarInJar; i++) {
    const u = ubers[(i + 1) % ubers.length];
    const v = pickVersion();
    const entry = `lib/${fixtureName(v)}`;
    if (u.inject.some((e) => e.name === entry)) continue;
    u.inject.push(nested(entry, log4j.bytes(v), false));
    expected.push(expectation('jar-in-jar', [u.path, entry], v));
  }
  for (let i = 0; i < kinds.exploded; i++) {
    const dir = unique(`${app()}/webapps/${rng.pick(NAME_PARTS)}-exploded`) + '/WEB-INF/classes';
    exploded.push({ dir, version: '2.14.1' });
    expected.push(expectation('exploded', [dir], '2.14.1'));
  }
  for (let i = 0; i < nDecoy; i++) {
    const n = decoys[i % Math.max(1, decoys.length)];
    if (n) mk('decoy', `${app()}/lib/${n}`, { bytes: log4j.fixtures[n] });
  }
  const nFill = Math.max(0, A - archives.length);
  for (let i = 0; i < nFill; i++) {
    const r = rng.float();
    const p =
      r < 0.4
        ? `${app()}/lib/${libName(rng)}`
        : r < 0.8
          ? `home/${rng.pick(USERS)}/.m2/repository/com/${rng.pick(VENDORS)}/${rng.pick(ARTIFACTS)}/${rng.int(1, 9)}.${rng.int(0, 20)}/${libName(rng)}`
          : r < 0.9
            ? `usr/share/java/${libName(rng)}`
            : `srv/${rng.pick(NAME_PARTS)}/lib/${libName(rng)}`;
    mk('jar', p, {});
  }

  // ---- plain files
  const explodedFiles =
    exploded.length *
    log4j.fixtureEntries('log4j-core-2.14.1.jar').filter((e) => e.name.startsWith(ROOT_2X)).length;
  const nFiles = Math.max(0, params.files - archives.length - explodedFiles);
  const files = [];
  let plainBytes = 0;
  for (const cat of CATEGORIES) {
    const n = Math.round(nFiles * cat.share);
    const nRoots = Math.max(1, Math.round(n / 600));
    const dirs = [];
    for (let i = 0; i < nRoots; i++)
      dirs.push(...subDirs(rng, cat.root(rng), Math.max(2, Math.round(n / nRoots / 14))));
    for (let i = 0; i < n; i++) {
      const ext = rng.weighted(cat.exts);
      const base =
        cat.name === 'class'
          ? javaName(rng)
          : `${rng.pick(NAME_PARTS)}${rng.chance(0.5) ? '-' + rng.pick(WORDS) : ''}`;
      const size = rng.logUniform(cat.min, cat.max);
      files.push({ path: unique(`${rng.pick(dirs)}/${base}.${ext}`), size, content: cat.content });
      plainBytes += size;
    }
  }

  // ---- archive sizes: log-uniform in [50 KB, 5 MB] skewed by exponent k, fitted to the budget
  const fixed = archives.filter((a) => a.bytes).reduce((s, a) => s + a.bytes.length, 0);
  const sized = archives.filter((a) => !a.bytes);
  const budget = Math.max(sized.length * 50 * KB, params.totalBytes - plainBytes - fixed);
  const us = sized.map(() => rng.float());
  const sizeOf = (a, u, k) =>
    Math.min(
      5 * MB,
      Math.max(a.min ?? 50 * KB, Math.round(50 * KB * Math.pow(100, Math.pow(u, k)))),
    );
  let lo = 0.2;
  let hi = 20;
  for (let it = 0; it < 50; it++) {
    const k = (lo + hi) / 2;
    const sum = sized.reduce((s, a, i) => s + sizeOf(a, us[i], k), 0);
    if (sum > budget) lo = k;
    else hi = k;
  }
  sized.forEach((a, i) => (a.target = sizeOf(a, us[i], (lo + hi) / 2)));
  return { archives, files, exploded, expected };
}

// ---------------------------------------------------------------- writers

function writeFile(root, rel, data) {
  fs.writeFileSync(path.join(root, rel), data);
}

function generateTree(treeDir, params, log4j, log) {
  const rng = new Rng(`${params.seed}/tree`);
  const t0 = Date.now();
  const plan = planTree(rng, params, log4j);
  const pools = new Pools(new Rng(`${params.seed}/pools`));
  const dirs = new Set();
  const ensureDir = (rel) => {
    const d = path.posix.dirname(rel);
    if (dirs.has(d)) return;
    fs.mkdirSync(path.join(treeDir, d), { recursive: true });
    dirs.add(d);
  };
  let bytes = 0;
  let nFiles = 0;
  for (const f of plan.files) {
    ensureDir(f.path);
    let data;
    if (f.content === 'random') data = rng.bytes(f.size);
    else if (f.content === 'class')
      data = Buffer.concat([
        Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34]),
        pools.slice(pools.code, f.size - 8),
      ]);
    else data = pools.text(pools[f.content], f.size, `# ${f.path}\n`);
    writeFile(treeDir, f.path, data);
    bytes += data.length;
    nFiles++;
  }
  log(
    `  plain files written: ${nFiles} (${(bytes / MB).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  const core = log4j
    .fixtureEntries('log4j-core-2.14.1.jar')
    .filter((e) => e.name.startsWith(ROOT_2X));
  for (const x of plan.exploded) {
    for (const e of core) {
      const rel = `${x.dir}/${e.name}`;
      ensureDir(rel);
      writeFile(treeDir, rel, entryBytes(e));
      nFiles++;
    }
  }
  let archiveBytes = 0;
  let i = 0;
  for (const a of plan.archives) {
    ensureDir(a.path);
    let data;
    switch (a.type) {
      case 'log4j':
      case 'decoy':
        data = a.bytes;
        break;
      case 'war':
        data = buildWar(rng, pools, a.target, a.inject);
        break;
      case 'fat':
        data = buildFat(rng, pools, a.target, a.inject);
        if (a.prefix) data = Buffer.concat([LAUNCH_SCRIPT, data]);
        break;
      case 'ear':
        data = buildEar(rng, pools, a.target, a.war, a.warInject);
        break;
      case 'uber':
        data = buildUber(rng, pools, a.target, a.inject);
        break;
      case 'zip':
        data = buildPlainZip(rng, pools, a.target);
        break;
      default:
        data = buildJar(rng, pools, a.target);
    }
    writeFile(treeDir, a.path, data);
    archiveBytes += data.length;
    nFiles++;
    if (++i % 500 === 0)
      log(`  archives: ${i}/${plan.archives.length} (${(archiveBytes / MB).toFixed(0)} MB)`);
  }
  const byType = {};
  for (const a of plan.archives) byType[a.type] = (byType[a.type] ?? 0) + 1;
  return {
    files: nFiles,
    plainFiles: plan.files.length,
    explodedFiles: nFiles - plan.files.length - plan.archives.length,
    archives: plan.archives.length,
    archivesByType: byType,
    archivePaths: plan.archives.map((a) => a.path),
    bytes: bytes + archiveBytes + 0,
    archiveBytes,
    expected: plan.expected,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** The single big archive for the bounded-memory check. */
function generateBig(bigPath, params, log4j, log) {
  const rng = new Rng(`${params.seed}/big`);
  const pools = new Pools(new Rng(`${params.seed}/pools`));
  const target = params.bigBytes;
  const t0 = Date.now();
  const sink = new FileSink(bigPath);
  const w = new ZipWriter(sink);
  w.add('META-INF/MANIFEST.MF', manifestPayload(rng));
  fillClasses(rng, pools, w, Math.min(8 * MB, target * 0.01), '', 'bigcorp');
  const textUnit = Math.max(256 * KB, Math.min(16 * MB, Math.round(target / 64)));
  const textPayload = deflatedPayload(textCorpusRepeat(pools, textUnit), 6);
  const blob = Math.max(256 * KB, Math.min(12 * MB, Math.round(target / 90)));
  const innerSize = Math.round(target * 0.15);
  const innerJar = (v, payloadShare) => {
    const iw = new ZipWriter(new MemSink());
    iw.add('META-INF/MANIFEST.MF', manifestPayload(rng));
    fillClasses(rng, pools, iw, innerSize * 0.05, '', 'innercorp');
    let k = 0;
    while (iw.size < innerSize * payloadShare)
      iw.add(`data/chunk-${k++}.bin`, storedPayload(rng.bytes(Math.min(4 * MB, blob))));
    iw.add(`lib/${fixtureName(v)}`, deflatedPayload(log4j.bytes(v)));
    return iw.finish();
  };
  const innerV = log4j.has('2.12.1') ? '2.12.1' : '2.14.1';
  const expected = [];
  const name = path.basename(bigPath);
  let k = 0;
  let innerDone = 0;
  while (w.size < target * 0.97) {
    if (innerDone === 0 && w.size > target * 0.35) {
      log('  big: deflating the inner deflated jar');
      const entry = 'lib/data-bundle-1.0.jar';
      w.add(entry, deflatedPayload(innerJar('2.14.1', 1), 1));
      expected.push(
        expectation('big-nested-deflated', [name, entry, 'lib/log4j-core-2.14.1.jar'], '2.14.1'),
      );
      innerDone = 1;
    } else if (innerDone === 1 && w.size > target * 0.65) {
      const entry = 'lib/assets-bundle-1.0.jar';
      w.add(entry, storedPayload(innerJar(innerV, 1)));
      expected.push(
        expectation('big-nested-stored', [name, entry, `lib/${fixtureName(innerV)}`], innerV),
      );
      innerDone = 2;
    } else if (rng.chance(0.3)) w.add(`data/text-${k++}.txt`, textPayload);
    else w.add(`data/blob-${k++}.bin`, storedPayload(rng.bytes(blob)));
  }
  w.add('lib/log4j-core-2.14.1.jar', deflatedPayload(log4j.bytes('2.14.1')));
  expected.push(expectation('big-near-end', [name, 'lib/log4j-core-2.14.1.jar'], '2.14.1'));
  for (let i = 0; i < 20; i++) w.add(`META-INF/extra/${i}.properties`, rng.pick(pools.texts));
  w.finish();
  const size = fs.statSync(bigPath).size;
  log(
    `  big archive: ${(size / MB).toFixed(0)} MB, ${w.central.length} entries, in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { path: bigPath, bytes: size, entries: w.central.length, expected };
}

function textCorpusRepeat(pools, n) {
  const parts = [];
  let got = 0;
  while (got < n) {
    const s = pools.slice(pools.log, Math.min(n - got, pools.log.length));
    parts.push(s);
    got += s.length;
  }
  return Buffer.concat(parts, n);
}

// ---------------------------------------------------------------- entry point

/**
 * Makes sure `${benchDir}/scale-${scale}` holds the tree, the big archive and the manifest
 * for these parameters; regenerates when the marker (params.json) differs or is absent.
 */
export async function ensureGenerated({
  benchDir,
  scale,
  seed,
  fixtureDir,
  fixtureWait,
  force,
  log,
}) {
  const params = benchParams(scale, seed);
  const fixtures = await loadFixtures(fixtureDir, fixtureWait, log);
  const marker = {
    ...params,
    generatorHash: generatorHash(),
    fixtures: Object.fromEntries(
      Object.entries(fixtures).map(([n, b]) => [
        n,
        crypto.createHash('sha256').update(b).digest('hex').slice(0, 16),
      ]),
    ),
  };
  const dir = path.join(benchDir, `scale-${scale}`);
  const markerPath = path.join(dir, 'params.json');
  const manifestPath = path.join(dir, 'manifest.json');
  let old = null;
  try {
    old = fs.readFileSync(markerPath, 'utf8');
  } catch {
    /* absent: generate */
  }
  if (!force && old === JSON.stringify(marker, null, 2)) {
    return { dir, manifest: JSON.parse(fs.readFileSync(manifestPath, 'utf8')), generated: false };
  }
  log(
    old
      ? `generator or fixtures changed: regenerating ${dir}`
      : `generating ${dir} (once; cached for later runs)`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  const treeDir = path.join(dir, 'tree');
  const bigDir = path.join(dir, 'big');
  fs.mkdirSync(treeDir, { recursive: true });
  fs.mkdirSync(bigDir, { recursive: true });
  const log4j = new Log4j(fixtures);
  const tree = generateTree(treeDir, params, log4j, log);
  const big = generateBig(path.join(bigDir, 'big-1g.jar'), params, log4j, log);
  const manifest = {
    params: marker,
    tree: {
      dir: treeDir,
      files: tree.files,
      plainFiles: tree.plainFiles,
      explodedFiles: tree.explodedFiles,
      archives: tree.archives,
      archivesByType: tree.archivesByType,
      bytes: tree.bytes,
      archiveBytes: tree.archiveBytes,
      generateSeconds: tree.seconds,
      expected: tree.expected,
    },
    big: { path: big.path, bytes: big.bytes, entries: big.entries, expected: big.expected },
  };
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 1));
  fs.writeFileSync(
    path.join(dir, 'archives.txt'),
    tree.archivePaths.map((p) => path.join(treeDir, p)).join('\n') + '\n',
  );
  fs.writeFileSync(markerPath, JSON.stringify(marker, null, 2));
  return { dir, manifest, generated: true };
}
