import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
const API = path.join(FIXTURES, 'log4j-api-2.14.1.jar');
export const CORE = {
  vulnerable: path.join(FIXTURES, 'log4j-core-2.14.1.jar'),
  fixed: path.join(FIXTURES, 'log4j-core-2.17.1.jar'),
} as const;

/**
 * Compiles the test programs into dir with javac (nothing binary but the release jars is
 * checked in). api-shim/ holds log4j-api's Constants with the two fields log4j-core 2.17.1
 * reads that api 2.14.1 lacks: only api 2.14.1 is in the fixtures.
 */
export function compileFixtures(dir: string): void {
  const javac = (out: string, ...files: string[]): void =>
    void execFileSync('javac', ['-cp', API, '-d', out, ...files], {
      timeout: 120_000,
      stdio: 'pipe',
    });
  javac(dir, path.join(FIXTURES, 'ProbeService.java'), path.join(FIXTURES, 'Lookup.java'));
  javac(path.join(dir, 'shim'), path.join(FIXTURES, 'api-shim', 'Constants.java'));
}

export interface Service {
  port: number;
  pid: number;
  child: ChildProcess;
  /** What the service printed (log4j's console appender writes to stdout). */
  output(): string;
}

const started: ChildProcess[] = [];

/** Starts ProbeService with a log4j-core on its classpath; resolves once it printed its port. */
export function startService(
  dir: string,
  core: string,
  mode: string,
  opts: { jvmArgs?: string[] } = {},
): Promise<Service> {
  const classpath = [dir, ...(core === CORE.fixed ? [path.join(dir, 'shim')] : []), API, core];
  const child = spawn(
    'java',
    [
      '-Xmx64m',
      '-XX:+UseSerialGC',
      ...(opts.jvmArgs ?? []),
      '-cp',
      classpath.join(':'),
      'ProbeService',
      mode,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  );
  started.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ProbeService did not start: ${out}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), pid: child.pid, child, output: () => out });
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`ProbeService exited (${code}): ${out}`)));
  });
}

/** Runs Lookup (one JNDI lookup of url) and resolves with what it printed. */
export function runLookup(dir: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx32m', '-cp', dir, 'Lookup', url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
}

/** SIGKILLs every JVM this suite started; safe to call twice. */
export function killAll(): void {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
