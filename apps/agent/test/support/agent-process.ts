import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const AGENT_BUNDLE = path.join(REPO_ROOT, 'dist/apps/agent/main.js');

/** Bundles the agent as shipped (apps/agent/build.mjs, esbuild: milliseconds). */
export function buildAgentBundle(): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'apps/agent/build.mjs')], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`agent build produced no ${AGENT_BUNDLE}`);
}

export interface AgentRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the bundled agent to completion (enroll). */
export function runAgent(args: string[], env: NodeJS.ProcessEnv = {}): Promise<AgentRun> {
  const child = spawnAgent(args, env);
  return exited(child);
}

export function spawnAgent(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [AGENT_BUNDLE, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  return Object.assign(child, { output });
}

export function exited(
  child: ChildProcess & { output: { stdout: string; stderr: string } },
): Promise<AgentRun> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode, ...child.output });
      return;
    }
    child.once('close', (code, signal) => resolve({ code, signal, ...child.output }));
  });
}
