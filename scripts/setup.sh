#!/usr/bin/env bash
# One-command set-up on a fresh Debian 12 machine (as root): Debian packages the box and its
# tests need, npm dependencies (mediasoup's download step skipped), and the mediasoup worker
# built from Debian libraries and cached outside the repo (~8 min the first time, ~1 s after).
# Safe to run again. Env: SKIP_APT=1 to skip apt-get (packages already there).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Runtime: the worker's shared libraries. Tests: real SIP peers, audio tools, capture, and
# Chromium for the browser tests (driven by playwright-core; never `npx playwright install`).
APT_PACKAGES=(
  libuv1 libssl3 libsrtp2-1 libabsl20220623 libflatbuffers2
  sip-tester baresip-core sox libsox-fmt-base espeak-ng tshark iproute2 procps curl
  # the branch-office test cuts the carrier path with nft (hil-tests/harness/netns.ts)
  nftables
  # the SIP security tests' scanners (svmap, svwar, svcrack)
  sipvicious
  asterisk-core-sounds-en-wav multimon-ng
  pocketsphinx pocketsphinx-en-us
  chromium
  # the HTTPS certificate made at the box's first start; a CJK font for Chinese web screenshots
  openssl fonts-wqy-microhei
)

# shellcheck source=lib/apt-ensure.sh
. scripts/lib/apt-ensure.sh
[ -n "${SKIP_APT:-}" ] || apt_ensure "${APT_PACKAGES[@]}"

if [ ! -d node_modules/mediasoup ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci (mediasoup's prebuilt download is skipped; the worker is built below)"
  MEDIASOUP_WORKER_BIN=/nonexistent npm ci --no-audit --no-fund --ignore-scripts
fi

# node-pty (the technician's web console) ships no Linux prebuild: build its addon against Node's headers.
[ -f node_modules/node-pty/build/Release/pty.node ] || { log "node-pty addon (node-gyp)"; npm rebuild node-pty --no-audit --no-fund >/dev/null; }
bash scripts/build-mediasoup-worker.sh
log "web app (Vite) -> build/web"
npm run --silent build:web >/dev/null
# UDP buffer caps as the image sets them (image/overlay/etc/sysctl.d/60-callcenter.conf), so the
# box's recording and SIP sockets get the buffers they ask for here too; only ever raised.
while read -r key value; do
	current="$(sysctl -n "$key" 2>/dev/null || echo 0)"
	if [ "$current" -lt "$value" ] 2>/dev/null; then
		sysctl -q -w "$key=$value" >/dev/null 2>&1 && log "$key $current -> $value" || log "could not raise $key (not root?): the recording socket keeps a smaller buffer"
	fi
done < <(sed -n 's/^\(net\.[a-z._]*\) *= *\([0-9]*\)$/\1 \2/p' image/overlay/etc/sysctl.d/60-callcenter.conf)
# Prompt set (English Asterisk sounds, Chinese by espeak-ng, music on hold), built offline.
bash scripts/prompts.sh build/prompts
log "done: 'npm start' runs the box, 'npm test' runs the tests"
