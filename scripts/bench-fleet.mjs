#!/usr/bin/env node
// npm run bench:fleet — fleet benchmark of the controller (campaigns over real gRPC streams).
//
//   node scripts/bench-fleet.mjs [--agents=1000,10000] [--db=sqlite,postgres] [--workers=4] [--skip-build]
//                                [--controller-node-options="--flag ..."]
//                                [--profile | --profile=storm]  (CPU profile + SQL times of the campaign or the reconnect storm, into tmp/)
//                                [--keep-db]  (PostgreSQL: keep the bench database and print its name)
//
// For each database and fleet size: builds the controller (tsc into tmp/), starts a redis-server
// of its own on a free loopback port and ONE controller process (main.js, with
// an event-loop-delay sampler preloaded), enrolls N agents through gRPC Enroll, then a load
// generator spread over --workers child processes opens N Connect streams (one channel and one
// TCP connection per agent) and answers each scan command with 3 findings. Prints: time until
// all connected, POST /campaigns -> last result ingested (upload acknowledged) -> campaign 100%
// succeeded (GET), results/s, controller peak RSS and CPU, event-loop delay, and the reconnect
// storm after a controller restart (SIGKILL, start again). Numbers, no pass/fail: tests never
// assert on time. Traffic stays on 127.0.0.1; every process started is killed at the end.
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HERE = join(ROOT, 'scripts', 'bench', 'fleet');
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a) =>
      a
        .replace(/^--/, '')
        .match(/^([^=]*)(?:=(.*))?$/s)
        .slice(1),
    )
    .map(([k, v]) => [k, v ?? 'true']),
);
const SIZES = (args.agents ?? '1000,10000').split(',').map(Number);
const DATABASES = (args.db ?? 'sqlite,postgres').split(',');
const WORKERS = Number(args.workers ?? 4);
/**
 * The controller's node flags: as shipped (deploy/controller/README.md, "Heap size") unless
 * --controller-node-options="--a --b" replaces them (--controller-node-options= for none).
 */
const CONTROLLER_NODE_OPTIONS = (args['controller-node-options'] ?? '--max-old-space-size=512')
  .split(' ')
  .filter((a) => a && a !== 'true');
const TICK = 1000 / 100; // /proc/<pid>/stat clock ticks (USER_HZ = 100 on Linux)
const children = new Set();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...m) => process.stderr.write(`[bench-fleet] ${m.join(' ')}\n`);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function build() {
  const out = join(ROOT, 'tmp', 'bench-fleet-build');
  if (args['skip-build'] && existsSync(join(out, 'main.js'))) return out;
  log('building the controller (tsc) into', out);
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', 'apps/controller/tsconfig.app.json', '--outDir', out, '--sourceMap', 'false'],
    { cwd: ROOT, stdio: 'inherit', timeout: 300_000 },
  );
  return out;
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  children.add(child);
  const Redis = require('ioredis');
  const probe = new Redis(`redis://127.0.0.1:${port}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  for (let i = 0; i < 50; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return { url: `redis://127.0.0.1:${port}`, child };
    } catch {
      probe.disconnect();
      await sleep(100);
    }
  }
  throw new Error('redis-server did not start');
}

async function createStorage(db, dir) {
  if (db === 'sqlite')
    return { env: { SQLITE_PATH: join(dir, 'controller.sqlite') }, dispose: async () => {} };
  const { Client } = require('pg');
  const name = `l4f_bench_${randomBytes(5).toString('hex')}`;
  const admin = async (sql) => {
    const c = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return {
    name,
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}` },
    dispose: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Samples RSS and CPU of a pid from /proc; peaks per phase. */
class Sampler {
  constructor(pid) {
    this.pid = pid;
    this.reset();
    this.timer = setInterval(() => this.sample(), 250);
  }
  reset() {
    this.peakRss = 0;
    this.peakCpu = 0;
    this.cpuTicks0 = this.ticks();
    this.t0 = Date.now();
    this.last = { ticks: this.cpuTicks0, t: this.t0 };
  }
  ticks() {
    try {
      const f = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return this.last?.ticks ?? 0;
    }
  }
  sample() {
    try {
      const rss =
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))[1]) * 1024;
      this.peakRss = Math.max(this.peakRss, rss);
    } catch {
      return;
    }
    const now = { ticks: this.ticks(), t: Date.now() };
    if (now.t - this.last.t >= 1000) {
      this.peakCpu = Math.max(
        this.peakCpu,
        ((now.ticks - this.last.ticks) * TICK) / (now.t - this.last.t),
      );
      this.last = now;
    }
  }
  phase() {
    const elapsed = Date.now() - this.t0;
    return {
      peakRssMb: this.peakRss / 1048576,
      peakCpuPct: this.peakCpu * 100,
      avgCpuPct: elapsed > 0 ? (((this.ticks() - this.cpuTicks0) * TICK) / elapsed) * 100 : 0,
    };
  }
  stop() {
    clearInterval(this.timer);
  }
}

const mb = (bytes) => `${Math.round(bytes / 1048576)} MB`;

/**
 * CPU time of every process on the machine by pid, with its kind (the controller, the load
 * generators, PostgreSQL, Redis, the rest), the machine's idle time and its steal time (the
 * hypervisor ran someone else on our cores): the campaign and the storm share 2 cores with all
 * of them, so this says who had the cores during a phase.
 */
function machineCpu(roles) {
  const procs = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const kind =
      roles.get(pid) ??
      (comm === 'postgres' ? postgresKind(pid) : comm.startsWith('redis') ? 'redis' : 'other');
    procs.set(pid, { kind, ticks: Number(f[11]) + Number(f[12]) });
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // steal: time the hypervisor gave this VM's cores to others (not idle, not ours).
  return { procs, idle: cpu[4] + cpu[5], steal: cpu[8] ?? 0 };
}

/** A PostgreSQL process: a backend serving the controller, or the server's own work (autovacuum, WAL writer, checkpointer…). */
function postgresKind(pid) {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]/.test(title)
      ? 'postgres backends'
      : 'postgres server';
  } catch {
    return 'postgres server';
  }
}

/**
 * CPU seconds per kind between two machineCpu() readings ("controller 20.1 s, …"); a process
 * that ended in between is not counted (its last ticks are gone with it).
 */
function cpuBetween(before, after) {
  const byKind = { idle: after.idle - before.idle, steal: after.steal - before.steal };
  for (const [pid, p] of after.procs)
    byKind[p.kind] = (byKind[p.kind] ?? 0) + p.ticks - (before.procs.get(pid)?.ticks ?? 0);
  return Object.entries(byKind)
    .map(([k, t]) => [k, (t * TICK) / 1000])
    .filter(([, sec]) => sec >= 0.05)
    .sort(
      (x, y) => ['idle', 'steal'].includes(x[0]) - ['idle', 'steal'].includes(y[0]) || y[1] - x[1],
    )
    .map(([k, sec]) => `${k} ${sec.toFixed(1)} s`)
    .join(', ');
}

function eventLoop(file, from, to) {
  if (!existsSync(file)) return { p99: NaN, max: NaN };
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.t >= from && r.t <= to + 1000);
  const peak = rows.reduce((a, r) => (a && a.rss >= r.rss ? a : r), null);
  return {
    p99: Math.max(0, ...rows.map((r) => r.p99)),
    max: Math.max(0, ...rows.map((r) => r.max)),
    // Where the memory was at the highest RSS sample (MB): V8 heap used/total, buffers outside it.
    memory: peak?.heapUsed
      ? `rss ${mb(peak.rss)}, heap used ${mb(peak.heapUsed)} of ${mb(peak.heapTotal)}, external ${mb(peak.external)} (array buffers ${mb(peak.arrayBuffers)})`
      : 'n/a',
  };
}

class Controller {
  constructor(buildDir, env) {
    this.buildDir = buildDir;
    this.env = env;
  }
  async start() {
    const child = spawn(
      process.execPath,
      [
        ...CONTROLLER_NODE_OPTIONS,
        '-r',
        join(HERE, 'eld-preload.cjs'),
        join(this.buildDir, 'main.js'),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.add(child);
    this.child = child;
    let out = '';
    child.stdout.on('data', (d) => (out = (out + d).slice(-10_000)));
    child.stderr.on('data', (d) => (out = (out + d).slice(-10_000)));
    for (let i = 0; i < 1200; i++) {
      if (out.includes('ready http=')) return child.pid;
      if (child.exitCode !== null) throw new Error(`controller exited: ${out.slice(-2000)}`);
      await sleep(50);
    }
    throw new Error(`controller not ready: ${out.slice(-2000)}`);
  }
  async kill(signal) {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill(signal);
    });
    children.delete(child);
  }
}

async function http(base, token, method, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

async function runOne(buildDir, redisUrl, db, n) {
  const dir = mkdtempSync(join(ROOT, 'tmp', 'bench-fleet-run-'));
  const storage = await createStorage(db, dir);
  const adminToken = `l4f_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('hex')}`;
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const eldFile = join(dir, 'eld.jsonl');
  const env = {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(httpPort),
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(grpcPort),
    GRPC_INSECURE: '1',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `bench-${db}-${n}`,
    LOG4FLEET_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'error',
    BENCH_ELD_FILE: eldFile,
    ...(args.profile
      ? {
          BENCH_CPU_PROFILE: join(ROOT, 'tmp'),
          BENCH_SQL_STATS: join(ROOT, 'tmp', 'sql-stats.tsv'),
        }
      : {}),
    ...storage.env,
  };
  const base = `http://127.0.0.1:${httpPort}`;
  const controller = new Controller(buildDir, env);
  const workers = [];
  const result = { db, n };
  try {
    const pid = await controller.start();
    const sampler = new Sampler(pid);
    const token = (
      await http(base, adminToken, 'POST', '/enrollment-tokens', {
        name: 'bench',
        maxUses: n,
        expiresInHours: 2,
      })
    ).token;
    // Distinct agents connected since the phase began (a stream event per agent, IPC is async).
    const counters = {
      connected: 0,
      ingested: 0,
      commands: 0,
      firstIngest: 0,
      lastIngest: 0,
      lastConnect: 0,
      since: 0,
      seen: new Set(),
      connectTimes: [],
      /** Streams opened again by agents already connected in this phase (a stream was lost). */
      reconnects: 0,
      /** When each command reached its agent (the campaign's dispatch curve). */
      commandTimes: [],
    };
    const per = Math.ceil(n / WORKERS);
    for (let w = 0; w < WORKERS; w++) {
      const count = Math.min(per, n - w * per);
      if (count <= 0) break;
      const child = fork(join(HERE, 'agent-worker.mjs'), [], {
        cwd: ROOT,
        env: {
          ...process.env,
          ADDRESSES: `127.0.0.1:${grpcPort}`,
          COUNT: String(count),
          WORKER_INDEX: String(w),
          WORKERS: String(WORKERS),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.add(child);
      workers.push(child);
      child.on('message', (m) => {
        if (m.type === 'connected') {
          const key = `${w}:${m.agent}`;
          if (m.at < counters.since) return;
          if (counters.seen.has(key)) {
            counters.reconnects++;
            return;
          }
          counters.seen.add(key);
          counters.connectTimes.push(m.at);
          counters.connected = counters.seen.size;
          counters.lastConnect = Math.max(counters.lastConnect, m.at);
        } else if (m.type === 'command') {
          counters.commands++;
          counters.lastCommand = Math.max(counters.lastCommand ?? 0, m.at);
          counters.commandTimes.push(m.at);
        } else if (m.type === 'ingested') {
          counters.ingested++;
          counters.firstIngest ||= m.at;
          counters.lastIngest = Math.max(counters.lastIngest, m.at);
        } else if (m.type === 'error') log('worker error:', m.message);
        else if (m.type === 'closed' && Object.keys(m.uploadErrors ?? {}).length)
          log(
            `worker ${w}: upload refusals by gRPC code (retried):`,
            JSON.stringify(m.uploadErrors),
          );
      });
    }
    const waitAll = (type) =>
      Promise.all(
        workers.map(
          (w) =>
            new Promise((resolve) => {
              const on = (m) => {
                if (m.type === type) {
                  w.off('message', on);
                  resolve();
                }
              };
              w.on('message', on);
            }),
        ),
      );
    await waitAll('ready');
    let t = Date.now();
    for (const w of workers) w.send({ type: 'enroll', token });
    await waitAll('enrolled');
    result.enrollS = (Date.now() - t) / 1000;
    log(`${db} N=${n}: enrolled in ${result.enrollS.toFixed(1)} s`);

    const until = async (cond, limitS) => {
      const end = Date.now() + limitS * 1000;
      while (Date.now() < end) {
        if (await cond()) return true;
        await sleep(100);
      }
      return false;
    };
    const roles = (controllerPid) =>
      new Map([
        [controllerPid, 'controller'],
        [process.pid, 'bench'],
        ...workers.map((w) => [w.pid, 'load generators']),
      ]);
    sampler.reset();
    let cpu0 = machineCpu(roles(pid));
    t = Date.now();
    for (const w of workers) w.send({ type: 'connect' });
    const allConnected = await until(() => counters.connected >= n, 600);
    result.connectS = allConnected ? (counters.lastConnect - t) / 1000 : NaN;
    result.connect = { ...sampler.phase(), eld: eventLoop(eldFile, t, Date.now()) };
    log(`${db} N=${n}: connected, memory at the RSS peak: ${result.connect.eld.memory}`);
    log(`${db} N=${n}: ${counters.connected} connected in ${result.connectS} s`);
    log(`${db} N=${n}: CPU while connecting: ${cpuBetween(cpu0, machineCpu(roles(pid)))}`);
    await sleep(2000);

    sampler.reset();
    if (args.profile === 'true') controller.child.kill('SIGUSR2');
    cpu0 = machineCpu(roles(pid));
    t = Date.now();
    const reconnects0 = counters.reconnects;
    const campaign = await http(base, adminToken, 'POST', '/campaigns', {
      name: `bench ${n}`,
      selector: { all: true },
      scan: { paths: ['/'] },
    });
    result.postMs = Date.now() - t;
    await until(() => counters.ingested >= n, 1200);
    result.lastIngestS = (counters.lastIngest - t) / 1000;
    result.lastCommandS = (counters.lastCommand - t) / 1000;
    {
      const at = counters.commandTimes.map((x) => (x - t) / 1000).sort((a, b) => a - b);
      const q = (p) => at[Math.min(at.length - 1, Math.floor(p * at.length))]?.toFixed(1);
      log(
        `${db} N=${n}: commands reached their agents at (s after POST) first ${q(0)}, ` +
          `10% ${q(0.1)}, 50% ${q(0.5)}, 90% ${q(0.9)}, last ${q(1)}`,
      );
    }
    result.resultsPerS = counters.ingested / ((counters.lastIngest - t) / 1000);
    let coverage = null;
    await until(async () => {
      coverage = (await http(base, adminToken, 'GET', `/campaigns/${campaign.id}`)).coverage;
      return coverage.succeeded >= n;
    }, 600);
    result.completeS = (Date.now() - t) / 1000;
    result.succeeded = coverage?.succeeded;
    result.campaign = { ...sampler.phase(), eld: eventLoop(eldFile, t, Date.now()) };
    log(`${db} N=${n}: campaign memory at the RSS peak: ${result.campaign.eld.memory}`);
    log(`${db} N=${n}: CPU in the campaign: ${cpuBetween(cpu0, machineCpu(roles(pid)))}`);
    log(
      `${db} N=${n}: ${counters.ingested} results ingested, ${result.succeeded} succeeded in ${result.completeS} s` +
        ` (streams reopened meanwhile: ${counters.reconnects - reconnects0})`,
    );

    if (args.profile === 'true') {
      controller.child.kill('SIGUSR2');
      await sleep(3000);
    }
    await controller.kill('SIGKILL');
    sampler.stop();
    counters.since = Date.now();
    counters.seen.clear();
    counters.connected = 0;
    counters.connectTimes = [];
    await sleep(1000);
    const restartAt = Date.now();
    const pid2 = await controller.start();
    result.restartMs = Date.now() - restartAt;
    const sampler2 = new Sampler(pid2);
    if (args.profile === 'storm') controller.child.kill('SIGUSR2');
    cpu0 = machineCpu(roles(pid2));
    t = Date.now();
    const back = await until(() => counters.connected >= n, 600);
    if (args.profile === 'storm') {
      controller.child.kill('SIGUSR2');
      await sleep(3000);
    }
    result.stormS = back ? (counters.lastConnect - t) / 1000 : NaN;
    const sorted = counters.connectTimes.map((x) => (x - t) / 1000).sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    if (sorted.length) result.stormPct = { p50: pct(50), p90: pct(90), p99: pct(99) };
    result.storm = { ...sampler2.phase(), eld: eventLoop(eldFile, t, Date.now()) };
    sampler2.stop();
    log(
      `${db} N=${n}: ${counters.connected} reconnected in ${result.stormS} s after the restart ` +
        `(controller ready ${result.restartMs} ms after its start; reconnected p50/p90/p99 ` +
        `${result.stormPct?.p50?.toFixed(1)}/${result.stormPct?.p90?.toFixed(1)}/${result.stormPct?.p99?.toFixed(1)} s)`,
    );
    log(`${db} N=${n}: CPU in the reconnect storm: ${cpuBetween(cpu0, machineCpu(roles(pid2)))}`);
  } finally {
    for (const w of workers) w.connected && w.send({ type: 'close' });
    await sleep(1000);
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await controller.kill('SIGTERM');
    if (args['keep-db'] === 'true' && storage.name) log(`kept the database ${storage.name}`);
    else await storage.dispose().catch(() => {});
    // The controller's per-second samples (event-loop delay, memory), kept for a closer look.
    if (existsSync(eldFile))
      copyFileSync(eldFile, join(ROOT, 'tmp', `bench-fleet-samples-${db}-${n}.jsonl`));
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

function table(results) {
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const lines = [
    `bench-fleet: 1 controller process, ${WORKERS} load-generator processes, ${cpus().length} cores, Node ${process.version}; loopback, plaintext gRPC`,
    '| db | agents | enroll s | all connected s | POST 202 ms | POST->last command on an agent s | POST->last result s | results/s | POST->100% succeeded s | RSS peak MB (connect/campaign/storm) | CPU peak % (connect/campaign/storm) | ELD p99 / max ms (campaign) | reconnect after restart s | ELD max ms (storm) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.db} | ${r.n} | failed: ${r.error} |`);
      continue;
    }
    lines.push(
      `| ${r.db} | ${r.n} | ${f(r.enrollS)} | ${f(r.connectS)} | ${r.postMs} | ${f(r.lastCommandS)} | ${f(r.lastIngestS)} | ${f(r.resultsPerS, 0)} | ${f(r.completeS)} | ${f(r.connect.peakRssMb, 0)} / ${f(r.campaign.peakRssMb, 0)} / ${f(r.storm.peakRssMb, 0)} | ${f(r.connect.peakCpuPct, 0)} / ${f(r.campaign.peakCpuPct, 0)} / ${f(r.storm.peakCpuPct, 0)} | ${f(r.campaign.eld.p99, 0)} / ${f(r.campaign.eld.max, 0)} | ${f(r.stormS)} | ${f(r.storm.eld.max, 0)} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const buildDir = build();
  const redisDir = mkdtempSync(join(ROOT, 'tmp', 'bench-fleet-redis-'));
  const redis = await startRedis(redisDir);
  const results = [];
  try {
    for (const db of DATABASES) {
      for (const n of SIZES) {
        try {
          results.push(await runOne(buildDir, redis.url, db, n));
        } catch (error) {
          log(`${db} N=${n} failed:`, error?.stack ?? error);
          results.push({ db, n, error: String(error?.message ?? error).slice(0, 200) });
        }
      }
    }
  } finally {
    redis.child.kill('SIGKILL');
    rmSync(redisDir, { recursive: true, force: true });
  }
  process.stdout.write(table(results) + '\n');
}

const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
};
process.on('exit', cleanup);
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
main().catch((error) => {
  log(error?.stack ?? error);
  cleanup();
  process.exit(1);
});
