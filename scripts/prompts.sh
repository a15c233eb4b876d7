#!/usr/bin/env bash
# Builds the box's prompt set offline into $1 (default data/prompts): English call-center prompts
# from Debian's asterisk-core-sounds-en-wav, the same prompt ids in Mandarin (espeak-ng), a
# default music-on-hold, all 8 kHz mono 16-bit WAV, and manifest.json describing every file.
#
# Layout: <out>/en/<id>.wav, <out>/zh/<id>.wav, <out>/moh/default.wav, <out>/manifest.json
#   manifest.json = { format, prompts: [{ id, lang, file (relative to <out>), text, durationMs,
#                     source, license }] }   (music on hold: lang "zxx", i.e. no speech)
# Queue position is announced as queue-position-before, digit-N..., queue-position-after
# ("You are currently caller number" 3 "waiting to speak to a representative" /
#  "您当前排在第" 三 "位，正在等待客服代表接听"); N is the caller's position, 1 = next.
#
# Idempotent: a stamp of this script and the tool/package versions is kept in <out>/.stamp; when
# it matches and every file is there, nothing is rebuilt. Only en/, zh/, moh/, manifest.json and
# .stamp in <out> are replaced (atomically per folder); other files there are left alone.
# Mandarin uses espeak-ng's voice cmn-latn-pinyin: the plain "cmn" voice of Debian's espeak-ng 1.51
# turns many characters into pinyin and then reads that pinyin as English ("零" -> "ling two");
# cmn-latn-pinyin reads the same pinyin as Mandarin with tones (check: espeak-ng -v ... -x TEXT).
# Needs sox, espeak-ng (with that voice), node, and the Debian package above: installed with
# apt-get when missing and running as root (PROMPTS_NO_APT=1 forbids that), otherwise an error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/prompts.sh"
OUT="${1:-$ROOT/data/prompts}"
OUT="${OUT%/}"
EN_PKG=asterisk-core-sounds-en-wav

log() { printf '[prompts] %s\n' "$*" >&2; }
die() { printf '[prompts] error: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "required tool '$1' is missing ($2)"; }

need sox "Debian package sox: apt-get install sox"
need espeak-ng "Debian package espeak-ng: apt-get install espeak-ng"
need node "Node.js 20, which the box runs on"
need dpkg-query "a Debian system"
need sha256sum "coreutils"
ZH_VOICE=cmn-latn-pinyin
espeak-ng --voices=cmn 2>/dev/null | grep -qw "$ZH_VOICE" || die "espeak-ng has no Mandarin voice '$ZH_VOICE' (espeak-ng-data is incomplete)"

# id | Asterisk file (under en_US_f_Allison, no .wav) | English text | Chinese text
PROMPTS=(
  "digit-0|digits/0|zero|零"
  "digit-1|digits/1|one|一"
  "digit-2|digits/2|two|二"
  "digit-3|digits/3|three|三"
  "digit-4|digits/4|four|四"
  "digit-5|digits/5|five|五"
  "digit-6|digits/6|six|六"
  "digit-7|digits/7|seven|七"
  "digit-8|digits/8|eight|八"
  "digit-9|digits/9|nine|九"
  "key-star|digits/star|star|星号"
  "key-pound|digits/pound|pound|井号"
  "hello|hello|Hello.|您好"
  "queue-position-before|queue-thereare|You are currently caller number|您当前排在第"
  "queue-position-after|queue-callswaiting|waiting to speak to a representative.|位，正在等待客服代表接听"
  "queue-next|queue-youarenext|Your call is now first in line and will be answered by the next available representative.|您的来电已排在第一位，将由下一位空闲的客服代表接听"
  "queue-hold-time|queue-holdtime|The estimated hold time is currently|目前预计等待时间为"
  "queue-less-than|queue-less-than|less than|不到"
  "queue-minute|queue-minute|minute|分钟"
  "queue-minutes|queue-minutes|minutes|分钟"
  "queue-seconds|queue-seconds|seconds|秒"
  "queue-all-busy|queue-periodic-announce|All representatives are currently busy assisting other callers. Please wait for the next available representative.|所有客服代表正忙于接听其他来电，请等候下一位空闲的客服代表"
  "queue-thank-you|queue-thankyou|Thank you for your patience.|感谢您的耐心等待"
  "one-moment-please|one-moment-please|One moment please.|请稍候"
  "press|vm-press|Press|请按"
  "for|for|for|如需"
  "you-entered|you-entered|You entered|您输入的是"
  "sorry|im-sorry|I'm sorry.|对不起"
  "please-try-again|please-try-again|Please try again.|请重试"
  "try-later|please-try-call-later|Please try your call again later.|请稍后再拨"
  "agent-logged-in|agent-loginok|Agent logged in.|坐席已登录"
  "agent-logged-out|agent-loggedoff|Agent logged off.|坐席已注销"
  "thank-you|auth-thankyou|Thank you.|谢谢"
  "goodbye|goodbye|Goodbye.|再见"
)

# ---- English source: where the Debian package put its wav files ------------------------------
en_dir() {
  local zero
  zero="$(dpkg-query -L "$EN_PKG" 2>/dev/null | grep '/digits/0\.wav$' | head -n 1 || true)"
  [ -n "$zero" ] && dirname "$(dirname "$zero")"
  return 0
}
SRC="$(en_dir)"
if [ -z "$SRC" ]; then
  if [ -n "${PROMPTS_NO_APT:-}" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "Debian package $EN_PKG is not installed; install it as root: apt-get install -y --no-install-recommends $EN_PKG"
  fi
  log "installing $EN_PKG"
  # shellcheck source=lib/apt-ensure.sh
  . "$ROOT/scripts/lib/apt-ensure.sh"
  apt_ensure "$EN_PKG" || die "apt-get could not install $EN_PKG"
  SRC="$(en_dir)"
  [ -n "$SRC" ] || die "$EN_PKG is installed but its digits/0.wav was not found (dpkg -L $EN_PKG)"
fi
EN_VERSION="$(dpkg-query -W -f='${Version}' "$EN_PKG")"

# ---- up to date? -------------------------------------------------------------------------------
STAMP="$( { sha256sum < "$SCRIPT"; echo "$EN_PKG $EN_VERSION"; espeak-ng --version; sox --version; } | sha256sum | cut -d' ' -f1)"
expected_files() {
  local row
  for row in "${PROMPTS[@]}"; do
    echo "en/${row%%|*}.wav"
    echo "zh/${row%%|*}.wav"
  done
  echo "moh/default.wav"
  echo "manifest.json"
}
up_to_date() {
  [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$STAMP" ] || return 1
  local f
  while read -r f; do [ -s "$OUT/$f" ] || return 1; done < <(expected_files)
}
if up_to_date; then
  log "up to date: $OUT"
  exit 0
fi

mkdir -p "$(dirname "$OUT")"
TMP="$(mktemp -d "$OUT.build.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/en" "$TMP/zh" "$TMP/moh" "$TMP/work"
TSV="$TMP/work/manifest.tsv"
: > "$TSV"

FORMAT=(-r 8000 -c 1 -b 16 -e signed-integer)
duration_ms() { sox --i -D "$1" | awk '{ printf "%d", $1 * 1000 + 0.5 }'; }
record() { # id lang file text source license
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(duration_ms "$TMP/$3")" "$5" "$6" >> "$TSV"
}

# ---- English: copy + convert --------------------------------------------------------------------
log "English prompts from $SRC ($EN_PKG $EN_VERSION)"
for row in "${PROMPTS[@]}"; do
  IFS='|' read -r id src en _zh <<< "$row"
  [ -f "$SRC/$src.wav" ] || die "$EN_PKG $EN_VERSION has no $src.wav (looked in $SRC)"
  sox "$SRC/$src.wav" "${FORMAT[@]}" "$TMP/en/$id.wav"
  record "$id" en "en/$id.wav" "$en" "$EN_PKG $EN_VERSION: $src.wav (Allison Smith for Digium)" "CC-BY-SA-3.0"
done

# ---- Chinese: espeak-ng, trimmed, normalised to -3 dBFS peak, converted ---------------------------
ESPEAK_VERSION="$(espeak-ng --version | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+/) { print $i; exit } }')"
log "Chinese prompts with espeak-ng $ESPEAK_VERSION (voice $ZH_VOICE)"
for row in "${PROMPTS[@]}"; do
  IFS='|' read -r id _src _en zh <<< "$row"
  espeak-ng -v "$ZH_VOICE" -s 150 -w "$TMP/work/raw.wav" "$zh"
  sox "$TMP/work/raw.wav" "${FORMAT[@]}" "$TMP/zh/$id.wav" \
    silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse gain -n -3 pad 0.05 0.1
  record "$id" zh "zh/$id.wav" "$zh" "espeak-ng $ESPEAK_VERSION -v $ZH_VOICE" "generated by espeak-ng"
done

# ---- Music on hold: 30 s, I-vi-IV-V in C twice; a plucked arpeggio over a soft sine pad -------------
log "music on hold (sox synth)"
# chord name | pad frequencies (3) | 8 arpeggio notes (Hz), each 0.46875 s -> 3.75 s per bar
CHORDS=(
  "C|261.63 329.63 392.00|261.63 392.00 523.25 659.26 523.25 392.00 329.63 392.00"
  "Am|220.00 261.63 329.63|220.00 329.63 440.00 523.25 440.00 329.63 261.63 329.63"
  "F|220.00 261.63 349.23|174.61 261.63 349.23 440.00 349.23 261.63 220.00 261.63"
  "G|246.94 293.66 392.00|196.00 293.66 392.00 493.88 392.00 293.66 246.94 293.66"
)
W="$TMP/work"
bars=()
n=0
for pass in 1 2; do
  for chord in "${CHORDS[@]}"; do
    IFS='|' read -r _name pad arp <<< "$chord"
    read -r p1 p2 p3 <<< "$pad"
    n=$((n + 1))
    sox -c 3 -r 8000 -n -b 16 -c 1 "$W/pad$n.wav" synth 3.75 sine "$p1" sine "$p2" sine "$p3" \
      remix - tremolo 0.5 20 fade q 0.6 3.75 0.9 gain -n -24
    notes=()
    k=0
    for f in $arp; do
      k=$((k + 1))
      sox -n -r 8000 -b 16 -c 1 "$W/note$n-$k.wav" synth 0.46875 pluck "$f" fade 0.01 0.46875 0.25 gain -n -8
      notes+=("$W/note$n-$k.wav")
    done
    sox "${notes[@]}" "$W/arp$n.wav"
    sox -m "$W/arp$n.wav" "$W/pad$n.wav" "$W/bar$n.wav"
    bars+=("$W/bar$n.wav")
  done
done
sox "${bars[@]}" "${FORMAT[@]}" "$TMP/moh/default.wav" lowpass 2500 fade q 1 30 2.5 gain -n -6 trim 0 30
record moh-default zxx moh/default.wav "" "sox $(sox --version | awk '{ print $NF }') synth: C-Am-F-G plucked arpeggio over a sine pad" "generated by sox (no third-party material)"

# ---- manifest ------------------------------------------------------------------------------------
node -e '
  const fs = require("node:fs");
  const prompts = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((line) => {
    const [id, lang, file, text, durationMs, source, license] = line.split("\t");
    return { id, lang, file, text, durationMs: Number(durationMs), source, license };
  });
  const manifest = {
    format: { container: "wav", sampleRate: 8000, channels: 1, bitsPerSample: 16, encoding: "signed-integer" },
    generatedBy: "scripts/prompts.sh",
    prompts,
  };
  fs.writeFileSync(process.argv[2], JSON.stringify(manifest, null, 2) + "\n");
' "$TSV" "$TMP/manifest.json"

# ---- install into OUT ------------------------------------------------------------------------------
mkdir -p "$OUT"
rm -f "$OUT/.stamp"
for d in en zh moh; do
  rm -rf "$OUT/$d.old"
  [ -e "$OUT/$d" ] && mv "$OUT/$d" "$OUT/$d.old"
  mv "$TMP/$d" "$OUT/$d"
  rm -rf "$OUT/$d.old"
done
mv "$TMP/manifest.json" "$OUT/manifest.json"
printf '%s\n' "$STAMP" > "$OUT/.stamp"
log "built $(($(wc -l < "$TSV"))) files into $OUT"
