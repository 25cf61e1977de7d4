#!/usr/bin/env bash
# Does patrol's memory grow with the number of commits when the set of blobs does not?
# Builds bare repositories (git fast-import) of N commits cycling through 20 versions of 50
# files (1,000 blobs in all, whatever N), packs them, and prints patrol's peak RSS per N.
#
#   benches/commits-memory.sh [N...]      (default: 1000 10000 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
PATROL=$PWD/target/release/patrol
WORK=${WORK:-target/bench-commits-memory}
mkdir -p "$WORK"
[ $# -gt 0 ] || set -- 1000 10000 50000
gen() {
  python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1]); w = sys.stdout.buffer.write; marks = {}; mark = 1
for v in range(20):
    for f in range(50):
        data = (f"file {f} version {v}\n" + "x" * 2000 + "\n").encode()
        w(b"blob\nmark :%d\ndata %d\n" % (mark, len(data))); w(data); w(b"\n")
        marks[(f, v)] = mark; mark += 1
for c in range(n):
    w(b"commit refs/heads/main\nmark :%d\ncommitter A <a@example.com> %d +0000\ndata 6\nc%05d\n"
      % (mark, 1600000000 + c, c % 100000))
    if c: w(b"from :%d\n" % (mark - 1))
    for f in range(50):
        w(b"M 100644 :%d f%d.txt\n" % (marks[(f, c % 20)], f))
    mark += 1
PY
}
echo "| commits | blobs | pack KiB | patrol wall s | patrol peak RSS MiB |"
echo "|---:|---:|---:|---:|---:|"
for n in "$@"; do
  r=$WORK/r$n
  if [ ! -d "$r" ]; then
    git init -q --bare "$r"
    gen "$n" | git -C "$r" fast-import --quiet
    git -C "$r" gc -q
  fi
  pk=$(git -C "$r" count-objects -v | awk '/size-pack/ {print $2}')
  m=$( { /usr/bin/time -f "%e %M" "$PATROL" scan --git "$r" -q -o "$WORK/out.txt"; } 2>&1 | tail -1)
  echo "| $n | 1000 | $pk | ${m% *} | $(awk -v k="${m#* }" 'BEGIN {printf "%.1f", k / 1024}') |"
done
