#!/usr/bin/env node
// npm run bench:probe — the canary probe (log4fleet-agent probe) against real JVM services.
//
// Starts BENCH_SERVICES (default 4) copies of libs/probe/test/fixtures/ProbeService.java on
// 127.0.0.1 (compiled with javac into a temp dir): half on log4j-core 2.14.1 logging the
// X-Api-Version header (vulnerable), the others on 2.17.1 logging it (fixed). Runs the BUILT
// agent (npx nx run agent:build) with --port for each, at the default rate and at --rate 200,
// and prints wall time, requests, achieved requests/s, callbacks, exploitable ports and the
// exit code. Nothing leaves the host; the numbers are printed, never asserted.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAIN = path.join(ROOT, 'dist/apps/agent/main.js');
const FIX = path.join(ROOT, 'libs/probe/test/fixtures');
const API = path.join(FIX, 'log4j-api-2.14.1.jar');
const count = Number(process.env.BENCH_SERVICES ?? 4);

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-probe-'));
const children = [];
try {
  execFileSync('javac', ['-cp', API, '-d', dir, path.join(FIX, 'ProbeService.java')]);
  execFileSync('javac', [
    '-cp',
    API,
    '-d',
    path.join(dir, 'shim'),
    path.join(FIX, 'api-shim/Constants.java'),
  ]);
  const start = (vulnerable) =>
    new Promise((resolve, reject) => {
      const core = path.join(FIX, vulnerable ? 'log4j-core-2.14.1.jar' : 'log4j-core-2.17.1.jar');
      const cp = [dir, ...(vulnerable ? [] : [path.join(dir, 'shim')]), API, core].join(':');
      const child = spawn('java', ['-Xmx64m', '-cp', cp, 'ProbeService', 'header:X-Api-Version'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      children.push(child);
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /port (\d+)/.exec(out);
        if (m) resolve({ port: Number(m[1]), vulnerable });
      });
      child.on('exit', (code) => reject(new Error(`service exited ${code}`)));
    });
  const services = [];
  for (let i = 0; i < count; i++) services.push(await start(i < Math.ceil(count / 2)));
  console.log(
    `${count} services: ${services.map((s) => `${s.port}${s.vulnerable ? ' (2.14.1)' : ' (2.17.1)'}`).join(', ')}`,
  );
  console.log('rate     wall s  requests  req/s  callbacks  exploitable ports  exit');
  for (const rate of [undefined, 200]) {
    const args = [MAIN, 'probe', '--json', ...services.flatMap((s) => ['--port', String(s.port)])];
    if (rate) args.push('--rate', String(rate));
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const lines = res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const summary = lines.find((l) => l.type === 'summary') ?? {};
    const ports = new Set(lines.filter((l) => l.type === 'finding').map((l) => l.target.port));
    console.log(
      [
        String(rate ?? 'default').padEnd(7),
        wall.toFixed(2).padStart(7),
        String(summary.requests).padStart(9),
        (summary.requests / wall).toFixed(1).padStart(6),
        String(summary.findings).padStart(10),
        `${ports.size}/${services.filter((s) => s.vulnerable).length}`.padStart(18),
        String(res.status).padStart(5),
      ].join('  '),
    );
  }
} finally {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
