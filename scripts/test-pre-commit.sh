#!/usr/bin/env bash
# The shipped hooks, through the real pre-commit framework (from PyPI, in a virtual
# environment), on throwaway repositories:
#   1. a `repo: local` hook with `language: system` (patrol on PATH): a commit adding a token
#      is blocked, a clean one passes, `pre-commit run --all-files` fails on a committed token,
#      and the pre-push hook blocks a push that adds one;
#   2. `pre-commit try-repo` against this checkout (the shipped .pre-commit-hooks.yaml, built
#      from source by pre-commit: minutes; SKIP_TRY_REPO=1 skips it);
#   3. the pre-commit mirror (scripts/pre-commit-mirror.sh) with `try-repo`, installing the
#      wheel that scripts/test-wheel.sh built (skipped when there is none): what
#      pre-commit.ci and users without Rust get;
#   4. latency: `pre-commit run` of the system hook against patrol alone, on the 10,000-file
#      repository of benches/precommit.sh if it exists (hyperfine).
#
#   scripts/test-pre-commit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=target/pre-commit-test
rm -rf "$WORK"; mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export PATH="$HOME/peers/bin:$PATH"

cargo build --release --quiet
mkdir -p "$WORK/bin"; cp target/release/patrol "$WORK/bin/"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q --disable-pip-version-check pre-commit
export PATH="$WORK/bin:$WORK/venv/bin:$PATH"
export PRE_COMMIT_HOME=$WORK/cache
pre-commit --version

token() {
  python3 -c "
import random, string, zlib
A = string.digits + string.ascii_uppercase + string.ascii_lowercase
b = ''.join(random.Random($1).choice(A) for _ in range(30))
n = zlib.crc32(b.encode()); s = ''
for _ in range(6): s = A[n % 62] + s; n //= 62
print('ghp_' + b + s)"
}
expect() {  # expect CODE DESCRIPTION COMMAND...
  local want=$1 what=$2; shift 2
  set +e; "$@" > "$WORK/out.txt" 2>&1; local rc=$?; set -e
  # Exact codes: pre-commit exits 1 when a hook fails, 3 when it could not run one.
  if [ "$rc" = "$want" ]; then
    echo "   ok: $what (exit $rc)"
  else
    echo "   FAIL: $what: exit $rc"; cat "$WORK/out.txt"; exit 1
  fi
}
new_repo() {
  rm -rf "$1"; mkdir -p "$1"; cd "$1"
  git init -q -b main
  git config user.name "Pat Tester"; git config user.email pat@example.com
  git config commit.gpgsign false
}

echo "== 1. repo: local, language: system"
new_repo "$WORK/repo"
cat > .pre-commit-config.yaml <<'YAML'
repos:
  - repo: local
    hooks:
      - id: patrol
        name: patrol
        entry: patrol scan --pre-commit --
        language: system
        require_serial: true
      - id: patrol-pre-push
        name: patrol (pre-push)
        entry: patrol scan --pre-push
        language: system
        pass_filenames: false
        always_run: true
        stages: [pre-push]
YAML
echo "hello" > README.md
git add -A; git commit -q -m init --no-verify
pre-commit install -t pre-commit -t pre-push > /dev/null
printf 'GITHUB_TOKEN=%s\n' "$(token 1)" > deploy.env
git add deploy.env
expect 1 "a commit adding a token is blocked" git commit -q -m "add deploy config"
grep -q "ghp_" "$WORK/out.txt" && ! grep -q "$(token 1)" "$WORK/out.txt" \
  && echo "   ok: the hook's output shows the token redacted, never whole"
git reset -q HEAD deploy.env; rm deploy.env
echo "more" >> README.md; git add README.md
expect 0 "a clean commit passes" git commit -q -m "clean"
printf 'T=%s\n' "$(token 2)" > old.env; git add old.env; git commit -q -m "sneaked in" --no-verify
expect 1 "pre-commit run --all-files fails on a committed token" pre-commit run --all-files
echo "x" >> README.md; git add README.md
expect 0 "...while a commit that does not touch it passes" git commit -q -m "unrelated"
git init -q --bare "$WORK/remote.git"; git remote add origin "$WORK/remote.git"
git push -q --no-verify origin main
printf 'T=%s\n' "$(token 3)" > pushed.env; git add pushed.env; git commit -q -m "push me" --no-verify
expect 1 "the pre-push hook blocks a push adding a token" git push -q origin main
git reset -q --hard HEAD~1
echo "y" >> README.md; git commit -q -am "clean push" --no-verify
expect 0 "a clean push passes" git push -q origin main

if [ "${SKIP_TRY_REPO:-0}" != 1 ]; then
  echo "== 2. pre-commit try-repo against this checkout (builds the package from source)"
  new_repo "$WORK/try"
  printf 'T=%s\n' "$(token 4)" > leak.env; echo ok > fine.txt
  git add -A; git commit -q -m leak --no-verify
  start=$(date +%s)
  expect 1 "try-repo: --all-files fails on a committed token" \
    pre-commit try-repo "$ROOT" patrol --all-files
  # try-repo installs into a fresh store every time: each run pays the build.
  echo "   (including the build from source: $(( $(date +%s) - start )) s)"
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -1)
if ls "$ROOT"/target/wheels/patrol_scan-"$version"-*.whl > /dev/null 2>&1; then
  echo "== 3. the pre-commit mirror, installing the built wheel (no compilation)"
  "$ROOT/scripts/pre-commit-mirror.sh" "$WORK/mirror" > /dev/null
  (cd "$WORK/mirror" && git init -q -b main && git add -A \
    && git -c user.name=r -c user.email=r@example.com commit -q -m mirror)
  new_repo "$WORK/try-mirror"
  printf 'T=%s\n' "$(token 5)" > leak.env; echo ok > fine.txt
  git add -A; git commit -q -m leak --no-verify
  start=$(date +%s)
  # The wheel comes from target/wheels instead of PyPI, where this version may not be yet.
  expect 1 "mirror: --all-files fails on a committed token" \
    env PIP_FIND_LINKS="$ROOT/target/wheels" pre-commit try-repo "$WORK/mirror" patrol --all-files
  echo "   (first run, including the install: $(( $(date +%s) - start )) s)"
  grep -q "Failed" "$WORK/out.txt" && echo "   ok: pre-commit reports the hook as Failed"
  # The README's `repo: local` hook that installs the wheel.
  cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: local
    hooks:
      - id: patrol
        name: patrol
        entry: patrol scan --pre-commit --
        language: python
        additional_dependencies: [patrol-scan==$version]
        require_serial: true
YAML
  expect 1 "local hook with additional_dependencies: --all-files fails on a committed token" \
    env PIP_FIND_LINKS="$ROOT/target/wheels" pre-commit run --all-files
fi

BENCH=$ROOT/target/bench-precommit/repo
if [ -d "$BENCH/.git" ] && command -v hyperfine > /dev/null; then
  echo "== 4. latency through the framework: 10 staged edits of 10,000 files"
  cd "$BENCH"; git reset -q --hard; git clean -qfdx
  cp "$WORK/repo/.pre-commit-config.yaml" .
  # The framework's own cost: the same run with a hook that does nothing.
  cat >> .pre-commit-config.yaml <<'YAML'
      - id: noop
        name: noop
        entry: "true"
        language: system
YAML
  python3 "$ROOT/benches/stage-edits.py" "$BENCH" > /dev/null
  files=$(git diff --cached --name-only | tr '\n' ' ')
  hyperfine -N --warmup 3 --runs 20 --export-json "$WORK/latency.json" \
    -n "pre-commit run patrol" "pre-commit run patrol" \
    -n "pre-commit run noop (the framework alone)" "pre-commit run noop" \
    -n "patrol scan --pre-commit (as the hook runs it)" "patrol scan --pre-commit -- $files" \
    -n "patrol scan --staged" "patrol scan --staged -q" > /dev/null 2>&1
  python3 -c "
import json, sys
for r in json.load(open(sys.argv[1]))['results']:
    print(f\"   {r['command']:<48} median {r['median'] * 1000:6.1f} ms  (min {r['min'] * 1000:.1f}, max {r['max'] * 1000:.1f})\")
" "$WORK/latency.json"
  rm .pre-commit-config.yaml; git reset -q --hard
fi
echo "== ok"
