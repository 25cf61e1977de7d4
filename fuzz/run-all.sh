#!/usr/bin/env bash
# Runs every fuzz target for MINUTES (default 10) each, PARALLEL (default 2) at a time, and
# prints each run's final libFuzzer statistics: the figures fuzz/README.md records.
#
#   fuzz/run-all.sh [TARGET...]        (default: every target)
set -euo pipefail
cd "$(dirname "$0")"
MINUTES=${MINUTES:-10}
PARALLEL=${PARALLEL:-2}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(scan scan_layout rules config baseline merge_report token_input jwt git_object git_delta checks import \
  decode_base64 decode_hex decode_percent decode_escape decode_html_entity decode_utf_16le \
  decode_utf_16be decode_gzip decode_zlib scan_decoded \
  unpack_zip unpack_tar unpack_gzip unpack_bzip2 unpack_xz unpack_zstd)
cargo +nightly fuzz build >/dev/null
mkdir -p logs
run() {
  local t=$1 extra=""
  # The scan reaches up to 64 KiB around a keyword; give it room now and then.
  case $t in scan|scan_layout) extra="-max_len=70000" ;; esac
  # lzma-rs adds without an overflow check on a corrupt xz footer (a wrap, then an error, in
  # any build without overflow checks; src/unpack.rs catches the panic where they are on, but
  # libFuzzer aborts at any panic): that target runs without overflow checks (-O).
  local opt=""
  case $t in unpack_xz) opt="-O" ;; esac
  mkdir -p "corpus/$t"
  cargo +nightly fuzz run $opt "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time=$((MINUTES * 60)) -rss_limit_mb=2048 -print_final_stats=1 $extra \
    > "logs/$t.log" 2>&1 && echo "== $t: ok" || echo "== $t: FAILED (see fuzz/logs/$t.log)"
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^Done" "logs/$t.log" | sed "s/^/   $t /" || true
  echo "   $t corpus: $(ls "corpus/$t" | wc -l) inputs"
}
i=0
for t in "${TARGETS[@]}"; do
  run "$t" &
  i=$((i + 1))
  if [ $((i % PARALLEL)) -eq 0 ]; then wait; fi
done
wait
