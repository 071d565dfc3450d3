#!/usr/bin/env bash
# The full test suite, from a fresh checkout: installs npm packages when missing, makes
# sure Redis and PostgreSQL run (installing them from the system packages if needed),
# builds every project, runs every test and prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_ISOLATE_PLUGINS=false NX_TUI=false

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  bash scripts/ensure-build-tools.sh || exit 1
  npm ci --no-audit --no-fund || exit 1
fi
bash scripts/ensure-services.sh || exit 1
bash scripts/ensure-tools.sh || exit 1
npx nx run-many -t build --outputStyle=static || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# Static checks count as one test each in the closing line: the type-checked lint rules
# (module boundaries included) and a full type check of every project, specs included.
static_passed=0; static_failed=0
if npx eslint libs apps e2e; then static_passed=$((static_passed + 1)); else static_failed=$((static_failed + 1)); echo "lint failed"; fi
if npx nx run-many -t typecheck --outputStyle=static; then static_passed=$((static_passed + 1)); else static_failed=$((static_failed + 1)); echo "typecheck failed"; fi

results=$(mktemp --suffix=.json)
npx jest --json --outputFile="$results" --forceExit "$@"
code=$?
[ $static_failed -gt 0 ] && code=1
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failedSuites = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
  const passed = r.numPassedTests + Number(process.argv[2]);
  const failed = r.numFailedTests + failedSuites + Number(process.argv[3]);
  console.log(`${passed} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$results" "$static_passed" "$static_failed" || { echo "0 passed, 1 failed"; code=1; }
rm -f "$results"
exit $code
