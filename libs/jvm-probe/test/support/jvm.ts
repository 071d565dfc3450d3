import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** Compiles fixtures/Hold.java into dir (javac, at test time: nothing binary is checked in). */
export function compileHold(dir: string): void {
  execFileSync('javac', ['-d', dir, path.join(FIXTURES, 'Hold.java')], {
    timeout: 120_000,
    stdio: 'pipe',
  });
}

export interface StartedJvm {
  pid: number;
  child: ChildProcess;
}

export interface JvmSpec {
  /** Passed with -cp, or through the CLASSPATH variable when classpathVia is 'env'. */
  classpath: string;
  classpathVia?: 'option' | 'env';
  args: string[];
  props?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

const started: ChildProcess[] = [];

/** Starts Hold and resolves once it printed "ready" (it then holds its jars and sockets). */
export function startJvm(spec: JvmSpec): Promise<StartedJvm> {
  const child = spawn(
    'java',
    [
      '-Xmx32m',
      '-XX:+UseSerialGC',
      '-Xshare:auto',
      ...(spec.props ?? []),
      ...(spec.classpathVia === 'env' ? [] : ['-cp', spec.classpath]),
      'Hold',
      ...spec.args,
    ],
    {
      cwd: spec.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...(spec.classpathVia === 'env' ? { CLASSPATH: spec.classpath } : {}),
        ...spec.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready') && child.pid !== undefined) resolve({ pid: child.pid, child });
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`java exited (${code}) before ready: ${err}`)));
  });
}

/** SIGKILLs every JVM this suite started; safe to call twice. */
export function killAllJvms(): void {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
