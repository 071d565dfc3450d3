// Deterministic generator of the benchmark's server-like tree and of the single ~1 GB
// archive. Everything derives from one seed: two runs with the same parameters and the
// same fixtures write byte-identical trees. See scripts/bench-scan.mjs for the knobs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KB,
  LAUNCH_SCRIPT,
  MB,
  Pools,
  buildEar,
  buildFat,
  buildJar,
  buildPlainZip,
  buildUber,
  buildWar,
  fillClasses,
  manifestPayload,
  textCorpusRepeat,
} from './content.mjs';
import { Log4j, ROOT_2X, expectation, fixtureName, loadFixtures } from './facts.mjs';
import { planTree } from './plan.mjs';
import { Rng } from './rng.mjs';
import {
  FileSink,
  MemSink,
  ZipWriter,
  deflatedPayload,
  entryBytes,
  storedPayload,
} from './zip.mjs';

/** Bump when the generated tree changes meaning (the marker also hashes the generator's modules). */
export const GENERATOR_VERSION = 2;

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
  for (const f of ['generate.mjs', 'content.mjs', 'facts.mjs', 'plan.mjs', 'zip.mjs', 'rng.mjs'])
    h.update(fs.readFileSync(path.join(here, f)));
  return h.digest('hex').slice(0, 16);
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
