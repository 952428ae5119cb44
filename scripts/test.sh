#!/usr/bin/env bash
# The test command: installs what is missing, type-checks, checks format and lint (Biome, see
# CONTRIBUTING.md), then runs every test (unit, API, and end to end on real ffmpeg, redis-server
# and s3rver, all started by the tests themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npx tsc --noEmit -p .
npx tsc -p orchestrator/console
npx biome ci --colors=off .
mkdir -p test-output
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@" || status=$?
# A closing line any CI can read, whatever the runner printed above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-output/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);' || true
exit "$status"
