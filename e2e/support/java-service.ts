import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './build';

// The canary probe's test service (libs/probe/test/fixtures, see its README): the JDK's HTTP
// server logging a request header with log4j, compiled here with javac from the sources there.
const FIXTURES = path.join(REPO_ROOT, 'libs/probe/test/fixtures');
const API = path.join(FIXTURES, 'log4j-api-2.14.1.jar');
export const LOG4J_CORE = {
  vulnerable: path.join(FIXTURES, 'log4j-core-2.14.1.jar'),
  fixed: path.join(FIXTURES, 'log4j-core-2.17.1.jar'),
} as const;

export function compileProbeService(dir: string): void {
  const javac = (out: string, file: string): void =>
    void execFileSync('javac', ['-cp', API, '-d', out, file], { timeout: 120_000, stdio: 'pipe' });
  javac(dir, path.join(FIXTURES, 'ProbeService.java'));
  javac(path.join(dir, 'shim'), path.join(FIXTURES, 'api-shim/Constants.java'));
}

export interface JavaService {
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the service on 127.0.0.1 (`port`, or a free one) logging header `header`. */
export function startJavaService(
  dir: string,
  core: string,
  header: string,
  port = 0,
): Promise<JavaService> {
  const classpath = [
    dir,
    ...(core === LOG4J_CORE.fixed ? [path.join(dir, 'shim')] : []),
    API,
    core,
  ];
  const child = spawn(
    'java',
    [
      '-Xmx64m',
      '-XX:+UseSerialGC',
      '-cp',
      classpath.join(':'),
      'ProbeService',
      `header:${header}`,
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`ProbeService did not start: ${out}`));
    }, 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), pid: child.pid, child, stop });
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`ProbeService exited (${code}): ${out}`)));
  });
}
