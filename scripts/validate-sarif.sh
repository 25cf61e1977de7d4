#!/usr/bin/env bash
# Validates SARIF files with Microsoft's SARIF Multitool (`validate`), as GitHub's own docs
# suggest before an upload. Installs the tool once from the npm registry into
# target/sarif-multitool.
#
#   scripts/validate-sarif.sh FILE.sarif...
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 FILE.sarif..." >&2; exit 2; }
DIR=target/sarif-multitool
if [ ! -d "$DIR/node_modules/@microsoft/sarif-multitool-linux" ]; then
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-save --silent @microsoft/sarif-multitool-linux@5.7.0 >&2
fi
TOOL=$(find "$DIR/node_modules/@microsoft/sarif-multitool-linux" -type f -name 'Sarif.Multitool' | head -1)
[ -n "$TOOL" ] || { echo "Sarif.Multitool not found in $DIR" >&2; exit 2; }
chmod +x "$TOOL"
status=0
for f in "$@"; do
  out=$(mktemp --suffix=.sarif)
  "$TOOL" validate "$f" --output "$out" --log ForceOverwrite > "$out.log" 2>&1 || {
    cat "$out.log" >&2
    status=1
    continue
  }
  # The multitool writes its findings about the file as SARIF results: errors fail the check,
  # warnings (advice such as "add a snippet") are listed.
  python3 - "$f" "$out" <<'PY' || status=1
import json, sys
results = [x for r in json.load(open(sys.argv[2]))["runs"] for x in r.get("results", [])]
levels = {}
for x in results:
    levels.setdefault(x.get("level", "warning"), []).append(x)
for x in results:
    print(f'  {x.get("level", "warning")} {x["ruleId"]}: {x["message"].get("text", x["message"])}')
print(f"{sys.argv[1]}: {len(levels.get('error', []))} errors, {len(levels.get('warning', []))} warnings")
sys.exit(1 if levels.get("error") else 0)
PY
  rm -f "$out" "$out.log"
done
exit $status
