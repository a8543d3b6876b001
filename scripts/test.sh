#!/usr/bin/env bash
# `npm test`: static checks, unit and integration tests (real PostgreSQL), browser tests.
set -euo pipefail
export NEXT_TELEMETRY_DISABLED=1

step() { printf '\n=== %s ===\n' "$1"; }

step "Prisma client"
npm run --silent db:generate > /dev/null

# Lint, format and typecheck are single-threaded: they run side by side, each printed whole.
checks="$(mktemp -d)"
trap 'rm -rf "$checks"' EXIT
for check in lint format:check typecheck; do
  (
    rc=0
    npm run --silent "$check" > "$checks/$check.log" 2>&1 || rc=$?
    echo "$rc" > "$checks/$check.rc"
  ) &
done
wait
failed=0
for check in lint format:check typecheck; do
  step "$(case "$check" in lint) echo Lint ;; format:check) echo Format ;; typecheck) echo Typecheck ;; esac)"
  cat "$checks/$check.log"
  if [ "$(cat "$checks/$check.rc")" != 0 ]; then
    echo "$check failed"
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
step "Chromium, Prometheus and kubectl"
bash scripts/ensure-chromium.sh
bash scripts/ensure-prometheus.sh
bash scripts/ensure-kubectl.sh
# The typecheck above covers the app with the build's compiler options: the build the browser
# tests start (`npm start`, reused by every app they start) skips its own TypeScript pass.
export FLIGHTDECK_BUILD_TYPECHECK=0
# The production build is made beside the unit and integration tests (which mostly wait on
# PostgreSQL); the browser tests' `npm start` finds it made from the same sources and reuses it.
(
  rc=0
  npx tsx scripts/lib/build.ts > "$checks/build.log" 2>&1 || rc=$?
  echo "$rc" > "$checks/build.rc"
) &
build=$!
trap 'kill "$build" 2> /dev/null || true; rm -rf "$checks"' EXIT

step "Unit and integration tests"
npx vitest run --project unit --project integration
step "Production build"
wait "$build" || true
cat "$checks/build.log"
if [ "$(cat "$checks/build.rc" 2> /dev/null)" != 0 ]; then
  echo "The production build failed."
  exit 1
fi
# The fault-injection suite's short version (the full one is `npm run reliability`): real web and
# worker processes from the build, killed and flooded. Before the browser tests, whose summary
# ends the output.
step "Reliability (short)"
npx tsx tests/reliability/run.ts --short
step "Browser tests"
npx playwright test
