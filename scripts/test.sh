#!/usr/bin/env bash
# The test command (npm test, and .ci/run): set-up if needed, typecheck, unit tests beside
# the code, then whole-box tests with real SIP peers. Fails on the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"
npx tsc --noEmit -p .
npx tsc --noEmit -p system/web
echo "== unit tests"
node --import tsx --test --test-concurrency=1 --test-reporter=spec \
  $(find system media appliance -name '*.test.ts' | sort)
export CC_ARTIFACTS_DIR="${CC_ARTIFACTS_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/cc-web-artifacts-XXXXXX")}"
echo "== whole-box tests (real sipp, baresip, mediasoup, LMDB, Chromium); web screenshots in $CC_ARTIFACTS_DIR"
# *.heavy.test.ts (load, scanners, long multi-party scenarios) run in `npm run test:hil` only,
# so this suite stays well inside CI's 30 minutes (hil-tests/README.md).
node --import tsx --test --test-concurrency=1 --test-reporter=spec \
  $(find hil-tests -name '*.test.ts' ! -name '*.heavy.test.ts' | sort)
