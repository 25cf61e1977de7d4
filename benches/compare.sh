#!/usr/bin/env bash
# Whole-process wall time of `patrol scan` against ripgrep, gitleaks and Kingfisher on large
# real trees that no one here wrote, with the same thread count and a warm page cache.
#
#   benches/compare.sh [TREE...]     (default: the Python stdlib, ~/.cargo/registry/src)
#
# Needs hyperfine, rg, gitleaks and kingfisher: bash ../shared/tools/install-peers.sh puts them
# in $HOME/peers/bin. THREADS (default: nproc) and RUNS (default 5) can be set.
#
# Fairness: every tool sees the same files. patrol and rg run with --no-ignore (rg also with
# --hidden and -a, so hidden and binary files are searched as text, as patrol does), rg searches
# the exact keyword spellings patrol's prefilter searches (`patrol rules keywords`, fixed
# strings, case-sensitive), and .git directories are
# excluded for both. gitleaks and Kingfisher run their default rule sets (that is what their
# users run) and, for gitleaks, also only its GitHub rules; Kingfisher with validation off.
set -euo pipefail
# Reports go to files under $OUT, never to /dev/null: gitleaks replaces its report path with a
# new regular file, and doing that to /dev/null breaks every later process on the machine.
cd "$(dirname "$0")/.."
export PATH="$HOME/peers/bin:$PATH"
THREADS=${THREADS:-$(nproc)}
RUNS=${RUNS:-5}
OUT=${OUT:-target/bench-compare}
mkdir -p "$OUT"
cargo build --release --quiet
PATROL=$PWD/target/release/patrol

# The trees are copied once under target/bench-trees: the Python install lives inside pyenv's
# own git clone, whose .gitignore ("versions/") made gitleaks skip every file (it scanned 0
# bytes in 0.46 s). A copy has no enclosing repository or ignore file, so every tool sees the
# same files.
if [ $# -eq 0 ]; then
  TREES=${TREES:-target/bench-trees}
  mkdir -p "$TREES"
  py=$(python3 -c "import sysconfig; print(sysconfig.get_paths()['stdlib'])")
  [ -d "$TREES/python-stdlib" ] || cp -a "$py" "$TREES/python-stdlib"
  [ -d "$TREES/cargo-registry-src" ] || cp -a "$HOME/.cargo/registry/src" "$TREES/cargo-registry-src"
  set -- "$PWD/$TREES/python-stdlib" "$PWD/$TREES/cargo-registry-src"
fi

# rg's pattern list: every keyword spelling patrol's prefilter searches for, case-sensitively.
KW=$("$PATROL" rules keywords)
RG_ARGS=(-j "$THREADS" --no-ignore --hidden -a -F -c -g '!.git')
while read -r k; do RG_ARGS+=(-e "$k"); done <<< "$KW"

for tree in "$@"; do
  files=$(find "$tree" -type f -not -path '*/.git/*' | wc -l)
  bytes=$(find "$tree" -type f -not -path '*/.git/*' -printf '%s\n' | awk '{s+=$1} END {print s}')
  echo "== $tree: $files files, $((bytes / 1048576)) MiB, $THREADS threads"
  name=$(basename "$tree")
  GITLEAKS_GH="--enable-rule github-pat --enable-rule github-fine-grained-pat --enable-rule github-oauth --enable-rule github-app-token --enable-rule github-refresh-token"
  hyperfine --warmup 1 --runs "$RUNS" -i -N --export-json "$OUT/$name.json" --export-markdown "$OUT/$name.md" \
    -n patrol "$PATROL scan -q -j $THREADS --no-ignore $tree -o $OUT/patrol.txt" \
    -n patrol-no-decode "$PATROL scan -q -j $THREADS --no-ignore --no-decode $tree -o $OUT/patrol.txt" \
    -n ripgrep "rg ${RG_ARGS[*]} $tree" \
    -n gitleaks "env GOMAXPROCS=$THREADS gitleaks dir --no-banner --log-level error --exit-code 0 --max-decode-depth 0 -f json -r $OUT/gitleaks.json $tree" \
    -n gitleaks-github-rules "env GOMAXPROCS=$THREADS gitleaks dir --no-banner --log-level error --exit-code 0 --max-decode-depth 0 $GITLEAKS_GH -f json -r $OUT/gitleaks.json $tree" \
    -n kingfisher "kingfisher scan $tree -j $THREADS --no-validate --no-extract-archives --no-update-check --format json --output $OUT/kingfisher.json"
  cat "$OUT/$name.md"
done

echo "== startup: one small file"
tmp=$(mktemp -d); printf 'GITHUB_TOKEN=none\n' > "$tmp/.env"
hyperfine --warmup 5 --runs 50 -N -i -n patrol-one-file "$PATROL scan -q $tmp/.env" \
  --export-markdown "$OUT/startup.md"
cat "$OUT/startup.md"
rm -rf "$tmp"
