// Bundles the agent into dist/apps/agent: main.js (CLI + daemon) and scan-worker.js
// (the scanner's worker thread entry, loaded by path from main.js's directory).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
await build({
  absWorkingDir: root,
  entryPoints: {
    main: 'apps/agent/src/main.ts',
    'scan-worker': 'libs/scanner/src/worker/scan-worker.ts',
  },
  outdir: 'dist/apps/agent',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  tsconfig: 'tsconfig.base.json',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
