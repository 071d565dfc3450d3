// Preloaded into the controller by bench-fleet (node -r): samples the event-loop delay and
// the process's memory into BENCH_ELD_FILE every second. No change to the controller's code.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { appendFileSync } = require('node:fs');

const file = process.env.BENCH_ELD_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const timer = setInterval(() => {
    const sample = {
      t: Date.now(),
      p50: h.percentile(50) / 1e6,
      p99: h.percentile(99) / 1e6,
      max: h.max / 1e6,
      ...process.memoryUsage(),
    };
    h.reset();
    try {
      appendFileSync(file, JSON.stringify(sample) + '\n');
    } catch {
      // the bench reads what it gets
    }
  }, 1000);
  timer.unref();
}

// BENCH_CPU_PROFILE=<dir>: SIGUSR2 starts a CPU profile, the next SIGUSR2 writes it there
// (bench-fleet --profile brackets the campaign phase with them).
const profileDir = process.env.BENCH_CPU_PROFILE;
if (profileDir) {
  const inspector = require('node:inspector');
  const { writeFileSync } = require('node:fs');
  const { join } = require('node:path');
  const session = new inspector.Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 1000 }, () =>
          session.post('Profiler.start'),
        ),
      );
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, { profile }) => {
      if (!err)
        writeFileSync(
          join(profileDir, `controller-${Date.now()}.cpuprofile`),
          JSON.stringify(profile),
        );
    });
  });
}

// BENCH_SQL_STATS=<file>: times every statement by its SQL text (better-sqlite3: its own time;
// pg: its round trip), from the first SIGUSR2 (with BENCH_CPU_PROFILE); the second SIGUSR2 or
// exit writes them there.
const sqlStatsFile = process.env.BENCH_SQL_STATS;
/** A statement's key: its start and its end (long column lists would hide the WHERE clause). */
const sqlKey = (text) => {
  const flat = String(text).replace(/\s+/g, ' ');
  return flat.length <= 400 ? flat : `${flat.slice(0, 200)} … ${flat.slice(-200)}`;
};
if (sqlStatsFile) {
  const Database = require('better-sqlite3');
  const { writeFileSync } = require('node:fs');
  const stats = new Map();
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (source) {
    const stmt = prepare.call(this, source);
    const key = sqlKey(source);
    for (const method of ['run', 'all', 'get']) {
      const original = stmt[method];
      stmt[method] = function (...params) {
        const t = process.hrtime.bigint();
        try {
          return original.apply(this, params);
        } finally {
          const s = stats.get(key) ?? { n: 0, ns: 0n };
          s.n++;
          s.ns += process.hrtime.bigint() - t;
          stats.set(key, s);
        }
      };
    }
    return stmt;
  };
  // PostgreSQL: statements counted by text, with the time from sending to the answer (a round
  // trip: the statement's own time, plus the wait for the server and for this event loop).
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    const text = typeof config === 'string' ? config : config?.text;
    const result = query.call(this, config, ...rest);
    if (text) {
      const key = sqlKey(text);
      const s = stats.get(key) ?? { n: 0, ns: 0n };
      s.n++;
      stats.set(key, s);
      if (result && typeof result.then === 'function') {
        const t = process.hrtime.bigint();
        result.then(
          () => (s.ns += process.hrtime.bigint() - t),
          () => (s.ns += process.hrtime.bigint() - t),
        );
      }
    }
    return result;
  };
  const dump = () => {
    const rows = [...stats]
      .map(([sql, s]) => ({ ms: Number(s.ns / 1000000n), n: s.n, sql }))
      .sort((a, b) => b.ms - a.ms || b.n - a.n);
    writeFileSync(sqlStatsFile, rows.map((r) => `${r.ms} ms\t${r.n}\t${r.sql}`).join('\n') + '\n');
  };
  // The first SIGUSR2 starts the count (the phase profiled), the second writes it.
  let signals = 0;
  process.on('SIGUSR2', () => {
    if (signals++ % 2 === 0) stats.clear();
    else setTimeout(dump, 500);
  });
  process.on('exit', dump);
}
