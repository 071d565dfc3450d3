#!/usr/bin/env node
// npm run bench:fix — remediation benchmark of the log4fleet agent.
//
// What it does
//  1. Generates ONCE into a cache directory (BENCH_DIR/fix), then reuses it: a ~200 MB
//     Spring-Boot-layout fat jar with a launch script in front: BOOT-INF/lib holds ~80 stored
//     library jars of ~2.5 MB (incompressible entries), the real log4j-core 2.14.1 (stored),
//     log4j-api; BOOT-INF/classes holds 5,000 small deflated classes; a deflated plugins.zip
//     holds a second log4j-core 2.14.1 (so both the stored and the deflated nested paths run).
//  2. Copies it to a scratch file and runs `node dist/apps/agent/main.js fix --json` on it,
//     measuring wall time and peak RSS (GNU time, else /proc polling; scripts/bench/measure.mjs).
//  3. Prints the numbers, what the fix removed, `unzip -t` of the result, and PASS/FAIL for
//     "both copies fixed" and "peak RSS < 300 MB". Exit 0 whatever the verdicts; non-zero only
//     when the benchmark itself could not run.
//
// Env knobs
//  BENCH_DIR=/var/tmp/log4fleet-bench  cache directory
//  BENCH_FIX_MB=200                    approximate size of the fat jar
//  BENCH_REGEN=1                       regenerate even if cached
//  BENCH_RUNS=1                        measured runs (each on a fresh copy; median shown)
//  BENCH_BUILD=1                       rebuild the agent first (always when main.js is missing)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { ensureGnuTime, measure } from './bench/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const BENCH_DIR = path.resolve(env.BENCH_DIR ?? '/var/tmp/log4fleet-bench', 'fix');
const TARGET_MB = Number(env.BENCH_FIX_MB ?? 200);
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 1));
const AGENT = path.join(ROOT, 'dist/apps/agent/main.js');
const CORE = path.join(ROOT, 'libs/remediation/test/fixtures/log4j-core-2.14.1.jar');
const API = path.join(ROOT, 'libs/remediation/test/fixtures/log4j-api-2.14.1.jar');
const RSS_LIMIT_MB = 300;
const MTIME = new Date('2021-12-10T12:00:00Z');
const log = (s) => process.stdout.write(`${s}\n`);

/** Deterministic incompressible bytes (xorshift32): the cache is the same on every machine. */
function noise(size, seed) {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer, 0, size);
}

function zipToBuffer(fill) {
  const zip = new yazl.ZipFile();
  fill(zip);
  const chunks = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    zip.end();
  });
}

async function generate(file) {
  const libs = Math.max(1, Math.round((TARGET_MB - 6) / 2.5));
  const tmp = `${file}.part`;
  const out = fs.createWriteStream(tmp);
  out.write('#!/bin/bash\n# Spring Boot style launch script\nexec java -jar "$0" "$@"\n');
  const fat = new yazl.ZipFile();
  const done = new Promise((resolve, reject) => {
    fat.outputStream.pipe(out);
    out.on('finish', resolve);
    out.on('error', reject);
  });
  const add = (name, data, compress) => fat.addBuffer(data, name, { compress, mtime: MTIME });
  add(
    'META-INF/MANIFEST.MF',
    'Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\nStart-Class: com.acme.App\r\n\r\n',
    true,
  );
  for (let i = 0; i < 5000; i++) {
    add(
      `BOOT-INF/classes/com/acme/c${i % 50}/C${i}.class`,
      noise(600, i + 1).fill(0, 0, 300),
      true,
    );
  }
  for (let i = 0; i < libs; i++) {
    const lib = await zipToBuffer((z) => {
      for (let k = 0; k < 10; k++) {
        z.addBuffer(noise(256 * 1024, 1000 + i * 10 + k), `lib${i}/res${k}.bin`, { mtime: MTIME });
      }
    });
    add(`BOOT-INF/lib/lib-${String(i).padStart(3, '0')}.jar`, lib, false);
    if (i === Math.floor(libs / 2)) {
      add('BOOT-INF/lib/log4j-core-2.14.1.jar', fs.readFileSync(CORE), false);
      add('BOOT-INF/lib/log4j-api-2.14.1.jar', fs.readFileSync(API), false);
    }
  }
  const plugins = await zipToBuffer((z) => {
    z.addBuffer(Buffer.from('plugin'), 'README', { mtime: MTIME });
    z.addBuffer(fs.readFileSync(CORE), 'lib/log4j-core-2.14.1.jar', { mtime: MTIME });
  });
  add('BOOT-INF/plugins.zip', plugins, true);
  fat.end();
  await done;
  // zip -A: offsets count the launch script, as Spring Boot's executable jars do.
  const adj = spawnSync('zip', ['-q', '-A', tmp]);
  if (adj.status !== 0) throw new Error(`zip -A failed: ${adj.stderr}`);
  fs.renameSync(tmp, file);
}

async function main() {
  log(
    `log4fleet fix benchmark — ${new Date().toISOString()}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (env.BENCH_BUILD === '1' || !fs.existsSync(AGENT)) {
    const b = spawnSync('npx', ['nx', 'run', 'agent:build'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('agent build failed');
  }
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const cached = path.join(BENCH_DIR, `fat-${TARGET_MB}mb.jar`);
  if (env.BENCH_REGEN === '1' || !fs.existsSync(cached)) {
    const t0 = Date.now();
    await generate(cached);
    log(`generated ${cached} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    log(`reusing ${cached}`);
  }
  const size = fs.statSync(cached).size;
  log(`fat jar: ${(size / 1e6).toFixed(1)} MB`);
  const mode = ensureGnuTime(log);
  const runs = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const scratch = fs.mkdtempSync(path.join(BENCH_DIR, 'run-'));
    const target = path.join(scratch, 'app.jar');
    fs.copyFileSync(cached, target);
    const stdoutFile = path.join(scratch, 'out.jsonl');
    const m = await measure(
      process.execPath,
      [AGENT, 'fix', '--json', '--state-dir', path.join(scratch, 'state'), target],
      {
        stdoutFile,
        timeoutMs: 900_000,
      },
    );
    const out = fs
      .readFileSync(stdoutFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const unzip = spawnSync('unzip', ['-tq', target], { encoding: 'utf8' });
    runs.push(m);
    last = { m, out, unzip, scratch };
    if (i < RUNS - 1) fs.rmSync(scratch, { recursive: true, force: true });
  }
  runs.sort((a, b) => a.wall - b.wall);
  const med = runs[Math.floor((runs.length - 1) / 2)];
  const fix = last.out.find((l) => l.type === 'fix');
  log(`measure: ${mode}`);
  log(
    `fix of ${(size / 1e6).toFixed(1)} MB: wall ${med.wall.toFixed(2)} s, CPU ${med.cpu?.toFixed(2) ?? 'n/a'} s, peak RSS ${med.maxRssMB?.toFixed(1) ?? 'n/a'} MB, exit ${med.code}`,
  );
  log(`outcome: ${fix?.outcome}; removed:`);
  for (const r of fix?.removed ?? []) log(`  ${r}`);
  log(
    `unzip -t: ${last.unzip.status === 0 ? 'OK' : `FAILED (${last.unzip.status}) ${last.unzip.stdout.slice(-400)}`}`,
  );
  const bothFixed = fix?.outcome === 'fixed' && fix.removed.length === 2;
  log(
    `${bothFixed ? 'PASS' : 'FAIL'}  both log4j copies fixed (stored BOOT-INF/lib jar and deflated plugins.zip)`,
  );
  log(
    `${med.maxRssMB != null && med.maxRssMB < RSS_LIMIT_MB ? 'PASS' : 'FAIL'}  peak RSS < ${RSS_LIMIT_MB} MB`,
  );
  fs.rmSync(last.scratch, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`bench-fix: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
