#!/usr/bin/env node
// `npm start [-- [--once] [PATH...]]`: brings log4fleet up on this machine and runs its main job.
//
// 1. installs npm packages when missing, makes sure Redis runs (installs it from the system
//    packages when absent), builds the agent and the controller;
// 2. starts the controller (SQLite in .log4fleet/, gRPC plaintext on loopback only), with an
//    admin API token kept in .log4fleet/admin-token (created once, mode 0600);
// 3. enrolls a local agent with a fresh enrollment token (state in .log4fleet/agent) and
//    starts its daemon;
// 4. triggers a scan of this host through the REST API (PATHs, default "/"), waits for the
//    results and prints the host's verdict and findings;
// 5. keeps controller and agent running (Ctrl-C stops both), or exits with --once.
//
// Env: HTTP_PORT (8080), GRPC_PORT (50051), REDIS_URL, SCAN_TIMEOUT_S (1800).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = path.join(root, '.log4fleet');
const agentState = path.join(stateDir, 'agent');
const httpPort = Number(process.env.HTTP_PORT || 8080);
const grpcPort = Number(process.env.GRPC_PORT || 50051);
const api = `http://127.0.0.1:${httpPort}/api/v1`;
const args = process.argv.slice(2);
const once = args.includes('--once');
const scanPaths = args.filter((a) => !a.startsWith('--'));
const children = [];

function step(msg) {
  process.stdout.write(`\n==> ${msg}\n`);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed with exit code ${r.status}`);
}

function adminToken() {
  const file = path.join(stateDir, 'admin-token');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const alnum = (n) =>
    randomBytes(n * 2)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, n);
  const token = `l4f_${alnum(12).toLowerCase()}_${alnum(48)}`;
  fs.writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

function startChild(name, cmd, argv, env) {
  const log = fs.openSync(path.join(stateDir, `${name}.log`), 'a');
  const child = spawn(cmd, argv, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!shuttingDown)
      console.error(`${name} exited (code ${code}, signal ${signal}); see .log4fleet/${name}.log`);
  });
  return child;
}

let shuttingDown = false;
function shutdown(code) {
  shuttingDown = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

async function http(method, url, token, body) {
  const res = await fetch(`${api}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`);
  return data;
}

/** The host id this controller holds for this machine's id (as the agent reads it), if any. */
async function hostOfThisMachine(token) {
  let machineId = process.env.LOG4FLEET_MACHINE_ID || '';
  if (!machineId) {
    try {
      machineId = fs.readFileSync('/etc/machine-id', 'utf8');
    } catch {
      return undefined;
    }
  }
  machineId = machineId.trim().slice(0, 64);
  for (let page = 1; ; page++) {
    const { items } = await http('GET', `/hosts?pageSize=500&page=${page}`, token);
    const host = items.find((h) => h.machineId === machineId);
    if (host) return host.id;
    if (items.length < 500) return undefined;
  }
}

async function waitFor(what, fn, timeoutMs, intervalMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function printFindings(host, findings) {
  console.log(
    `\nHost ${host.hostname} (${host.id}): status ${host.status}${host.flagged ? ` [flagged: ${host.flagReason}]` : ''}`,
  );
  if (findings.length === 0) {
    console.log('No copy of log4j found.');
    return;
  }
  const rows = findings.map((f) => [
    f.status,
    f.product,
    f.version,
    (f.cves || []).join(','),
    f.path,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 6));
  for (const r of rows) console.log(r.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  '));
}

async function main() {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(path.join(root, 'node_modules'))) {
    step('installing npm packages');
    run('bash', ['scripts/ensure-build-tools.sh']);
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
  step('making sure Redis runs');
  run('bash', ['scripts/ensure-services.sh'], {
    env: { ...process.env, LOG4FLEET_SKIP_POSTGRES: '1' },
  });
  step('building agent and controller');
  run(
    'npx',
    ['nx', 'run-many', '-t', 'build', '-p', 'agent', 'controller', '--outputStyle=static'],
    {
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    },
  );

  const token = adminToken();
  step(
    `starting the controller (REST http://127.0.0.1:${httpPort}/api/v1, gRPC 127.0.0.1:${grpcPort})`,
  );
  // Heap: see deploy/controller/README.md ("Heap size").
  startChild(
    'controller',
    process.execPath,
    ['--max-old-space-size=512', 'dist/apps/controller/main.js'],
    {
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      GRPC_HOST: '127.0.0.1',
      GRPC_INSECURE: '1',
      SQLITE_PATH: path.join(stateDir, 'controller.sqlite'),
      LOG4FLEET_ADMIN_TOKEN: token,
    },
  );
  await waitFor(
    'the controller to be ready',
    async () => (await fetch(`${api}/health/ready`)).ok,
    60_000,
  );

  const agent = path.join(root, 'dist/apps/agent/main.js');
  const credentialsFile = path.join(agentState, 'credentials.json');
  const controllerUrl = `grpc://127.0.0.1:${grpcPort}`;
  const enrolledTo = fs.existsSync(credentialsFile)
    ? JSON.parse(fs.readFileSync(credentialsFile, 'utf8')).controllerUrl
    : null;
  if (enrolledTo !== controllerUrl) {
    step(`enrolling the local agent with ${controllerUrl}`);
    // A machine this controller knows, enrolled without proof of its agent (its state was lost,
    // or it was enrolled elsewhere): the admin running npm start approves the replacement.
    const known = await hostOfThisMachine(token);
    const enrollment = await http('POST', '/enrollment-tokens', token, {
      name: 'local agent (npm start)',
      maxUses: 1,
      expiresInHours: 1,
      tags: ['local'],
      ...(known ? { replaceHostId: known } : {}),
    });
    run(
      process.execPath,
      [
        agent,
        'enroll',
        '--controller',
        controllerUrl,
        '--insecure',
        '--state-dir',
        agentState,
        ...(enrolledTo ? ['--force'] : []),
      ],
      // The token travels in the environment, not on a command line every user can read.
      { env: { ...process.env, LOG4FLEET_ENROLL_TOKEN: enrollment.token } },
    );
  }
  step('starting the agent daemon');
  const agentStartedAt = Date.now();
  startChild('agent', process.execPath, [agent, 'run', '--state-dir', agentState]);

  const hostId = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')).hostId;
  // The agent's Hello stamps the host as seen: a stamp newer than the agent's start means connected.
  await waitFor(
    'the agent to connect',
    async () => {
      const { host } = await http('GET', `/hosts/${hostId}`, token);
      return host.lastSeenAt && Date.parse(host.lastSeenAt) >= agentStartedAt - 1000;
    },
    60_000,
  );

  step(`scanning this host: ${scanPaths.length ? scanPaths.join(' ') : '/ and its running JVMs'}`);
  const started = Date.now();
  const command = await http('POST', `/hosts/${hostId}/scans`, token, {
    paths: scanPaths,
    exclude: [stateDir],
  });
  const timeoutS = Number(process.env.SCAN_TIMEOUT_S || 1800);
  const done = await waitFor(
    'the scan to finish',
    async () => {
      const c = await http('GET', `/commands/${command.id}`, token);
      return ['succeeded', 'failed', 'expired', 'cancelled'].includes(c.state) ? c : null;
    },
    timeoutS * 1000,
    1000,
  );
  if (done.state !== 'succeeded') throw new Error(`scan ${done.state}: ${done.message ?? ''}`);
  // The agent uploads the results in chunks after it reported success: wait until all are stored.
  const detail = await waitFor(
    'the results to be stored',
    async () => {
      const d = await http('GET', `/hosts/${hostId}`, token);
      return d.latestScan?.commandId === command.id ? d : null;
    },
    120_000,
    1000,
  );
  printFindings(detail.host, detail.findings);
  const s = detail.latestScan.summary;
  console.log(
    `\n${s.files} files, ${s.archives} archives, ${s.errors} errors; scan took ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );

  if (once) return shutdown(0);
  console.log(`\nlog4fleet is running. API docs: http://127.0.0.1:${httpPort}/api/docs`);
  console.log(
    `Admin token: .log4fleet/admin-token. Logs: .log4fleet/*.log. Ctrl-C stops controller and agent.`,
  );
}

main().catch((err) => {
  console.error(`npm start: ${err.message}`);
  shutdown(1);
});
