#!/usr/bin/env bash
# The full test suite, from a fresh checkout: installs npm packages when missing, makes
# sure Redis and PostgreSQL run (installing them from the system packages if needed),
# builds every project, runs every test and prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_ISOLATE_PLUGINS=false NX_TUI=false

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || exit 1
fi
bash scripts/ensure-services.sh || exit 1
bash scripts/ensure-tools.sh || exit 1
npx nx run-many -t build --outputStyle=static || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp --suffix=.json)
npx jest --json --outputFile="$results" --forceExit "$@"
code=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failedSuites = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
  const passed = r.numPassedTests;
  const failed = r.numFailedTests + failedSuites;
  console.log(`${passed} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$results" || echo "0 passed, 1 failed"
rm -f "$results"
exit $code
