#!/usr/bin/env bash
# Before/after: two patrol binaries on the same workloads, runs interleaved (A B A B …) so that
# both see the same machine state, medians reported side by side with the ratio B/A.
#
#   benches/ab.sh OLD_BINARY NEW_BINARY
#
# Workloads (each skipped when its fixture is missing; build them with the scripts named):
#   tree       `scan -q -j 2 --no-ignore` of the Python stdlib copy (benches/compare.sh)
#   startup    `scan -q` of one small file
#   precommit  `scan --staged -q` with 10 staged edits in 10,000 files (benches/precommit.sh)
#   history    `scan --git -q -j 2` of the crate-release history (benches/history.sh)
# RUNS (default 15) pairs per workload. Extra arguments for the new binary only: NEW_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$(realpath "$1"); NEW=$(realpath "$2")
RUNS=${RUNS:-15}
TREE=${TREE:-target/bench-trees/python-stdlib}
PRE=${PRE:-target/bench-precommit/repo}
HIST=${HIST:-target/bench-history/repo}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
printf 'GITHUB_TOKEN=none\n' > "$OUT/one.env"

if [ -d "$PRE/.git" ]; then
  # The staged change precommit.sh measures.
  git -C "$PRE" reset -q --hard; git -C "$PRE" clean -qfdx
  python3 benches/stage-edits.py "$PRE" > /dev/null
fi

OLD=$OLD NEW=$NEW RUNS=$RUNS TREE=$TREE PRE=$PRE HIST=$HIST OUT=$OUT NEW_ARGS=${NEW_ARGS:-} python3 - <<'PY'
import os, shlex, statistics, subprocess, time
env = os.environ
old, new, runs, out = env["OLD"], env["NEW"], int(env["RUNS"]), env["OUT"]
extra = shlex.split(env["NEW_ARGS"])
work = []
if os.path.isdir(env["TREE"]):
    work.append(("tree (python stdlib)", None, ["scan", "-q", "-j", "2", "--no-ignore", env["TREE"], "-o", f"{out}/r.txt"]))
work.append(("startup (one file)", None, ["scan", "-q", f"{out}/one.env"]))
if os.path.isdir(env["PRE"] + "/.git"):
    work.append(("pre-commit (10 staged of 10k)", env["PRE"], ["scan", "--staged", "-q"]))
if os.path.isdir(env["HIST"] + "/.git"):
    work.append(("history (crate releases)", None, ["scan", "--git", "-q", "-j", "2", env["HIST"], "-o", f"{out}/h.txt"]))

def once(binary, cwd, args):
    t = time.perf_counter()
    p = subprocess.run([binary, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise SystemExit(f"{binary} {args}: exit {p.returncode}")
    return dt

print(f"| workload | A median ms | B median ms | B/A | runs |")
print(f"|---|---:|---:|---:|---:|")
for name, cwd, args in work:
    a, b = [], []
    for _ in range(2):  # warm-up
        once(old, cwd, args); once(new, cwd, args + extra)
    for _ in range(runs):
        a.append(once(old, cwd, args)); b.append(once(new, cwd, args + extra))
    ma, mb = statistics.median(a) * 1000, statistics.median(b) * 1000
    print(f"| {name} | {ma:.1f} | {mb:.1f} | {mb / ma:.3f} | {runs} |", flush=True)
PY
