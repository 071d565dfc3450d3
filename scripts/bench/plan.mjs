// The plan of the server-like tree: every plain file's path, size and content kind, every
// archive's path, type and target size, and where each log4j copy goes (the expectations).
import { ARTIFACTS, KB, MB, NAME_PARTS, VENDORS, WORDS, javaName, libName } from './content.mjs';
import { ROOT_2X, VERSION_WEIGHTS, expectation, fixtureName } from './facts.mjs';
import { deflatedPayload, storedPayload } from './zip.mjs';

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
export function planTree(rng, params, log4j) {
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
