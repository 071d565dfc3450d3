import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { FIXTURES } from './jars';

/** Compiles fixture sources into `dir` (javac at test time: nothing compiled is checked in). */
export function javac(dir: string, sources: string[], classpath?: string): void {
  execFileSync(
    'javac',
    [
      '-d',
      dir,
      ...(classpath ? ['-cp', classpath] : []),
      ...sources.map((s) => path.join(FIXTURES, s)),
    ],
    {
      timeout: 120_000,
      stdio: 'pipe',
    },
  );
}

export interface JavaRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const JVM_FLAGS = ['-Xmx64m', '-XX:+UseSerialGC', '-Xshare:auto'];
const started: ChildProcess[] = [];

/** Runs java to its end (asynchronously: the test's listener must keep accepting meanwhile). */
export function runJava(args: string[], timeoutMs = 90_000): Promise<JavaRun> {
  const child = spawn('java', [...JVM_FLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts java and resolves once it printed `marker` (it keeps running). */
export function startJava(args: string[], marker: string): Promise<ChildProcess> {
  const child = spawn('java', [...JVM_FLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(marker)) resolve(child);
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      reject(new Error(`java exited (${code}) before "${marker}": ${err}`)),
    );
  });
}

export function killAllJava(): void {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** A TCP listener on 127.0.0.1 that counts connections and drops each at once. */
export interface Listener {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

export function countingListener(): Promise<Listener> {
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      resolve({
        port: addr.port,
        connections: () => count,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
