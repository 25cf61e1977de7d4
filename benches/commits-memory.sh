#!/usr/bin/env bash
# Does patrol's memory grow with the number of commits when the set of blobs does not?
# Builds bare repositories (git fast-import) of N commits cycling through 20 versions of 50
# files (1,000 blobs and 20 root trees in all, whatever N), packs them, and prints patrol's
# wall time and peak anonymous and file-backed memory (RssAnon, RssFile: polled from
# /proc/PID/status every 10 ms) per N. With TOKEN=1 every version of f0.txt holds the same
# GitHub token, so every commit carries it and a finding's provenance walks the whole graph.
#
#   benches/commits-memory.sh [N...]      (default: 1000 10000 50000 200000)
#   TOKEN=1 benches/commits-memory.sh 200000
# PATROL_BIN: another patrol binary to measure (an older build, for a before/after sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
PATROL=${PATROL_BIN:-$PWD/target/release/patrol}
WORK=${WORK:-target/bench-commits-memory}
TOKEN=${TOKEN:-0}
mkdir -p "$WORK"
[ $# -gt 0 ] || set -- 1000 10000 50000 200000
gen() {
  python3 - "$1" "$TOKEN" <<'PY'
import random, string, sys, zlib
n = int(sys.argv[1]); token = sys.argv[2] == "1"
w = sys.stdout.buffer.write; marks = {}; mark = 1
r = random.Random(7)
body = "".join(r.choice(string.ascii_letters + string.digits) for _ in range(30))
c, al, tail = zlib.crc32(body.encode()), string.digits + string.ascii_uppercase + string.ascii_lowercase, ""
for _ in range(6): tail, c = al[c % 62] + tail, c // 62
secret = "ghp_" + body + tail
for v in range(20):
    for f in range(50):
        text = f"file {f} version {v}\n" + "x" * 2000 + "\n"
        if token and f == 0:
            text += f"GITHUB_TOKEN={secret}\n"
        data = text.encode()
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
peak() { # peak CMD...: "wall_s anon_kib file_kib"
  python3 - "$@" <<'PY'
import subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
anon = file = 0; t0 = time.time()
while p.poll() is None:
    try:
        for l in open(f"/proc/{p.pid}/status"):
            if l.startswith("RssAnon:"): anon = max(anon, int(l.split()[1]))
            if l.startswith("RssFile:"): file = max(file, int(l.split()[1]))
    except FileNotFoundError:
        pass
    time.sleep(0.01)
print(f"{time.time() - t0:.2f} {anon} {file}")
PY
}
echo "| commits | token | pack KiB | patrol wall s | peak RssAnon MiB | peak RssFile MiB |"
echo "|---:|---|---:|---:|---:|---:|"
for n in "$@"; do
  r=$WORK/r$n
  [ "$TOKEN" = 1 ] && r=$WORK/r$n-token
  if [ ! -d "$r" ]; then
    git init -q --bare "$r"
    gen "$n" | git -C "$r" fast-import --quiet
    git -C "$r" gc -q
  fi
  pk=$(git -C "$r" count-objects -v | awk '/size-pack/ {print $2}')
  read -r wall anon file < <(peak "$PATROL" scan --git "$r" -q -o "$WORK/out.txt")
  echo "| $n | $([ "$TOKEN" = 1 ] && echo yes || echo no) | $pk | $wall | $(awk -v k="$anon" 'BEGIN {printf "%.1f", k / 1024}') | $(awk -v k="$file" 'BEGIN {printf "%.1f", k / 1024}') |"
done
