#!/usr/bin/env bash
# A history that replaces one secret per commit: N commits, each writing a new AWS key id (all
# beginning `AKIAAAAA`) to the same file and naming it in the commit message. Every finding is
# removed by the next commit, and every key shares its first 8 bytes with all the others, so
# per-finding work that walks the history, or compares a text with every known secret, shows
# as time growing faster than N.
#
#   benches/history-rotations.sh [N...]      (default: 5000 10000 20000)
#   benches/history-rotations.sh wide:N      N commits to a file of N keys, each commit
#                                            replacing one (N blobs of N findings each)
#   PATROL=/path/to/patrol benches/history-rotations.sh ...   (another build; no cargo build)
#
# Prints wall seconds and peak RSS of `patrol scan --git -q --format json` per N.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PATROL:-}" ]; then
    cargo build --release --quiet
    PATROL=$PWD/target/release/patrol
fi
WORK=${WORK:-target/bench-rotations}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(5000 10000 20000)
for n in "${sizes[@]}"; do
    repo=$WORK/rotations-${n/:/-}
    if [ ! -d "$repo/.git" ]; then
        git init -q -b main "$repo"
        N=$n python3 - <<'PY' | git -C "$repo" fast-import --quiet
import os, random, sys
rng = random.Random(5)
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
out = sys.stdout.buffer
n, wide = os.environ["N"].removeprefix("wide:"), os.environ["N"].startswith("wide:")
keys = ["AKIA" + "".join(rng.choice(alphabet) for _ in range(16)) for _ in range(int(n) if wide else 0)]
for i in range(int(n)):
    key = "AKIAAAAA" + "".join(rng.choice(alphabet) for _ in range(12))
    if wide:
        keys[rng.randrange(len(keys))] = key
        msg, data = b"edit\n", "".join(f"k{j} = {k}\n" for j, k in enumerate(keys)).encode()
    else:
        msg = f"rotate {key}\n".encode()
        data = f"aws_access_key_id = {key}\n".encode()
    out.write(b"blob\nmark :%d\ndata %d\n%s\n" % (2 * i + 1, len(data), data))
    out.write(b"commit refs/heads/main\nmark :%d\ncommitter A <a@example.com> %d +0000\ndata %d\n%s\n"
              % (2 * i + 2, 1700000000 + i, len(msg), msg))
    if i:
        out.write(b"from :%d\n" % (2 * i))
    out.write(b"M 100644 :%d keys.env\n\n" % (2 * i + 1))
PY
        git -C "$repo" checkout -q main
    fi
    /usr/bin/time -f "N=$n: %e s, %M KB peak RSS" "$PATROL" scan --git -q --format json \
        -o "$WORK/out.json" "$repo" || [ $? -eq 1 ]
done
