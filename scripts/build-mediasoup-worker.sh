#!/usr/bin/env bash
# Builds mediasoup-worker for the pinned mediasoup 3.27.x npm package from
# Debian bookworm packages only (no prebuilt download, no pip, no meson wrap
# download). Every meson wrap subproject is replaced by a local one pointing at
# the Debian library, plus two shims: libsrtp3 API -> libsrtp2, and
# ankerl/unordered_dense.h -> std::unordered_{map,set}.
# Called by scripts/setup.sh after `MEDIASOUP_WORKER_BIN=/nonexistent npm ci`.
# The binary is cached outside the repo (~/.cache/mediasoup-worker/<version>-...)
# so a second setup copies it in ~1 s instead of building for ~8 min.
# Env: MS_PKG_DIR (node_modules/mediasoup), MS_CACHE_DIR, MS_JOBS (nproc),
# MS_STRIP=1, MS_FORCE=1 (rebuild), SKIP_APT=1.
set -euo pipefail

MS_PKG_DIR="${MS_PKG_DIR:-node_modules/mediasoup}"
MS_CACHE_DIR="${MS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mediasoup-worker}"
MS_JOBS="${MS_JOBS:-$(nproc)}"
SHIM_REV=1 # bump when the shims below change (invalidates the cache)
APT_PACKAGES=(g++ patch pkg-config meson ninja-build libuv1-dev libssl-dev libsrtp2-dev
	libabsl-dev libflatbuffers-dev flatbuffers-compiler)

log() { printf '[build-mediasoup-worker] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -f "$MS_PKG_DIR/package.json" ] || die "$MS_PKG_DIR/package.json not found (run npm ci first)"
MS_VERSION="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$MS_PKG_DIR/package.json" | head -1)"
case "$MS_VERSION" in 3.27.*) ;; *) die "shims are written for mediasoup 3.27.x, found $MS_VERSION" ;; esac

# 1. Debian packages (apt is only touched when something is missing).
# shellcheck source=lib/apt-ensure.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt-ensure.sh"
[ -n "${SKIP_APT:-}" ] || apt_ensure "${APT_PACKAGES[@]}"
for tool in meson ninja flatc pkg-config c++; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install ${APT_PACKAGES[*]})"
done

OUT_BIN="$MS_PKG_DIR/worker/out/Release/mediasoup-worker"
PATCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/mediasoup-worker-patches"
PATCH_SUM="$(cat "$PATCH_DIR"/*.patch 2>/dev/null | sha256sum | cut -c1-12)"
CACHED_BIN="$MS_CACHE_DIR/$MS_VERSION-shim$SHIM_REV-p$PATCH_SUM-$(uname -m)/mediasoup-worker"

# 2. Cache hit (npm ci wipes node_modules; the cache survives): copy, done.
if [ -z "${MS_FORCE:-}" ] && [ -x "$CACHED_BIN" ] && ! ldd "$CACHED_BIN" | grep -q "not found"; then
	install -D -m 0755 "$CACHED_BIN" "$OUT_BIN"
	log "using cached $CACHED_BIN -> $OUT_BIN"
	exit 0
fi

# 3. Build in a temporary copy of the worker sources.
BUILD_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")"
trap 'rm -rf "$BUILD_ROOT"' EXIT
cp -a "$MS_PKG_DIR/worker" "$BUILD_ROOT/worker"
W="$BUILD_ROOT/worker" S="$BUILD_ROOT/shims"
mkdir -p "$S"/{libuv,openssl,flatbuffers,abseil-cpp,unordered-dense/include/ankerl,libsrtp3/include}
for d in libuv openssl flatbuffers abseil-cpp; do echo '/* system library shim */' >"$S/$d/empty.c"; done

# 4. Shim subprojects (variables named as mediasoup's meson.build expects them;
#    the empty static libraries only feed link_whole of libmediasoup-worker).
cat >"$S/libuv/meson.build" <<'EOF'
project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = static_library('uv_system_shim', 'empty.c', dependencies: libuv_dep)
EOF
cat >"$S/libuv/meson_options.txt" <<'EOF'
option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)
EOF
cat >"$S/openssl/meson.build" <<'EOF'
project('openssl', 'c')
openssl_dep = dependency('openssl')
libcrypto_lib = static_library('crypto_system_shim', 'empty.c', dependencies: dependency('libcrypto'))
libssl_lib = static_library('ssl_system_shim', 'empty.c', dependencies: dependency('libssl'))
EOF
# flatc itself is found on PATH (/usr/bin/flatc) by worker/fbs/FBS/meson.build.
cat >"$S/flatbuffers/meson.build" <<'EOF'
project('flatbuffers', 'c', 'cpp')
flatbuffers_dep = dependency('flatbuffers')
flatbuffers_lib = static_library('flatbuffers_system_shim', 'empty.c', dependencies: flatbuffers_dep)
EOF
cat >"$S/abseil-cpp/meson.build" <<'EOF'
project('abseil-cpp', 'c', 'cpp')
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency(dependencies: [dependency('absl_optional'), dependency('absl_memory')])
absl_container_dep = declare_dependency(dependencies: [dependency('absl_flat_hash_map'), dependency('absl_inlined_vector')])
absl_container_lib = static_library('absl_container_system_shim', 'empty.c', dependencies: absl_container_dep)
EOF
cat >"$S/unordered-dense/meson.build" <<'EOF'
project('ankerl-unordered-dense', 'cpp')
ankerl_unordered_dense_dep = declare_dependency(include_directories: include_directories('include'))
EOF
cat >"$S/unordered-dense/include/ankerl/unordered_dense.h" <<'EOF'
// Shim: the subset of ankerl::unordered_dense mediasoup uses (map, set, hash),
// aliased to the standard library (whose iterators/references are more stable).
#ifndef ANKERL_UNORDERED_DENSE_SHIM_H
#define ANKERL_UNORDERED_DENSE_SHIM_H
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>
namespace ankerl::unordered_dense
{
	template<class T, class Enable = void>
	struct hash : std::hash<T>
	{
	};
	template<class K, class V, class H = hash<K>, class E = std::equal_to<K>, class A = std::allocator<std::pair<const K, V>>>
	using map = std::unordered_map<K, V, H, E, A>;
	template<class K, class H = hash<K>, class E = std::equal_to<K>, class A = std::allocator<K>>
	using set = std::unordered_set<K, H, E, A>;
} // namespace ankerl::unordered_dense
#endif
EOF
cat >"$S/libsrtp3/meson.build" <<'EOF'
project('libsrtp3', 'c')
libsrtp2_system_dep = dependency('libsrtp2')
libsrtp3 = static_library('srtp3_shim', 'srtp3_shim.c', dependencies: libsrtp2_system_dep)
libsrtp3_dep = declare_dependency(include_directories: include_directories('include'),
  link_with: libsrtp3, dependencies: libsrtp2_system_dep)
EOF
cat >"$S/libsrtp3/meson_options.txt" <<'EOF'
option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'string', value: 'disabled')
option('tests', type: 'string', value: 'disabled')
EOF
cat >"$S/libsrtp3/include/srtp.h" <<'EOF'
/* Shim: the libsrtp 3.x API subset used by mediasoup, implemented in
 * srtp3_shim.c on Debian's libsrtp2. Functions are renamed by macros so they
 * never clash with libsrtp2 symbols of the same name and another signature. */
#ifndef MS_SRTP3_SHIM_SRTP_H
#define MS_SRTP3_SHIM_SRTP_H
#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif
#ifdef __cplusplus
extern "C" {
#endif
#define SRTP_MAX_TAG_LEN 16
#define SRTP_MAX_MKI_LEN 128
#define SRTP_MAX_TRAILER_LEN (SRTP_MAX_TAG_LEN + SRTP_MAX_MKI_LEN)
typedef enum { /* values 0..27 equal libsrtp2's */
	srtp_err_status_ok, srtp_err_status_fail, srtp_err_status_bad_param,
	srtp_err_status_alloc_fail, srtp_err_status_dealloc_fail, srtp_err_status_init_fail,
	srtp_err_status_terminus, srtp_err_status_auth_fail, srtp_err_status_cipher_fail,
	srtp_err_status_replay_fail, srtp_err_status_replay_old, srtp_err_status_algo_fail,
	srtp_err_status_no_such_op, srtp_err_status_no_ctx, srtp_err_status_cant_check,
	srtp_err_status_key_expired, srtp_err_status_socket_err, srtp_err_status_signal_err,
	srtp_err_status_nonce_bad, srtp_err_status_read_fail, srtp_err_status_write_fail,
	srtp_err_status_parse_err, srtp_err_status_encode_err, srtp_err_status_semaphore_err,
	srtp_err_status_pfkey_err, srtp_err_status_bad_mki, srtp_err_status_pkt_idx_old,
	srtp_err_status_pkt_idx_adv, srtp_err_status_buffer_small, srtp_err_status_cryptex_err
} srtp_err_status_t;
typedef enum {
	srtp_profile_reserved = 0, srtp_profile_aes128_cm_sha1_80 = 1, srtp_profile_aes128_cm_sha1_32 = 2,
	srtp_profile_null_sha1_80 = 5, srtp_profile_null_sha1_32 = 6,
	srtp_profile_aead_aes_128_gcm = 7, srtp_profile_aead_aes_256_gcm = 8
} srtp_profile_t;
typedef enum { ssrc_undefined = 0, ssrc_specific = 1, ssrc_any_inbound = 2, ssrc_any_outbound = 3 } srtp_ssrc_type_t;
typedef struct { srtp_ssrc_type_t type; unsigned int value; } srtp_ssrc_t;
typedef struct srtp_ctx_t_ srtp_ctx_t;
typedef srtp_ctx_t* srtp_t;
typedef struct ms_srtp3_policy* srtp_policy_t;
typedef enum { event_ssrc_collision, event_key_soft_limit, event_key_hard_limit, event_packet_index_limit } srtp_event_t;
typedef struct srtp_event_data_t { srtp_t session; uint32_t ssrc; srtp_event_t event; } srtp_event_data_t;
typedef void(srtp_event_handler_func_t)(srtp_event_data_t* data);

#define srtp_init ms_srtp3_init
#define srtp_shutdown ms_srtp3_shutdown
#define srtp_get_version_string ms_srtp3_get_version_string
#define srtp_install_event_handler ms_srtp3_install_event_handler
#define srtp_policy_create ms_srtp3_policy_create
#define srtp_policy_destroy ms_srtp3_policy_destroy
#define srtp_policy_set_ssrc ms_srtp3_policy_set_ssrc
#define srtp_policy_set_profile ms_srtp3_policy_set_profile
#define srtp_policy_add_key ms_srtp3_policy_add_key
#define srtp_policy_set_allow_repeat_tx ms_srtp3_policy_set_allow_repeat_tx
#define srtp_policy_set_window_size ms_srtp3_policy_set_window_size
#define srtp_profile_get_master_key_length ms_srtp3_profile_get_master_key_length
#define srtp_profile_get_master_salt_length ms_srtp3_profile_get_master_salt_length
#define srtp_create ms_srtp3_create
#define srtp_dealloc ms_srtp3_dealloc
#define srtp_stream_remove ms_srtp3_stream_remove
#define srtp_protect ms_srtp3_protect
#define srtp_unprotect ms_srtp3_unprotect
#define srtp_protect_rtcp ms_srtp3_protect_rtcp
#define srtp_unprotect_rtcp ms_srtp3_unprotect_rtcp

srtp_err_status_t srtp_init(void);
srtp_err_status_t srtp_shutdown(void);
const char* srtp_get_version_string(void);
srtp_err_status_t srtp_install_event_handler(srtp_event_handler_func_t func);
srtp_err_status_t srtp_policy_create(srtp_policy_t* policy);
void srtp_policy_destroy(srtp_policy_t policy);
srtp_err_status_t srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc);
srtp_err_status_t srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile);
srtp_err_status_t srtp_policy_add_key(srtp_policy_t policy, const uint8_t* key, size_t key_len,
  const uint8_t* salt, size_t salt_len, const uint8_t* mki, size_t mki_len);
srtp_err_status_t srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow);
srtp_err_status_t srtp_policy_set_window_size(srtp_policy_t policy, size_t window_size);
size_t srtp_profile_get_master_key_length(srtp_profile_t profile);
size_t srtp_profile_get_master_salt_length(srtp_profile_t profile);
srtp_err_status_t srtp_create(srtp_t* session, const srtp_policy_t policy);
srtp_err_status_t srtp_dealloc(srtp_t session);
srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc);
srtp_err_status_t srtp_protect(srtp_t ctx, const uint8_t* rtp, size_t rtp_len, uint8_t* srtp,
  size_t* srtp_len, size_t mki_index);
srtp_err_status_t srtp_unprotect(srtp_t ctx, const uint8_t* srtp, size_t srtp_len, uint8_t* rtp,
  size_t* rtp_len);
srtp_err_status_t srtp_protect_rtcp(srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len, uint8_t* srtcp,
  size_t* srtcp_len, size_t mki_index);
srtp_err_status_t srtp_unprotect_rtcp(srtp_t ctx, const uint8_t* srtcp, size_t srtcp_len, uint8_t* rtcp,
  size_t* rtcp_len);
#ifdef __cplusplus
}
#endif
#endif
EOF
cat >"$S/libsrtp3/srtp3_shim.c" <<'EOF'
/* The srtp.h shim implemented on libsrtp2. Only the real libsrtp2 header is
 * included here; the shim's types are mirrored with the same layout/values. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <srtp2/srtp.h>

typedef srtp_err_status_t err_t;                 /* 0..27 identical */
#define ERR_BUFFER_SMALL ((srtp_err_status_t)28) /* srtp_err_status_buffer_small */
struct ms_srtp3_policy { srtp_policy_t p; unsigned char key[SRTP_MAX_KEY_LEN]; /* key||salt */ };
typedef struct ms_srtp3_policy* pol_t;
typedef struct { srtp_t session; uint32_t ssrc; int event; } shim_event_data_t;
typedef void(shim_handler_t)(shim_event_data_t* data);
typedef struct { int type; unsigned int value; } shim_ssrc_t;

static shim_handler_t* g_handler = NULL;
static void trampoline(srtp_event_data_t* data)
{
	shim_event_data_t d = { data->session, data->ssrc, (int)data->event }; /* same event order */
	if (g_handler != NULL) g_handler(&d);
}

err_t ms_srtp3_init(void) { return srtp_init(); }
err_t ms_srtp3_shutdown(void) { return srtp_shutdown(); }
const char* ms_srtp3_get_version_string(void) { return srtp_get_version_string(); }
err_t ms_srtp3_install_event_handler(shim_handler_t* func)
{
	g_handler = func;
	return srtp_install_event_handler(func != NULL ? trampoline : NULL);
}
err_t ms_srtp3_policy_create(pol_t* policy)
{
	if (policy == NULL) return srtp_err_status_bad_param;
	*policy = (pol_t)calloc(1, sizeof(struct ms_srtp3_policy));
	if (*policy == NULL) return srtp_err_status_alloc_fail;
	(*policy)->p.key = (*policy)->key;
	return srtp_err_status_ok;
}
void ms_srtp3_policy_destroy(pol_t policy)
{
	if (policy == NULL) return;
	memset(policy->key, 0, sizeof(policy->key));
	free(policy);
}
err_t ms_srtp3_policy_set_ssrc(pol_t policy, shim_ssrc_t ssrc)
{
	if (policy == NULL) return srtp_err_status_bad_param;
	policy->p.ssrc.type = (srtp_ssrc_type_t)ssrc.type;
	policy->p.ssrc.value = ssrc.value;
	return srtp_err_status_ok;
}
err_t ms_srtp3_policy_set_profile(pol_t policy, srtp_profile_t profile)
{
	err_t err;
	if (policy == NULL) return srtp_err_status_bad_param;
	err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->p.rtp, profile);
	return err != srtp_err_status_ok ? err : srtp_crypto_policy_set_from_profile_for_rtcp(&policy->p.rtcp, profile);
}
err_t ms_srtp3_policy_add_key(pol_t policy, const uint8_t* key, size_t key_len, const uint8_t* salt,
  size_t salt_len, const uint8_t* mki, size_t mki_len)
{
	(void)mki;
	if (policy == NULL || key == NULL || (salt == NULL && salt_len > 0) || mki_len != 0 ||
	    key_len + salt_len > sizeof(policy->key))
		return srtp_err_status_bad_param; /* MKI is not supported (mediasoup never uses it) */
	memcpy(policy->key, key, key_len);
	if (salt_len > 0) memcpy(policy->key + key_len, salt, salt_len);
	return srtp_err_status_ok;
}
err_t ms_srtp3_policy_set_allow_repeat_tx(pol_t policy, bool allow)
{
	if (policy == NULL) return srtp_err_status_bad_param;
	policy->p.allow_repeat_tx = allow ? 1 : 0;
	return srtp_err_status_ok;
}
err_t ms_srtp3_policy_set_window_size(pol_t policy, size_t window_size)
{
	if (policy == NULL) return srtp_err_status_bad_param;
	policy->p.window_size = (unsigned long)window_size;
	return srtp_err_status_ok;
}
size_t ms_srtp3_profile_get_master_key_length(srtp_profile_t p) { return srtp_profile_get_master_key_length(p); }
size_t ms_srtp3_profile_get_master_salt_length(srtp_profile_t p) { return srtp_profile_get_master_salt_length(p); }
err_t ms_srtp3_create(srtp_t* session, const pol_t policy) { return srtp_create(session, policy ? &policy->p : NULL); }
err_t ms_srtp3_dealloc(srtp_t session) { return srtp_dealloc(session); }
err_t ms_srtp3_stream_remove(srtp_t session, uint32_t ssrc) { return srtp_remove_stream(session, ssrc); /* network order */ }

/* libsrtp2 works in place: copy the input into the output buffer, then call it. */
typedef srtp_err_status_t (*inplace_fn)(srtp_t, void*, int*);
static err_t run(inplace_fn fn, srtp_t ctx, const uint8_t* in, size_t in_len, uint8_t* out, size_t* out_len, size_t room)
{
	int len;
	err_t err;
	if (out_len == NULL || in_len > (size_t)INT_MAX - room) return srtp_err_status_bad_param;
	if (*out_len < in_len + room) return ERR_BUFFER_SMALL;
	if (out != in) memmove(out, in, in_len);
	len = (int)in_len;
	err = fn(ctx, out, &len);
	if (err == srtp_err_status_ok) *out_len = (size_t)len;
	return err;
}
err_t ms_srtp3_protect(srtp_t ctx, const uint8_t* rtp, size_t rtp_len, uint8_t* srtp, size_t* srtp_len, size_t mki_index)
{
	return mki_index != 0 ? srtp_err_status_bad_param : run(srtp_protect, ctx, rtp, rtp_len, srtp, srtp_len, SRTP_MAX_TRAILER_LEN);
}
err_t ms_srtp3_unprotect(srtp_t ctx, const uint8_t* srtp, size_t srtp_len, uint8_t* rtp, size_t* rtp_len)
{
	return run(srtp_unprotect, ctx, srtp, srtp_len, rtp, rtp_len, 0);
}
err_t ms_srtp3_protect_rtcp(srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len, uint8_t* srtcp, size_t* srtcp_len, size_t mki_index)
{
	/* libsrtp2 needs SRTP_MAX_TRAILER_LEN + 4 (SRTCP index) bytes of room */
	return mki_index != 0 ? srtp_err_status_bad_param : run(srtp_protect_rtcp, ctx, rtcp, rtcp_len, srtcp, srtcp_len, SRTP_MAX_TRAILER_LEN + 4);
}
err_t ms_srtp3_unprotect_rtcp(srtp_t ctx, const uint8_t* srtcp, size_t srtcp_len, uint8_t* rtcp, size_t* rtcp_len)
{
	return run(srtp_unprotect_rtcp, ctx, srtcp, srtcp_len, rtcp, rtcp_len, 0);
}
EOF

# 5. Put each shim where its wrap's `directory` points: meson uses an existing
#    directory as is and never downloads (and --wrap-mode=nodownload enforces it).
for name in libuv openssl flatbuffers abseil-cpp unordered-dense libsrtp3; do
	wrap="$W/subprojects/$name.wrap"
	[ -f "$wrap" ] || die "missing $wrap (mediasoup layout changed?)"
	dir="$(sed -n 's/^directory *= *//p' "$wrap")"
	[ -n "$dir" ] || die "no directory= in $wrap"
	rm -rf "${W:?}/subprojects/$dir"
	cp -a "$S/$name" "$W/subprojects/$dir"
done

# 5b. The project's own worker patches (SIP SSRC latching), applied to the temporary copy.
for p in "$PATCH_DIR"/*.patch; do
	[ -f "$p" ] || continue
	log "applying $(basename "$p")"
	patch -s -p1 -d "$W" <"$p" || die "patch $(basename "$p") does not apply to mediasoup $MS_VERSION"
done

# 6. mediasoup asks for meson >= 1.1.0; bookworm's 1.0.1 builds it fine.
sed -i "s/meson_version: '>= 1\.1\.0'/meson_version: '>= 1.0.0'/" "$W/meson.build"

# 7. Configure + build (same options as mediasoup's tasks.py Release build).
log "building mediasoup-worker $MS_VERSION with $MS_JOBS job(s) (~8-9 min on 2 cores)"
start=$(date +%s)
(
	cd "$W"
	meson setup --buildtype release -Db_ndebug=true --wrap-mode=nodownload out/Release/build \
		>"$BUILD_ROOT/meson-setup.log" 2>&1 || { tail -30 "$BUILD_ROOT/meson-setup.log" >&2; exit 1; }
	ninja -C out/Release/build -j "$MS_JOBS" mediasoup-worker >"$BUILD_ROOT/ninja.log" 2>&1 ||
		{ grep -m 20 -B 2 -A 8 "error" "$BUILD_ROOT/ninja.log" >&2 || tail -40 "$BUILD_ROOT/ninja.log" >&2; exit 1; }
)
BIN="$W/out/Release/build/mediasoup-worker"
[ -x "$BIN" ] || die "build produced no binary"
if ldd "$BIN" | grep "not found"; then die "unresolved shared libraries"; fi
if [ -n "${MS_STRIP:-}" ]; then strip "$BIN"; fi
install -D -m 0755 "$BIN" "$CACHED_BIN"
install -D -m 0755 "$BIN" "$OUT_BIN"
log "built in $(($(date +%s) - start)) s: $OUT_BIN ($(stat -c %s "$OUT_BIN") bytes), cached at $CACHED_BIN"
