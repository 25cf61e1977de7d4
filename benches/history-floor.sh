#!/usr/bin/env bash
# A real repository's full history (issue #12 item 1): patrol next to the single-threaded
# floor — `git cat-file --batch-all-objects --batch --unordered` (one thread inflating every
# object once, in pack order) — and Kingfisher and gitleaks, in one sitting, warm cache. Each
# run once; wall time, peak RssAnon and peak RssFile of the main process polled from
# /proc/PID/status every 20 ms (RssFile counts the mapped packs; a tool's children, such as
# gitleaks' `git log -p`, are not counted).
#
#   benches/history-floor.sh REPO            (e.g. git/git, brought with the `fetch` tool and
#                                             cloned with all branches and tags)
# The `fetch` tool's copy of git/git is a mirror: it also holds GitHub's refs/pull/*, which
# double the objects (849,014 in 495 MiB). Issue #12's repository is branches and tags only
# (85,361 commits, 419,403 objects, 314 MiB); a plain clone that rebuilds the pack makes it:
#   git clone -q --bare --no-local /work/.mirror/git+git/repo gitgit/.git
#   git -C gitgit config core.bare false && git -C gitgit checkout -q master
#   TOOLS="floor patrol" benches/history-floor.sh REPO     (a subset)
# PATROL_BIN: another patrol binary to measure (an older build, for a before/after sitting).
# THREADS (default: nproc). Needs python3; kingfisher and gitleaks in $HOME/peers/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/peers/bin:$PATH"
REPO=$(cd "${1:?usage: benches/history-floor.sh REPO}" && pwd)
THREADS=${THREADS:-$(nproc)}
TOOLS=${TOOLS:-"floor patrol patrol-github kingfisher gitleaks"}
OUT=${OUT:-target/bench-history-floor}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
cargo build --release --quiet
PATROL=${PATROL_BIN:-$PWD/target/release/patrol}

# measure NAME CMD...: runs CMD, prints a table row.
measure() {
  local name=$1; shift
  python3 - "$name" - "$@" <<'PY'
import subprocess, sys, time
name, cmd = sys.argv[1], sys.argv[3:]
# stdout goes to `wc -c`: counted, not stored (the floor writes every object: 14 GB for
# git/git), by a reader fast enough not to slow the writer (a Python reader made the floor
# 37% slower).
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wc = subprocess.Popen(["wc", "-c"], stdin=p.stdout, stdout=subprocess.PIPE)
p.stdout.close()
anon = file = 0
t0 = time.time()
while p.poll() is None:
    try:
        for l in open(f"/proc/{p.pid}/status"):
            if l.startswith("RssAnon:"): anon = max(anon, int(l.split()[1]))
            if l.startswith("RssFile:"): file = max(file, int(l.split()[1]))
    except (FileNotFoundError, ProcessLookupError):
        pass
    time.sleep(0.02)
wall = time.time() - t0
counted = int(wc.communicate()[0].split()[0])
err = p.stderr.read().decode(errors="replace").strip().splitlines()[-3:]
print(f"| {name} | {wall:.1f} | {anon / 1024:.0f} | {file / 1024:.0f} | exit {p.returncode}, {counted / 1e9:.1f} GB out |")
if p.returncode not in (0, 1, 200):
    print("   " + " / ".join(err), file=sys.stderr)
PY
}

objects=$(git -C "$REPO" count-objects -v | awk '/^in-pack/ {print $2}')
pack=$(git -C "$REPO" count-objects -v | awk '/^size-pack/ {print $2}')
echo "== $REPO: $(git -C "$REPO" rev-list --all --count) commits, $objects objects in packs ($((pack / 1024)) MiB), $THREADS threads"
cat "$REPO"/.git/objects/pack/*.pack | wc -c >&2   # warm the page cache (never to /dev/null)
echo "| run | wall s | peak RssAnon MiB | peak RssFile MiB | |"
echo "|---|---:|---:|---:|---|"
for t in $TOOLS; do
  case $t in
    floor) measure "git cat-file --batch-all-objects --batch --unordered" \
             git -C "$REPO" cat-file --batch-all-objects --batch --unordered ;;
    patrol) measure "patrol scan --git (whole catalog)" \
              "$PATROL" scan --git "$REPO" -q -j "$THREADS" -f json -o "$OUT/patrol.json" ;;
    patrol-github) measure "patrol scan --git (GitHub rules only)" \
              "$PATROL" scan --git "$REPO" -q -j "$THREADS" -f json -o "$OUT/patrol-gh.json" \
              --no-builtin-rules --rules rules/github.toml ;;
    kingfisher) measure "kingfisher (validation off)" \
              kingfisher scan "$REPO" --git-history full -j "$THREADS" --no-validate --no-update-check \
              --format json --output "$OUT/kingfisher.json" ;;
    gitleaks) measure "gitleaks git" env GOMAXPROCS="$THREADS" gitleaks git "$REPO" --no-banner \
              -f json -r "$OUT/gitleaks.json" --log-level error --exit-code 0 ;;
  esac
done
