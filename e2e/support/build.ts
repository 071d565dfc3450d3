import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const AGENT_MAIN = path.join(REPO_ROOT, 'dist/apps/agent/main.js');
export const CONTROLLER_MAIN = path.join(REPO_ROOT, 'dist/apps/controller/main.js');

/**
 * The e2e target builds both apps first (e2e/project.json dependsOn). When jest is run
 * directly, the agent is bundled here (esbuild, fast) and the controller compiled only if
 * it has never been built.
 */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'apps/agent/build.mjs')], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (!existsSync(CONTROLLER_MAIN)) {
    execFileSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        'apps/controller/tsconfig.app.json',
      ],
      {
        cwd: REPO_ROOT,
        stdio: 'inherit',
      },
    );
  }
  for (const file of [AGENT_MAIN, CONTROLLER_MAIN]) {
    if (!existsSync(file))
      throw new Error(
        `${file} is missing: build it with "npx nx run-many -t build -p agent controller"`,
      );
  }
}
