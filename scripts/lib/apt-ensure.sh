# shellcheck shell=bash
# apt_ensure PKG...: install the Debian packages that are not installed yet (apt-get update
# only when something is missing). Sourced by setup.sh and build-mediasoup-worker.sh.
apt_ensure() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	printf '[apt] installing %s\n' "${missing[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
