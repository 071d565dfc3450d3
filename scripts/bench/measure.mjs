// Runs a child and measures wall time, CPU (user+sys of the child and its descendants)
// and peak RSS. With GNU time (/usr/bin/time, Debian package "time") the numbers come from
// wait4()'s rusage: exact, and ru_maxrss covers all threads of a process. Without it, the
// fallback polls /proc/<pid>/status VmHWM (the process's high-water mark, threads
// included; growth in the last poll interval can be missed) and takes CPU from this
// process's cutime/cstime (children reaped by libuv are accounted there).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';
let timeMode = null;

/** Finds GNU time, installing the Debian package once if we are root and it is missing. */
export function ensureGnuTime(log) {
  if (timeMode) return timeMode;
  if (process.env.BENCH_MEASURE === 'proc') return (timeMode = 'proc-poll');
  if (!fs.existsSync(GNU_TIME) && process.getuid?.() === 0 && process.env.BENCH_NO_APT !== '1') {
    log('installing Debian package "time" for /usr/bin/time ...');
    spawnSync('apt-get', ['install', '-y', '-qq', 'time'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const ok =
    fs.existsSync(GNU_TIME) &&
    spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
  timeMode = ok ? 'gnu-time' : 'proc-poll';
  return timeMode;
}

function selfChildTicks() {
  // /proc/self/stat fields 16/17 (1-based): cutime, cstime in clock ticks (USER_HZ = 100 on Linux).
  const s = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

function readHwmKB(pid) {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * @returns {Promise<{wall:number,user:number|null,sys:number|null,cpu:number|null,maxRssMB:number|null,code:number|null,signal:string|null,timedOut:boolean,stderrTail:string,method:string}>}
 */
export function measure(cmd, args, { stdoutFile, timeoutMs = 600_000, cwd, env } = {}) {
  const mode = timeMode ?? 'proc-poll';
  const tmp = path.join(os.tmpdir(), `bench-time-${process.pid}-${Date.now()}.txt`);
  const [file, argv] =
    mode === 'gnu-time' ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', tmp, cmd, ...args]] : [cmd, args];
  const outFd = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'ignore';
  const ticks0 = selfChildTicks();
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd,
      env: env ?? process.env,
      stdio: ['ignore', outFd, 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let hwm = 0;
    const poll =
      mode === 'proc-poll'
        ? setInterval(() => (hwm = Math.max(hwm, readHwmKB(child.pid))), 20)
        : null;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (typeof outFd === 'number') fs.closeSync(outFd);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      let user = null;
      let sys = null;
      let cpu = null;
      let maxRssMB = null;
      let exit = code;
      if (mode === 'gnu-time') {
        try {
          const txt = fs.readFileSync(tmp, 'utf8').trim().split('\n');
          // With a non-zero exit, GNU time writes "Command exited with non-zero status N" first.
          const st = /non-zero status (\d+)/.exec(txt[0]);
          if (st) exit = Number(st[1]);
          const sig = /terminated by signal (\d+)/.exec(txt[0]);
          if (sig) signal = `signal ${sig[1]}`;
          const [, u, s, m] = txt[txt.length - 1].split(' ').map(Number);
          user = u;
          sys = s;
          cpu = u + s;
          maxRssMB = m / 1024;
        } catch {
          /* time output missing: leave nulls */
        }
        fs.rmSync(tmp, { force: true });
      } else {
        cpu = selfChildTicks() - ticks0;
        maxRssMB = hwm ? hwm / 1024 : null;
      }
      resolve({
        wall,
        user,
        sys,
        cpu,
        maxRssMB,
        code: exit,
        signal,
        timedOut,
        stderrTail: stderr.trim().split('\n').slice(-8).join('\n'),
        method: mode,
      });
    });
  });
}

const median = (xs) => {
  const v = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
};

/** Median of each measure of several runs (each its own median: wall, user, sys, CPU, RSS). */
export function medians(all) {
  const byWall = [...all].sort((a, b) => a.wall - b.wall);
  const mid = byWall[Math.floor((byWall.length - 1) / 2)];
  return {
    ...mid,
    wall: median(all.map((m) => m.wall)),
    user: median(all.map((m) => m.user)),
    sys: median(all.map((m) => m.sys)),
    cpu: median(all.map((m) => m.cpu)),
    maxRssMB: median(all.map((m) => m.maxRssMB)),
    walls: all.map((m) => m.wall),
    cpus: all.map((m) => m.cpu),
  };
}

/**
 * Runs `runs` times (>= 1) and returns the medians, plus all walls and CPU times. `before`
 * runs ahead of each run (the cold mode drops the page cache there).
 */
export async function measureMedian(runs, cmd, args, opts = {}) {
  const all = [];
  for (let i = 0; i < Math.max(1, runs); i++) {
    opts.before?.();
    const m = await measure(cmd, args, opts);
    all.push(m);
    if (m.timedOut || m.signal) break;
  }
  return medians(all);
}
