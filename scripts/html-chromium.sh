#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium (Debian's `chromium` package, installed
# here when missing) loads pages patrol wrote and this script checks that
#   1. the page loads with no console message at all (no error, no CSP violation);
#   2. no payload from the repository runs: a file named `<img src=x onerror=…>`, a commit
#      message `<script>document.title='pwned'</script>`, an author `x" onmouseover="…`, a
#      line holding `javascript:` — the title stays patrol's, no element but ours exists;
#   3. filtering works: `#q=…` and `#present=…` in the address leave the matching rows;
#   4. the page renders: a screenshot (target/html-chromium/report.png).
# With REPO=PATH, the screenshot is of an audit of that repository instead
# (`patrol scan --git PATH -f html`); docs/audit/report.png is made that way.
#
#   scripts/html-chromium.sh                  # the hostile repository, checks 1-4
#   REPO=target/bench-history/repo scripts/html-chromium.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium > /dev/null; then
  echo "installing Debian's chromium" >&2
  (apt-get install -y -qq chromium || { apt-get update -qq && apt-get install -y -qq chromium; }) > /dev/null
fi
cargo build --release --quiet
PATROL=$PWD/target/release/patrol
OUT=$PWD/target/html-chromium
rm -rf "$OUT"; mkdir -p "$OUT"

browse() { # browse URL [chromium options...]: chromium's output on stdout, its log in $OUT/console.log
  local url=$1; shift
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$OUT/profile" --enable-logging=stderr --v=0 "$@" "$url" 2> "$OUT/console.log" \
    || fail "chromium failed on $url: $(tail -3 "$OUT/console.log")"
}
fail() { echo "FAIL: $*" >&2; exit 1; }

# A repository whose history holds tokens under hostile names, messages and authors.
repo=$OUT/hostile
mkdir -p "$repo"
git -C "$repo" init -q -b main
git -C "$repo" config user.email pat@example.com
git -C "$repo" config user.name "Pat Tester"
token() { # a GitHub classic token with a valid CRC-32 checksum (python: base62 of the CRC)
  python3 -c '
import random, string, sys, zlib
r = random.Random(int(sys.argv[1]))
body = "".join(r.choice(string.ascii_letters + string.digits) for _ in range(30))
c, al, s = zlib.crc32(body.encode()), string.digits + string.ascii_uppercase + string.ascii_lowercase, ""
for _ in range(6): s, c = al[c % 62] + s, c // 62
print("ghp_" + body + s)' "$1"
}
t1=$(token 1); t2=$(token 2); t3=$(token 3)
echo "T=$t1" > "$repo/<img src=x onerror=alert(1)>"
git -C "$repo" add -A
git -C "$repo" commit -qm "<script>document.title='pwned'</script>" --author 'x" onmouseover="alert(2) <x@example.com>'
mkdir -p "$repo/config"; echo "U=$t2" > "$repo/config/app.env"
git -C "$repo" add -A; git -C "$repo" commit -qm "add app config"
git -C "$repo" rm -q config/app.env
printf 'javascript:alert(3)\nV=%s\n' "$t3" > "$repo/later.txt"
git -C "$repo" add -A; git -C "$repo" commit -qm "remove the config"

page=$OUT/hostile.html
"$PATROL" scan --git "$repo" -f html -o "$page" || [ $? -eq 1 ] || fail "scan failed"

dom=$(browse "file://$page" --dump-dom)
# 1. no console message (CSP violations and script errors are console messages)
if grep -q ':CONSOLE' "$OUT/console.log"; then
  grep ':CONSOLE' "$OUT/console.log" >&2
  fail "console messages"
fi
# 2. payloads inert
grep -q '<title>patrol report: 3 leaked secrets</title>' <<< "$dom" || fail "title changed: $(grep -o '<title>[^<]*' <<< "$dom")"
[ "$(grep -o '<script' <<< "$dom" | wc -l)" -eq 1 ] || fail "a script element besides ours"
[ "$(grep -o '<svg' <<< "$dom" | wc -l)" -eq 1 ] || fail "an svg besides the timeline"
! grep -q '<img' <<< "$dom" || fail "an img element"
! grep -q '<[^>]* on[a-z]*=[^>]*>' <<< "$dom" || fail "an event handler attribute"
grep -q '&lt;img src=x onerror=alert(1)&gt;' <<< "$dom" || fail "the file name is not shown as text"
for t in "$t1" "$t2" "$t3"; do ! grep -q "${t:8}" <<< "$dom" || fail "a secret in the page"; done
# 3. filtering from the address
rows() { grep -o '<tr data-family[^>]*>' <<< "$1" | grep -vc ' hidden' || true; }
[ "$(rows "$dom")" -eq 3 ] || fail "expected 3 visible rows, got $(rows "$dom")"
dom=$(browse "file://$page#q=config" --dump-dom)
[ "$(rows "$dom")" -eq 1 ] || fail "#q=config: expected 1 row, got $(rows "$dom")"
grep -q 'id="shown">1 of 3 shown' <<< "$dom" || fail "#q=config: the count"
dom=$(browse "file://$page#present=yes" --dump-dom)
[ "$(rows "$dom")" -eq 2 ] || fail "#present=yes: expected 2 rows, got $(rows "$dom")"
! grep -q ':CONSOLE' "$OUT/console.log" || fail "console messages when filtering"
echo "ok: no console messages, payloads inert, filtering works"

# 4. a screenshot
if [ -n "${REPO:-}" ]; then
  page=$OUT/audit.html
  "$PATROL" scan --git "$REPO" -f html -o "$page" || [ $? -eq 1 ] || fail "scan of $REPO failed"
fi
browse "file://$page" --hide-scrollbars --window-size=1280,1500 --screenshot="$OUT/report.png" > /dev/null
! grep -q ':CONSOLE' "$OUT/console.log" || fail "console messages on $page"
echo "screenshot: $OUT/report.png ($page)"
