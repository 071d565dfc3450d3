#!/usr/bin/env node
// npm run bench:scan — scan benchmark of the log4fleet agent.
//
// What it does
//  1. Generates ONCE into a cache directory, then reuses it:
//     - tree/: a server-like tree (at scale 1: ~200,000 files in nested directories — sources,
//       configs, logs, class files, small binaries — and 3,000 archives of 50 KB–5 MB: library
//       jars, wars with WEB-INF/lib jars, Spring Boot fat jars with stored BOOT-INF/lib jars
//       (half with a launch script in front), ears holding a war holding jars, shaded uber
//       jars, backup zips; ~2 GB in all, random bytes where archives need weight). About 150
//       copies of log4j taken from the slim fixtures (libs/scanner/test/fixtures/corpus) are
//       planted at various depths: plain, odd file extensions, nested, ear->war->jar, shaded /
//       relocated (sometimes next to an unrelocated copy), jar-in-jar, JndiLookup stripped,
//       exploded WEB-INF/classes, and "log4j-core-2.17.1.jar" holding 2.14.1 bytes. Decoys
//       (log4j-api, log4j-over-slf4j) must not be reported.
//     - big/big-1g.jar: one ~1 GB jar with many big stored and deflated entries, a ~150 MB
//       deflated and a ~150 MB stored nested jar (each ending with a log4j jar) and a log4j
//       jar near the end: the bounded-memory check.
//     - manifest.json: what was generated and every expected copy (chain, package root,
//       version, expected status, CVEs); archives.txt: the on-disk archives; params.json:
//       the marker (parameters, generator code hash, fixture hashes): when it differs, the
//       cache is regenerated. Deterministic: a seeded PRNG, fixed zip timestamps.
//  2. Measures and prints a table: walk floor (`find -type f`), read floor (every archive's
//     bytes read once), find + every archive read once, the content-sniffing floor (find, the
//     first 4 bytes of every file, every archive once), the agent scan of the tree
//     (`node dist/apps/agent/main.js scan --json TREE`) and of the big archive: wall s, files/s,
//     MB/s (10^6 bytes), archives/s, user s, sys s, CPU s (user+sys), peak RSS; each the median
//     of BENCH_RUNS runs. CPU and RSS come from GNU time (installed with apt-get when missing
//     and root), else /proc polling. BENCH_BASELINE_AGENT measures a second build the same way,
//     its runs alternating with the agent's, for a before/after in the same conditions.
//     BENCH_COLD=1 (root only) drops the page cache (sync; echo 3 > /proc/sys/vm/drop_caches)
//     before every measured run instead of warming it.
//  3. Checks the scan's findings against the manifest and the targets (warm: scan wall <= 2x
//     find + every archive read once, CPU <= 1/3 of the baseline's when one is given, peak
//     RSS < 200 MB for the tree and the 1 GB archive; cold: scan wall <= 1.3x the
//     content-sniffing floor) and prints PASS/FAIL. Exit 0 whatever the verdicts; non-zero
//     only if the benchmark itself could not run (generation failed, fixtures missing, ...).
//
// Env knobs
//  BENCH_DIR=/var/tmp/log4fleet-bench  cache directory (one subdirectory per scale)
//  BENCH_SCALE=1                       0.05 makes a ~10,000-file / 100 MB tree for a quick run;
//                                      time targets are then N/A (start-up dominates), RSS
//                                      targets and correctness still apply
//  BENCH_SEED=log4fleet-bench-1        PRNG seed
//  BENCH_REGEN=1                       regenerate even if the marker matches
//  BENCH_GENERATE_ONLY=1               generate (or verify the cache) and stop
//  BENCH_SKIP_BIG=1                    skip the 1 GB archive scan
//  BENCH_BUILD=1                       rebuild the agent (npx nx run agent:build) first;
//                                      it is always built when dist/apps/agent/main.js is missing
//  BENCH_AGENT=dist/apps/agent/main.js the agent entry; BENCH_AGENT_ARGS: extra scan args
//  BENCH_RUNS=1                        measured runs per row (medians shown)
//  BENCH_COLD=1                        drop the page cache before each run (needs root)
//  BENCH_BASELINE_AGENT=path/main.js   a second agent build measured alongside (before/after)
//  BENCH_WARM_SCAN=1                   one unmeasured agent scan before the measured one
//  BENCH_MEASURE=proc                  force the /proc polling fallback instead of GNU time
//  BENCH_TIMEOUT=900                   seconds allowed per agent scan
//  BENCH_FIXTURE_WAIT=900              seconds to wait for the slim fixtures to appear
//  BENCH_NO_APT=1                      never apt-get install "time"; use /proc polling
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, parseScanOutput } from './bench/check.mjs';
import { ensureGenerated } from './bench/generate.mjs';
import { canDropCaches, dropCaches, floorCommands } from './bench/floors.mjs';
import { ensureGnuTime, measure, measureMedian, medians } from './bench/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const SCALE = Number(env.BENCH_SCALE ?? 1);
const BENCH_DIR = path.resolve(env.BENCH_DIR ?? '/var/tmp/log4fleet-bench');
const AGENT = path.resolve(ROOT, env.BENCH_AGENT ?? 'dist/apps/agent/main.js');
const AGENT_ARGS = (env.BENCH_AGENT_ARGS ?? '').split(' ').filter(Boolean);
const TIMEOUT_MS = Number(env.BENCH_TIMEOUT ?? 900) * 1000;
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 1));
const MB = 1e6;
const RSS_LIMIT_MB = 200;
const COLD = env.BENCH_COLD === '1';
const BASELINE = env.BENCH_BASELINE_AGENT ? path.resolve(ROOT, env.BENCH_BASELINE_AGENT) : null;

const log = (s) => process.stdout.write(`${s}\n`);
const fmt = (x, d = 2) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const human = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);

async function main() {
  if (!(SCALE > 0 && SCALE <= 4))
    throw new Error(`BENCH_SCALE must be in (0, 4], got ${env.BENCH_SCALE}`);
  log(
    `log4fleet scan benchmark — ${new Date().toISOString()}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  // ---- 1. the cached tree
  const t0 = Date.now();
  const gen = await ensureGenerated({
    benchDir: BENCH_DIR,
    scale: SCALE,
    seed: env.BENCH_SEED ?? 'log4fleet-bench-1',
    fixtureDir: path.join(ROOT, 'libs/scanner/test/fixtures/corpus'),
    fixtureWait: Number(env.BENCH_FIXTURE_WAIT ?? 900),
    force: env.BENCH_REGEN === '1',
    log,
  });
  const { manifest, dir } = gen;
  const tree = manifest.tree;
  const big = manifest.big;
  const vulnerable = tree.expected.filter((e) => e.expect === 'vulnerable').length;
  log(
    `${gen.generated ? `generated in ${((Date.now() - t0) / 1000).toFixed(0)} s` : 'reusing cache'}: ${dir} (scale ${SCALE})`,
  );
  log(
    `  tree: ${tree.files} files (${tree.plainFiles} plain, ${tree.explodedFiles} exploded classes, ${tree.archives} archives), ${human(tree.bytes)} (archives ${human(tree.archiveBytes)})`,
  );
  log(
    `  archives by type: ${Object.entries(tree.archivesByType)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const kinds = {};
  for (const e of tree.expected) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  log(
    `  log4j copies expected: ${tree.expected.length}, of them vulnerable: ${vulnerable}, mitigated: ${tree.expected.filter((e) => e.expect === 'mitigated').length}; by kind: ${Object.entries(
      kinds,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  log(
    `  big archive: ${big.path}, ${human(big.bytes)}, ${big.entries} entries, ${big.expected.length} log4j copies expected (all vulnerable)`,
  );
  log(`  manifest: ${path.join(dir, 'manifest.json')}`);
  if (env.BENCH_GENERATE_ONLY === '1') return;

  // ---- 2. measurements
  if (COLD && !canDropCaches())
    throw new Error('BENCH_COLD=1 needs root: it writes 3 to /proc/sys/vm/drop_caches');
  const mode = ensureGnuTime(log);
  log(
    `measuring with ${mode === 'gnu-time' ? 'GNU time (wait4 rusage)' : '/proc polling'}; ${COLD ? 'COLD page cache (dropped before every run)' : 'warm page cache'}; ${RUNS} run(s) per row, medians; load now ${os.loadavg()[0].toFixed(2)}`,
  );
  const rows = [];
  const row = (name, m, { files, bytes, archives, note } = {}) => {
    rows.push({ name, m, files, bytes, archives, note });
    return m;
  };
  const archivesList = path.join(dir, 'archives.txt');
  const readFloorJs = path.join(ROOT, 'scripts/bench/read-floor.mjs');
  const floors = floorCommands(tree.dir, archivesList);
  // Cold: every measured run starts from an empty page cache. Warm: one unmeasured run first.
  const prep = COLD ? { before: dropCaches } : {};
  const warmUp = (cmd, args, opts) => (COLD ? Promise.resolve() : measure(cmd, args, opts));

  await warmUp('sh', floors.walk);
  const walkFloor = row(
    'walk floor: find -type f',
    await measureMedian(RUNS, 'sh', floors.walk, prep),
    {
      files: tree.files,
    },
  );
  // read floor (warms the archives' pages too); then the whole tree for the scan
  await warmUp(process.execPath, [readFloorJs, archivesList]);
  const readFloor = row(
    'read floor: every archive read once',
    await measureMedian(RUNS, process.execPath, [readFloorJs, archivesList], prep),
    { bytes: tree.archiveBytes, archives: tree.archives },
  );
  const walkRead = row(
    'find + every archive read once',
    await measureMedian(RUNS, 'sh', floors.walkRead, prep),
    { files: tree.files, bytes: tree.archiveBytes, archives: tree.archives },
  );
  const sniff = row(
    'sniff floor: find + 4 B of each + archives',
    await measureMedian(RUNS, 'sh', floors.sniff, prep),
    { files: tree.files, bytes: tree.archiveBytes, archives: tree.archives },
  );
  // every file of the tree read once: warms the plain files' pages for the scan; for reference
  if (!COLD)
    row(
      'read every file of the tree once',
      await measure(process.execPath, [readFloorJs, '--tree', tree.dir]),
      { files: tree.files, bytes: tree.bytes },
    );

  // the agent (and the baseline build, runs alternating so both see the same machine)
  const agent = await agentReady();
  let scan = null;
  let baseScan = null;
  let bigScan = null;
  let check = null;
  let bigCheck = null;
  if (agent.ok) {
    const out = path.join(dir, 'scan-tree.jsonl');
    const args = (main) => [main, 'scan', '--json', ...AGENT_ARGS, tree.dir];
    if (env.BENCH_WARM_SCAN === '1' && !COLD)
      await measure(process.execPath, args(AGENT), { stdoutFile: out, timeoutMs: TIMEOUT_MS });
    log(
      `running: node ${path.relative(ROOT, AGENT)} ${['scan', '--json', ...AGENT_ARGS, tree.dir].join(' ')}${BASELINE ? `, alternating with node ${BASELINE}` : ''}`,
    );
    const runs = { agent: [], base: [] };
    for (let i = 0; i < RUNS; i++) {
      prep.before?.();
      runs.agent.push(
        await measure(process.execPath, args(AGENT), { stdoutFile: out, timeoutMs: TIMEOUT_MS }),
      );
      if (BASELINE) {
        prep.before?.();
        const bout = path.join(dir, 'scan-tree-baseline.jsonl');
        runs.base.push(
          await measure(process.execPath, args(BASELINE), {
            stdoutFile: bout,
            timeoutMs: TIMEOUT_MS,
          }),
        );
      }
    }
    const counts = { files: tree.files, bytes: tree.bytes, archives: tree.archives };
    scan = row('agent scan --json <tree>', medians(runs.agent), counts);
    if (BASELINE) baseScan = row('baseline agent scan --json <tree>', medians(runs.base), counts);
    check = scanCheck(scan, out, tree.expected, tree.dir);
    if (env.BENCH_SKIP_BIG !== '1') {
      const bout = path.join(dir, 'scan-big.jsonl');
      if (!COLD) await measure('cat', [big.path]); // warm
      log(
        `running: node ${path.relative(ROOT, AGENT)} ${['scan', '--json', ...AGENT_ARGS, big.path].join(' ')}`,
      );
      bigScan = row(
        'agent scan --json <1 GB archive>',
        await measureMedian(
          RUNS,
          process.execPath,
          [AGENT, 'scan', '--json', ...AGENT_ARGS, big.path],
          { stdoutFile: bout, timeoutMs: TIMEOUT_MS, ...prep },
        ),
        { files: 1, bytes: big.bytes, archives: 1 },
      );
      bigCheck = scanCheck(bigScan, bout, big.expected, path.dirname(big.path));
    }
  } else {
    log(`\nAGENT SCAN NOT AVAILABLE: ${agent.reason}`);
    log('  (floors measured below; agent rows and targets are n/a)');
  }

  // ---- table
  log('');
  log(
    `${'measurement'.padEnd(42)} ${'wall s'.padStart(8)} ${'files/s'.padStart(10)} ${'MB/s'.padStart(8)} ${'arch/s'.padStart(8)} ${'user s'.padStart(7)} ${'sys s'.padStart(7)} ${'CPU s'.padStart(7)} ${'peak RSS MB'.padStart(11)}  exit`,
  );
  for (const r of rows) {
    const w = r.m.wall;
    log(
      `${r.name.padEnd(42)} ${fmt(w).padStart(8)} ${(r.files ? fmt(r.files / w, 0) : '').padStart(10)} ${(r.bytes ? fmt(r.bytes / MB / w, 0) : '').padStart(8)} ${(r.archives ? fmt(r.archives / w, 0) : '').padStart(8)} ${fmt(r.m.user).padStart(7)} ${fmt(r.m.sys).padStart(7)} ${fmt(r.m.cpu).padStart(7)} ${fmt(r.m.maxRssMB, 0).padStart(11)}  ${r.m.timedOut ? 'TIMEOUT' : (r.m.signal ?? r.m.code)}`,
    );
  }

  if (RUNS > 1)
    for (const r of rows)
      if (r.m.walls)
        log(
          `  ${r.name}: walls ${r.m.walls.map((w) => fmt(w)).join(' ')}; CPU ${r.m.cpus.map((c) => fmt(c)).join(' ')} (medians shown)`,
        );

  // ---- correctness
  if (check) printCheck('tree', check);
  if (bigCheck) printCheck('1 GB archive', bigCheck);

  // ---- targets
  // The issue's targets are for the full tree; at another scale, process start-up dominates
  // and the time targets are shown for information only (N/A).
  const full = SCALE === 1;
  const ok = (m) => m && !m.timedOut && !m.signal && check?.ran;
  log('');
  log(`targets${full ? '' : ` (BENCH_SCALE=${SCALE}: time targets apply to the full tree only)`}:`);
  const verdict = (name, pass, detail) =>
    log(`  ${pass === null ? 'N/A ' : pass ? 'PASS' : 'FAIL'}  ${name.padEnd(44)} ${detail}`);
  if (COLD) {
    verdict(
      'cold tree scan <= 1.3x content-sniffing floor',
      scan && full ? ok(scan) && scan.wall <= 1.3 * sniff.wall : null,
      scan ? `${fmt(scan.wall / sniff.wall)}x (floor ${fmt(sniff.wall)} s)` : '',
    );
  } else {
    verdict(
      'tree scan <= 2x find + every archive read once',
      scan && full ? ok(scan) && scan.wall <= 2 * walkRead.wall : null,
      scan ? `${fmt(scan.wall / walkRead.wall)}x (floor ${fmt(walkRead.wall)} s)` : '',
    );
  }
  verdict(
    'tree scan CPU <= 1/3 of the baseline build',
    scan && baseScan && full ? ok(scan) && scan.cpu <= baseScan.cpu / 3 : null,
    scan && baseScan
      ? `${fmt(scan.cpu)} s vs ${fmt(baseScan.cpu)} s (${fmt(scan.cpu / baseScan.cpu)}x; user ${fmt(scan.user)} vs ${fmt(baseScan.user)}, sys ${fmt(scan.sys)} vs ${fmt(baseScan.sys)})`
      : 'no BENCH_BASELINE_AGENT',
  );
  if (!COLD) {
    // The two warm targets above are below what any scanner that recognises archives by
    // content can reach: the sniffing floor (find, 4 bytes of every file, archives once)
    // alone takes about 2.7x the wall of find + archives, and more CPU than a third of the
    // baseline. The same targets restated against that floor, measured in the same run:
    // the wall within 2x of it, and the CPU spent above it cut to a third of the baseline's.
    verdict(
      'restated: tree scan <= 2x content-sniffing floor',
      scan && full ? ok(scan) && scan.wall <= 2 * sniff.wall : null,
      scan ? `${fmt(scan.wall / sniff.wall)}x (floor ${fmt(sniff.wall)} s)` : '',
    );
    const over = (m) => m.cpu - sniff.cpu;
    verdict(
      'restated: CPU above the sniffing floor <= 1/3 of baseline',
      scan && baseScan && full ? ok(scan) && over(scan) <= over(baseScan) / 3 : null,
      scan && baseScan
        ? `${fmt(over(scan))} s vs ${fmt(over(baseScan))} s above the floor's ${fmt(sniff.cpu)} CPU-s (${fmt(over(scan) / over(baseScan))}x)`
        : 'no BENCH_BASELINE_AGENT',
    );
  }
  verdict(
    `tree scan peak RSS < ${RSS_LIMIT_MB} MB`,
    scan ? ok(scan) && scan.maxRssMB < RSS_LIMIT_MB : null,
    scan ? `${fmt(scan.maxRssMB, 0)} MB` : '',
  );
  verdict(
    `1 GB archive scan peak RSS < ${RSS_LIMIT_MB} MB`,
    bigScan
      ? !bigScan.timedOut && !bigScan.signal && bigCheck?.ran && bigScan.maxRssMB < RSS_LIMIT_MB
      : null,
    bigScan
      ? `${fmt(bigScan.maxRssMB, 0)} MB, ${fmt(bigScan.wall)} s, found ${bigCheck?.vulnerableFound ?? 0}/${big.expected.length} copies`
      : '',
  );
  if (check?.ran)
    verdict(
      'tree: every vulnerable copy found, no FP',
      check.vulnerableMissed === 0 &&
        check.vulnerableWrongStatus === 0 &&
        check.nonVulnerableReportedVulnerable === 0 &&
        check.unexpectedVulnerable === 0,
      `${check.vulnerableFound}/${check.expectedVulnerable} found`,
    );
  if (scan)
    log(
      `  info: scan / (walk floor + read floor) = ${fmt(scan.wall / (walkFloor.wall + readFloor.wall))}x; scan / sniff floor = ${fmt(scan.wall / sniff.wall)}x; scan CPU ${fmt(scan.cpu)} s (user ${fmt(scan.user)}, sys ${fmt(scan.sys)}) on ${os.cpus().length} cores`,
    );
  log(
    `  load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (numbers are noisy when the machine is busy)`,
  );

  fs.writeFileSync(
    path.join(dir, 'last-results.json'),
    JSON.stringify(
      { at: new Date().toISOString(), scale: SCALE, cold: COLD, rows, check, bigCheck, agent },
      null,
      1,
    ),
  );
  log(`results: ${path.join(dir, 'last-results.json')}`);
}

function scanCheck(m, outFile, expected, baseDir) {
  if (m.timedOut) return { ran: false, reason: `timed out after ${TIMEOUT_MS / 1000} s` };
  if (m.signal) return { ran: false, reason: `killed by ${m.signal}: ${m.stderrTail}` };
  let parsed;
  try {
    parsed = parseScanOutput(outFile);
  } catch (err) {
    return { ran: false, reason: `cannot read scan output: ${err.message}` };
  }
  if (![0, 1, 2, 3].includes(m.code) && parsed.findings.length === 0)
    return { ran: false, reason: `exit ${m.code}, no findings parsed: ${m.stderrTail}` };
  return {
    ran: true,
    exit: m.code,
    findings: parsed.findings.length,
    errors: parsed.errors.length,
    unparsed: parsed.unparsed,
    summary: parsed.summary,
    ...compare(expected, parsed.findings, baseDir),
  };
}

function printCheck(label, c) {
  log('');
  if (!c.ran) return log(`correctness (${label}): scan did not complete: ${c.reason}`);
  log(
    `correctness (${label}): exit ${c.exit}, ${c.findings} findings, ${c.errors} scan errors${c.unparsed ? `, ${c.unparsed} unparsable lines` : ''}`,
  );
  log(
    `  vulnerable copies (44228/45046, or log4j 1.x): expected ${c.expectedVulnerable}, found ${c.vulnerableFound}, found but not judged vulnerable ${c.vulnerableWrongStatus}, missed ${c.vulnerableMissed}`,
  );
  log(
    `  other copies (fixed versions, JndiLookup stripped): expected ${c.nonVulnerableExpected}, reported with 44228/45046 ${c.nonVulnerableReportedVulnerable}, not reported ${c.nonVulnerableNotReported}; stripped reported "mitigated" ${c.mitigatedOk}/${c.mitigatedExpected}`,
  );
  log(
    `  matched ${c.matched}/${c.expected} expected copies; exact version ${c.versionMatches}/${c.matched}, exact CVE list ${c.cveMatches}/${c.matched}; unexpected findings ${c.unexpected} (with RCE CVEs ${c.unexpectedVulnerable})`,
  );
  for (const s of c.missedSamples) log(`    missed: ${s}`);
  for (const s of c.wrongSamples) log(`    wrong: ${s}`);
  for (const s of c.versionSamples ?? []) log(`    version: ${s}`);
  for (const u of c.unexpectedSamples)
    log(`    unexpected: ${u.status} ${u.version} ${u.path} [${u.packageRoot}]`);
}

/** Builds the agent when needed, then checks that `scan --json` works on a tiny directory. */
async function agentReady() {
  if (env.BENCH_BUILD === '1' || !fs.existsSync(AGENT)) {
    log(`building the agent: npx nx run agent:build`);
    const b = spawnSync('npx', ['nx', 'run', 'agent:build', '--skip-nx-cache'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    });
    if (b.status !== 0 || !fs.existsSync(AGENT))
      return {
        ok: false,
        reason: `agent build failed (exit ${b.status}): ${(b.stderr + b.stdout).trim().split('\n').slice(-6).join(' | ')}`,
      };
  }
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-probe-'));
  try {
    fs.copyFileSync(
      path.join(ROOT, 'libs/scanner/test/fixtures/corpus/log4j-core-2.14.1.jar'),
      path.join(probe, 'log4j-core-2.14.1.jar'),
    );
    const out = path.join(probe, 'out.jsonl');
    const m = await measure(process.execPath, [AGENT, 'scan', '--json', ...AGENT_ARGS, probe], {
      stdoutFile: out,
      timeoutMs: 60_000,
    });
    const parsed = fs.existsSync(out) ? parseScanOutput(out) : { findings: [] };
    if (m.timedOut) return { ok: false, reason: 'probe scan of one jar timed out (60 s)' };
    if (parsed.findings.length === 0) {
      const why = /unknown command|not implemented|placeholder/i.test(m.stderrTail)
        ? 'the scan command or engine is not implemented yet'
        : 'the probe scan of one log4j-core-2.14.1.jar reported no finding';
      return {
        ok: false,
        reason: `${why} (exit ${m.code}${m.signal ? ', ' + m.signal : ''}): ${m.stderrTail.split('\n').slice(-3).join(' | ')}`,
      };
    }
    return { ok: true };
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench-scan: ${err.stack ?? err}\n`);
  process.exit(2);
});
