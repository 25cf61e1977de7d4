#!/usr/bin/env bash
# Builds the platform wheel (maturin, `bin` bindings), installs it into a fresh virtual
# environment with no Rust toolchain on PATH, and runs a scan with the installed `patrol`:
# what `pip install patrol-scan` gives a user.
#
#   scripts/test-wheel.sh            (wheel in target/wheels/, venvs under target/wheel-test/)
#
# Needs python3 with venv and the package registry (for maturin); nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=target/wheel-test
rm -rf "$WORK"; mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

echo "== building the wheel"
python3 -m venv "$WORK/build"
"$WORK/build/bin/pip" install -q --disable-pip-version-check "maturin>=1.5,<2"
start=$(date +%s)
"$WORK/build/bin/maturin" build --release --out target/wheels --quiet 2>&1 | grep -v "^📦\|^🍹\|^🔗\|^🐍" || true
echo "   built in $(( $(date +%s) - start )) s"
wheel=$(ls -t target/wheels/patrol_scan-*.whl | head -1)
echo "   $wheel ($(du -h "$wheel" | cut -f1))"
unzip -p "$wheel" '*/METADATA' | grep -E '^(Name|Version|License|Summary|Classifier|Project-URL|Requires-Python):' | sed 's/^/   /'

echo "== installing it into a fresh environment, without cargo on PATH"
python3 -m venv "$WORK/user"
"$WORK/user/bin/pip" install -q --disable-pip-version-check --no-index "$wheel"
clean_path="$WORK/user/bin:/usr/bin:/bin"
PATH=$clean_path command -v cargo >/dev/null && { echo "cargo is still on PATH"; exit 1; }
PATH=$clean_path command -v patrol
PATH=$clean_path patrol --version

echo "== scanning with it"
tree=$WORK/tree; mkdir -p "$tree"
token=$(python3 -c "
import random, string, zlib
A = string.digits + string.ascii_uppercase + string.ascii_lowercase
b = ''.join(random.Random(3).choice(A) for _ in range(30))
n = zlib.crc32(b.encode()); s = ''
for _ in range(6): s = A[n % 62] + s; n //= 62
print('ghp_' + b + s)")
printf 'GITHUB_TOKEN=%s\n' "$token" > "$tree/.env"
set +e
(cd "$tree" && PATH=$clean_path patrol scan --format json -o "$WORK/report.json" .)
rc=$?
set -e
[ "$rc" = 1 ] || { echo "expected exit 1 (a finding), got $rc"; exit 1; }
python3 -c "import json,sys; d=json.load(open('$WORK/report.json')); f=d['findings']; assert len(f)==1 and f[0]['rule']=='github.pat.classic', f; print('   found:', f[0]['rule'], f[0]['secret'])"
echo "== ok: the wheel installs patrol on PATH and it scans"
