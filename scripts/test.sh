#!/usr/bin/env bash
# `npm test`: static checks, unit and integration tests (real PostgreSQL), browser tests.
set -euo pipefail
export NEXT_TELEMETRY_DISABLED=1

step() { printf '\n=== %s ===\n' "$1"; }

step "Prisma client"
npm run --silent db:generate > /dev/null
step "Lint"
npm run --silent lint
step "Format"
npm run --silent format:check
step "Typecheck"
npm run --silent typecheck
step "Chromium, Prometheus and kubectl"
bash scripts/ensure-chromium.sh
bash scripts/ensure-prometheus.sh
bash scripts/ensure-kubectl.sh
step "Unit and integration tests"
npx vitest run --project unit --project integration
step "Browser tests"
# The typecheck above covers the app with the build's compiler options: the build the browser
# tests start (`npm start`, reused by every app they start) skips its own TypeScript pass.
export FLIGHTDECK_BUILD_TYPECHECK=0
npx playwright test
