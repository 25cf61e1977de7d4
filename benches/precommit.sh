#!/usr/bin/env bash
# Pre-commit latency: `patrol scan --staged -q` in a repository of 10,000 committed source files,
# with 10 staged edits and with nothing staged; and process startup on one small file.
#
#   benches/precommit.sh
#
# The repository (built once into ${WORK:-target/bench-precommit}/repo, reused while
# $WORK/repo.done says the same FILES) holds real, small (< 64 KiB) source files of this machine,
# keeping their nested layout: the Python standard library's .py files, then .rs/.toml/.md files
# from ~/.cargo/registry/src, sorted, the first FILES (default 10000). If there are fewer, the
# list is cycled with a header line added so every copy is a distinct blob. One commit, then
# `git gc` (packed, as a clone is). Each run resets the
# work tree, then edits 10 files spread over the tree (a few lines inserted mid-file) and stages
# them. hyperfine: --warmup 5 --runs 30 -N -i (RUNS, WARMUP override); medians reported.
# Peers (gitleaks, kingfisher) are timed on the same staged change for reference unless PEERS=0.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/peers/bin:$PATH"
WORK=${WORK:-target/bench-precommit}
FILES=${FILES:-10000}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-5}
PEERS=${PEERS:-1}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
REPO=$WORK/repo
command -v hyperfine >/dev/null || { echo "missing: hyperfine" >&2; exit 2; }
cargo build --release --quiet
PATROL=$PWD/target/release/patrol

if [ -f "$WORK/repo.done" ] && [ "$(cat "$WORK/repo.done")" = "$FILES" ] && [ -d "$REPO/.git" ]; then
  echo "== reusing $REPO (delete $WORK/repo.done to rebuild)"
else
  rm -rf "$REPO" "$REPO.tmp" "$WORK/repo.done"
  echo "== building $REPO: $FILES files"
  REPO_TMP=$REPO.tmp FILES=$FILES python3 - <<'PY'
import os, sysconfig
dst, want = os.environ["REPO_TMP"], int(os.environ["FILES"])
LIMIT = 64 << 10
cands = []
std = sysconfig.get_paths()["stdlib"]
for root, dirs, files in os.walk(std):
    dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
    for f in sorted(files):
        if f.endswith(".py"):
            cands.append((os.path.join(root, f), os.path.join("py", os.path.relpath(os.path.join(root, f), std))))
reg = os.path.expanduser("~/.cargo/registry/src")
if os.path.isdir(reg):
    for root, dirs, files in os.walk(reg):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("target",))
        for f in sorted(files):
            if f.endswith((".rs", ".toml", ".md")) and not f.startswith("."):
                p = os.path.join(root, f)
                # drop the registry-index directory: rs/<crate-version>/...
                rel = os.path.relpath(p, reg).split(os.sep, 1)[1]
                cands.append((p, os.path.join("rs", rel)))
cands = [(s, d) for s, d in cands if 0 < os.path.getsize(s) <= LIMIT]
if not cands:
    raise SystemExit("no source files found")
n, total = 0, 0
while n < want:
    rnd = n // len(cands)
    src, rel = cands[n % len(cands)]
    if rnd:
        base, ext = os.path.splitext(rel)
        rel = f"copy{rnd}/{rel}"
    p = os.path.join(dst, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(src, "rb") as f: data = f.read()
    if rnd:
        data = f"// copy {rnd}\n".encode() + data
    with open(p, "wb") as f: f.write(data)
    n += 1; total += len(data)
print(f"{n} files ({len(cands)} distinct sources), {total / 2**20:.1f} MiB")
PY
  git -C "$REPO.tmp" init -q -b main
  git -C "$REPO.tmp" config user.name "Bench Bot"
  git -C "$REPO.tmp" config user.email bench@example.invalid
  git -C "$REPO.tmp" config gc.auto 0
  git -C "$REPO.tmp" add -A -f .
  GIT_AUTHOR_DATE="1577836800 +0000" GIT_COMMITTER_DATE="1577836800 +0000" \
    git -C "$REPO.tmp" commit -q --no-verify -m "10k files"
  # Packed, as a cloned repository is. (Loose, right after this commit, every tree is a file:
  # patrol --staged then measured ~27 ms instead of ~16 ms here.) On this machine /dev/null has
  # been a plain file holding stray text, which gc's pack-objects reads as revisions and dies:
  # truncate it first (a no-op on a real /dev/null).
  [ -c /dev/null ] || : > /dev/null
  git -C "$REPO.tmp" gc -q
  mv "$REPO.tmp" "$REPO"
  printf '%s' "$FILES" > "$WORK/repo.done"
fi

# A clean slate, then 10 staged edits: a few lines inserted in the middle of 10 files spread
# over the tree, as a developer's commit would.
reset_repo() { git -C "$REPO" reset -q --hard; git -C "$REPO" clean -qfdx; }
stage_edits() { python3 benches/stage-edits.py "$REPO"; }

NFILES=$(git -C "$REPO" ls-files | wc -l)
SIZE=$(git -C "$REPO" ls-files -z | (cd "$REPO" && xargs -0 cat) | wc -c)
echo "== repo: $NFILES tracked files, $((SIZE / 1048576)) MiB, $(find "$REPO" -type d -not -path '*/.git*' | wc -l) directories"
echo "== $(nproc) CPUs (shared with other processes), load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
R=$WORK/results
rm -rf "$R"; mkdir -p "$R"

# Correctness first (not timed): a token staged on an added line is reported (exit 1); the same
# token only in the work tree, or nothing staged, is not (exit 0).
TOKEN=$(python3 -c "
import random, string, zlib
A = string.digits + string.ascii_uppercase + string.ascii_lowercase
r = random.Random(7); b = ''.join(r.choice(string.ascii_letters + string.digits) for _ in range(30))
n = zlib.crc32(b.encode()); s = ''
for _ in range(6): s = A[n % 62] + s; n //= 62
print('ghp_' + b + s)")
check() {  # check WHAT EXPECTED_RC
  local rc=0
  (cd "$REPO" && "$PATROL" scan --staged -q -f json -o "$R/check.json") || rc=$?
  local n
  n=$(python3 -c "import json; print(len(json.load(open('$R/check.json'))['findings']))")
  if [ "$rc" = "$2" ]; then echo "   ok: $1 (exit $rc, $n findings)"; else echo "   FAIL: $1: exit $rc, expected $2 ($n findings)"; fi
}
echo "== correctness"
reset_repo
check "nothing staged" 0
printf 'GITHUB_TOKEN=%s\n' "$TOKEN" > "$REPO/.env"
check "token only in the work tree (untracked .env)" 0
git -C "$REPO" add .env
check "token staged in a new .env" 1
reset_repo
stage_edits > /dev/null
check "10 staged edits, no token" 0
reset_repo

# Timings.
echo "== hyperfine: 10 staged edits (files:"
stage_edits | sed 's/^/     /'
echo "   )"
git -C "$REPO" diff --cached --shortstat
HF=(--warmup "$WARMUP" --runs "$RUNS" -N -i --style basic)
(cd "$REPO" && hyperfine "${HF[@]}" -n "patrol --staged (10 edits)" "$PATROL scan --staged -q" \
  --export-json "$R/staged.json") > "$R/staged.log" 2>&1 || { cat "$R/staged.log"; exit 2; }
if [ "$PEERS" = 1 ]; then
  (cd "$REPO" && hyperfine "${HF[@]}" \
    -n "gitleaks git --pre-commit --staged (10 edits)" \
    "gitleaks git --pre-commit --staged --no-banner --log-level error --exit-code 0 ." \
    -n "kingfisher scan --staged (10 edits)" \
    "kingfisher scan . --staged --no-validate --no-update-check --format json --output $R/kf.json" \
    --export-json "$R/staged-peers.json") > "$R/staged-peers.log" 2>&1 || { cat "$R/staged-peers.log"; PEERS=0; }
fi
reset_repo
echo "== hyperfine: nothing staged"
(cd "$REPO" && hyperfine "${HF[@]}" -n "patrol --staged (nothing staged)" "$PATROL scan --staged -q" \
  --export-json "$R/empty.json") > "$R/empty.log" 2>&1 || { cat "$R/empty.log"; exit 2; }
echo "== hyperfine: startup, one small file"
tmp=$(mktemp -d); printf 'GITHUB_TOKEN=none\nDEBUG=1\n' > "$tmp/.env"
hyperfine "${HF[@]}" -n "patrol scan -q one small file" "$PATROL scan -q $tmp/.env" \
  --export-json "$R/startup.json" > "$R/startup.log" 2>&1 || { cat "$R/startup.log"; exit 2; }
rm -rf "$tmp"

echo
R=$R python3 - <<'PY'
import json, os, statistics
R = os.environ["R"]
print("| command | median ms | mean ± σ ms | min ms | max ms | runs |")
print("|---|---:|---:|---:|---:|---:|")
for name in ("staged", "empty", "startup", "staged-peers"):
    p = f"{R}/{name}.json"
    if not os.path.exists(p): continue
    for r in json.load(open(p))["results"]:
        t = [x * 1000 for x in r["times"]]
        print(f"| {r['command']} | {statistics.median(t):.1f} | {statistics.mean(t):.1f} ± "
              f"{statistics.stdev(t):.1f} | {min(t):.1f} | {max(t):.1f} | {len(t)} |")
PY
echo
echo "(hyperfine -N, $RUNS runs after $WARMUP warmups, warm cache; $(nproc) CPUs shared with other processes;" \
  "load average at end: $(cut -d' ' -f1-3 /proc/loadavg))"
