#!/usr/bin/env bash
# Git-history audit on a long history of real code: patrol against gitleaks and Kingfisher,
# wall time and peak RSS (one run each), plus patrol's peak RSS as the history grows.
#
#   benches/history.sh
#
# A real repository (git/git) against the single-threaded floor, `git cat-file
# --batch-all-objects --batch --unordered`, and the peers: benches/history-floor.sh REPO.
#
# (a) Builds, once, into ${WORK:-target/bench-history}/repo a git repository whose commits are
#     the successive released versions of a few large crates from crates.io (versions from the
#     sparse index, yanked and pre-releases skipped, the last N by semver; the .crate tarballs
#     extracted into crates/<name>/, crates interleaved round-robin, fixed author/committer dates
#     one day apart). Generated GitHub classic tokens (valid CRC-32 checksum) are planted in a few
#     commits and removed later, plus one decoy with a wrong checksum; $WORK/manifest.json lists
#     them. The build is skipped when $WORK/repo.done matches the crate list. `git gc` once.
# (b) Runs each tool once on the full history under /usr/bin/time -v, warm page cache, THREADS
#     threads (default 2), and prints a markdown table (findings checked against the planted
#     tokens; patrol's introducing commit checked too); then patrol alone on --bare --no-local
#     --single-branch clones holding the first 1/4, 1/2 and all of the history.
#
# Needs git, python3 (downloads with urllib), /usr/bin/time (apt-get install time), and gitleaks
# and kingfisher in $HOME/peers/bin. CRATES (default below) is "name:N name:N ..."; a larger
# run, every usable version (~1100 commits):
#   WORK=target/bench-history-large \
#   CRATES="tokio:189 syn:346 regex:166 serde:305 clap_builder:109" benches/history.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/peers/bin:$PATH"
THREADS=${THREADS:-2}
WORK=${WORK:-target/bench-history}
CRATES=${CRATES:-"tokio:50 syn:60 regex:50 serde:60 clap_builder:60"}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
REPO=$WORK/repo

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time" >&2
  (apt-get install -y -qq time || { apt-get update -qq && apt-get install -y -qq time; }) >/dev/null
fi
for t in git python3 gitleaks kingfisher; do
  command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 2; }
done

cargo build --release --quiet
PATROL=$PWD/target/release/patrol

# On this machine /dev/null has been seen as a plain file (not the character device): whatever
# anyone wrote to it (e.g. a pyenv shim's 2>/dev/null) is read back by the next process that
# opens it for stdin, and `git gc` (repack gives pack-objects /dev/null as stdin, which it
# parses as revisions) then dies with "fatal: bad revision '<that text>'". Truncate it first.
devnull_guard() { [ -c /dev/null ] || : > /dev/null; }
[ -c /dev/null ] || echo "warning: /dev/null is not a character device here (truncating it before git gc)" >&2

# ---------------------------------------------------------------------------------------------
# (a) the repository
# ---------------------------------------------------------------------------------------------
if [ -f "$WORK/repo.done" ] && [ "$(cat "$WORK/repo.done")" = "$CRATES" ] && [ -d "$REPO/.git" ]; then
  echo "== reusing $REPO (delete $WORK/repo.done to rebuild)"
else
  rm -rf "$REPO" "$REPO.tmp" "$WORK/repo.done" "$WORK"/clone-*
  echo "== building $REPO from: $CRATES"
  WORK=$WORK CRATES=$CRATES python3 - <<'PY'
import json, os, random, re, shutil, string, subprocess, sys, urllib.request, zlib
from concurrent.futures import ThreadPoolExecutor

work = os.environ["WORK"]
spec = [(c.split(":")[0], int(c.split(":")[1])) for c in os.environ["CRATES"].split()]
dl = os.path.join(work, "dl")
os.makedirs(dl, exist_ok=True)
repo = os.path.join(work, "repo.tmp")

def index_path(n):
    n = n.lower()
    if len(n) <= 2: return f"{len(n)}/{n}"
    if len(n) == 3: return f"3/{n[0]}/{n}"
    return f"{n[:2]}/{n[2:4]}/{n}"

def get(url):
    for attempt in range(4):
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                return r.read()
        except Exception as e:
            if attempt == 3: raise
            print(f"retry {url}: {e}", file=sys.stderr)

def semver_key(v):
    return tuple(int(x) for x in v.split("+")[0].split("."))

versions = {}
for name, n in spec:
    lines = get(f"https://index.crates.io/{index_path(name)}").decode().splitlines()
    entries = [json.loads(l) for l in lines if l.strip()]
    ok = [e["vers"] for e in entries if not e["yanked"] and "-" not in e["vers"]]
    ok.sort(key=semver_key)
    versions[name] = ok[-n:]
    print(f"{name}: {len(entries)} published, {len(ok)} usable, taking {versions[name][0]} .. {versions[name][-1]}")

def fetch(nv):
    name, v = nv
    p = os.path.join(dl, f"{name}-{v}.crate")
    if not os.path.exists(p):
        data = get(f"https://static.crates.io/crates/{name}/{name}-{v}.crate")
        with open(p + ".part", "wb") as f: f.write(data)
        os.rename(p + ".part", p)
    return p

jobs = [(name, v) for name, _ in spec for v in versions[name]]
with ThreadPoolExecutor(8) as ex:
    list(ex.map(fetch, jobs))

# Round-robin interleaving: round r commits version r of every crate that still has one.
schedule = []
for r in range(max(len(v) for v in versions.values())):
    for name, _ in spec:
        if r < len(versions[name]):
            schedule.append((name, versions[name][r]))
T = len(schedule)

# Tokens: ghp_ + 30 random alphanumerics + base62(crc32(body)), 6 digits, 0-9A-Za-z.
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
rng = random.Random(20240601)
def b62(n):
    s = ""
    for _ in range(6):
        s = B62[n % 62] + s; n //= 62
    return s
def token(valid=True):
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
    c = b62(zlib.crc32(body.encode()))
    if not valid:
        c = c[:-1] + ("A" if c[-1] != "A" else "B")
    return "ghp_" + body + c
tok = [token() for _ in range(10)]
decoy = token(valid=False)

def at(f): return max(1, min(T - 1, int(f * T)))
# (commit index, action, path, text). "write" creates or overwrites, "append" adds to an
# existing file, "rm" deletes. Files under crates/<name>/ vanish at that crate's next version.
plants = [
    (at(0.05), "write", ".env", f"GITHUB_TOKEN={tok[0]}\n"),
    (at(0.08), "write", ".env", f"GITHUB_TOKEN={tok[0]}\nDEBUG=1\n"),   # same token, 2nd blob
    (at(0.10), "rm", ".env", None),
    (at(0.15), "write", "config/deploy.yml", f"deploy:\n  registry: ghcr.io\n  token: {tok[1]}\n"),
    (at(0.20), "rm", "config/deploy.yml", None),
    (at(0.25), "write", "scripts/release.sh", f"#!/bin/sh\nexport GH_TOKEN={tok[2]}\ncargo publish\n"),
    (at(0.26), "rm", "scripts/release.sh", None),
    (at(0.30), "append", "crates/serde/README.md", f"\n<!-- ci token {tok[3]} -->\n"),
    (at(0.40), "write", ".env", f"GITHUB_TOKEN={tok[4]}\nGH_BACKUP_TOKEN='{tok[5]}'\n"),
    (at(0.45), "rm", ".env", None),
    (at(0.55), "write", ".github/workflows/ci.yml",
     f"on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      GITHUB_TOKEN: {tok[6]}\n"),
    (at(0.60), "rm", ".github/workflows/ci.yml", None),
    (at(0.70), "write", "docs/notes.md",
     f"# Notes\n\nThe bot uses `{tok[7]}` for now, rotate it!\n\nExample format: `{decoy}`\n"),
    (at(0.71), "rm", "docs/notes.md", None),
    (at(0.85), "write", "crates/syn/tests/leak.rs", f'const TOKEN: &str = "{tok[8]}";\n'),
    (at(0.95), "write", ".env", f"GITHUB_TOKEN={tok[9]}\n"),
    (at(0.97), "rm", ".env", None),
]
# Whatever crate the syn and serde plants land in must be replaced later: check.
for i, act, path, _ in plants:
    if path.startswith("crates/"):
        c = path.split("/")[1]
        assert any(n == c for n, _ in schedule[i + 1:]), f"{path} would survive to HEAD"

shutil.rmtree(repo, ignore_errors=True)
def git(*a, env=None):
    subprocess.run(["git", "-C", repo, *a], check=True, env=env)
subprocess.run(["git", "init", "-q", "--template=", "-b", "main", repo], check=True)
git("config", "user.name", "Bench Bot"); git("config", "user.email", "bench@example.invalid")
git("config", "gc.auto", "0"); git("config", "core.autocrlf", "false")

BASE = 1577836800  # 2020-01-01T00:00:00Z
summed = 0
released = 0
cuts = {}
for i, (name, v) in enumerate(schedule):
    d = os.path.join(repo, "crates", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    # --touch and dropping the crate's index entries: an extracted file keeps the tarball's
    # fixed mtime and often the same size and a recycled inode, so git's stat check would
    # otherwise take a changed file (version = "1.0.170" -> "1.0.171") for unchanged.
    subprocess.run(["tar", "xzf", os.path.join(dl, f"{name}-{v}.crate"), "--strip-components=1",
                    "--no-same-owner", "--touch", "-C", d], check=True)
    for root, dirs, files in os.walk(d):
        released += sum(os.lstat(os.path.join(root, f)).st_size for f in files)
    if i >= len(spec):
        git("rm", "-r", "-q", "--cached", "--ignore-unmatch", f"crates/{name}")
    for j, act, path, text in plants:
        if j != i: continue
        p = os.path.join(repo, path)
        if act == "rm":
            os.remove(p)
        else:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "a" if act == "append" else "w") as f: f.write(text)
    git("add", "-A", "-f", ".")
    ts = f"{BASE + i * 86400} +0000"
    env = dict(os.environ, GIT_AUTHOR_DATE=ts, GIT_COMMITTER_DATE=ts)
    git("commit", "-q", "--no-verify", "-m", f"{name} {v}", env=env)
    for root, dirs, files in os.walk(repo):
        if root == repo: dirs[:] = [x for x in dirs if x != ".git"]
        for f in files:
            summed += os.lstat(os.path.join(root, f)).st_size
    if (i + 1) in (T // 4, T // 2):
        git("branch", "-f", f"bench/cut-{i + 1}")
        cuts[str(i + 1)] = f"bench/cut-{i + 1}"
    if (i + 1) % 50 == 0: print(f"  {i + 1}/{T} commits", flush=True)

head = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "HEAD", "--name-only"],
                      check=True, capture_output=True, text=True).stdout
for t in tok + [decoy]:
    r = subprocess.run(["git", "-C", repo, "grep", "-q", "-F", t, "HEAD"])
    assert r.returncode == 1, f"planted token still at HEAD: {t}"

manifest = {
    "commits": T, "crates": versions, "summed_checkout_bytes": summed,
    "summed_release_bytes": released,
    "tokens": tok, "decoy_bad_checksum": decoy,
    "plants": [{"commit": i + 1, "action": a, "path": p, "crate_commit": " ".join(schedule[i]),
                "tokens": [t for t in tok + [decoy] if text and t in text]}
               for i, a, p, text in plants],
    "cuts": cuts,
}
with open(os.path.join(work, "manifest.json"), "w") as f: json.dump(manifest, f, indent=1)
print(f"built {T} commits, {summed / 2**20:.0f} MiB checked out summed over history, "
      f"{len(tok)} distinct valid tokens planted (+1 bad-checksum decoy)")
PY
  devnull_guard
  git -C "$REPO.tmp" gc -q
  mv "$REPO.tmp" "$REPO"
  printf '%s' "$CRATES" > "$WORK/repo.done"
fi

# ---------------------------------------------------------------------------------------------
# (b) measurements
# ---------------------------------------------------------------------------------------------
R=$WORK/results
rm -rf "$R"; mkdir -p "$R"
COMMITS=$(git -C "$REPO" rev-list --count --all)
OBJECTS=$(git -C "$REPO" rev-list --objects --all | wc -l)
read -r BLOBS BLOB_BYTES < <(git -C "$REPO" rev-list --objects --all | cut -d' ' -f1 |
  git -C "$REPO" cat-file --batch-check='%(objecttype) %(objectsize)' |
  awk '$1 == "blob" {n++; s += $2} END {print n, s}')
PACK=$(du -cb "$REPO"/.git/objects/pack/*.pack | tail -1 | cut -f1)
read -r SUMMED RELEASED < <(python3 -c "import json; m = json.load(open('$WORK/manifest.json'))
print(m['summed_checkout_bytes'], m['summed_release_bytes'])")
echo "== repo: $COMMITS commits; $OBJECTS objects (rev-list --objects --all), of which $BLOBS blobs" \
  "holding $((BLOB_BYTES / 1048576)) MiB; pack $((PACK / 1048576)) MiB;" \
  "$((RELEASED / 1048576)) MiB of released crate contents committed;" \
  "$((SUMMED / 1048576)) MiB checked out summed over all commits"
echo "== $(nproc) CPUs, THREADS=$THREADS, load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
warm() { : "$(cat "$@" | wc -c)"; }   # page cache, without writing to /dev/null (see above)
warm "$REPO"/.git/objects/pack/*.pack

# run NAME CMD...: one run under /usr/bin/time -v; records wall seconds and peak RSS (KiB).
# GNU time's peak RSS is the largest single process among the command and its waited-for
# children (getrusage max, not a sum): gitleaks' `git log -p` child is counted only if larger.
run() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  local rc=0
  /usr/bin/time -v -o "$R/$name.time" "$@" > "$R/$name.stdout" 2> "$R/$name.stderr" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 200 ]; then  # findings: patrol 1, kingfisher 200
    echo "!! $name exited $rc; stderr tail:" >&2; tail -5 "$R/$name.stderr" >&2
  fi
  t1=$(date +%s.%N)
  local rss
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$R/$name.time")
  echo "$name $(awk "BEGIN {print $t1 - $t0}") $rss" | tee "$R/$name.m" >> "$R/measure.txt"
  awk -v n="$name" -v w="$(awk "BEGIN {print $t1 - $t0}")" -v r="$rss" \
    'BEGIN {printf "   %-22s %8.2f s %8.1f MiB\n", n, w, r / 1024}'
}

echo "== warming Kingfisher's rule cache"
tmp=$(mktemp -d); printf 'x=1\n' > "$tmp/a.txt"
kingfisher scan "$tmp" -j "$THREADS" --no-validate --no-update-check --format json --output "$tmp/out.json" \
  > "$tmp/log" 2>&1 || true
rm -rf "$tmp"

echo "== full history, one run each"
run patrol "$PATROL" scan --git "$REPO" -q -j "$THREADS" -f json -o "$R/patrol.json"
# The decode stage's cost on history (issue #10): the same scan without it.
run patrol-no-decode "$PATROL" scan --git "$REPO" -q -j "$THREADS" --no-decode -f json -o "$R/patrol-nd.json"
run gitleaks env GOMAXPROCS="$THREADS" gitleaks git "$REPO" --no-banner -f json -r "$R/gitleaks.json" \
  --log-level error --exit-code 0
run kingfisher kingfisher scan "$REPO" --git-history full -j "$THREADS" --no-validate --no-update-check \
  --format json --output "$R/kingfisher.json"
# Not timed: the same patrol scan with secrets shown, to check each planted token by value.
"$PATROL" scan --git "$REPO" -q -j "$THREADS" -f json --show-secrets -o "$R/patrol-secrets.json" || true

WORK=$WORK R=$R python3 - <<'PY'
import json, os
work, R = os.environ["WORK"], os.environ["R"]
man = json.load(open(f"{work}/manifest.json"))
toks, decoy = man["tokens"], man["decoy_bad_checksum"]
meas = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open(f"{R}/measure.txt")}

def load(path):
    try: return json.load(open(path))
    except Exception as e: return None

p = load(f"{R}/patrol.json"); ps = load(f"{R}/patrol-secrets.json")
g = load(f"{R}/gitleaks.json"); k = load(f"{R}/kingfisher.json")
secrets = {
    "patrol": [f.get("secret", "") for f in ps["findings"]] if ps else None,
    "gitleaks": [f.get("Secret", "") for f in g] if g is not None else None,
    "kingfisher": [f["finding"].get("snippet", "") for f in k["findings"]] if k else None,
}
counts = {"patrol": len(p["findings"]) if p else None,
          "gitleaks": len(g) if g is not None else None,
          "kingfisher": len(k["findings"]) if k else None}
def gh(tool):
    s = secrets[tool]
    if s is None: return "-"
    found = sum(1 for t in toks if any(t in x for x in s))
    occ = sum(1 for x in s for t in toks if t in x)
    dec = sum(1 for x in s if decoy in x)
    return f"{found}/{len(toks)} ({occ} findings), decoy {dec}"

pw, pr = meas["patrol"]
if "patrol-no-decode" in meas:
    nw, nr = meas["patrol-no-decode"]
    print(f"decode stage: {pw:.2f} s with, {nw:.2f} s without (--no-decode): {pw / nw:.2f}x; "
          f"peak RSS {pr / 1024:.1f} vs {nr / 1024:.1f} MiB")
print()
print("| tool | wall s | peak RSS MiB | findings | planted valid tokens found | wall vs patrol | RSS vs patrol |")
print("|---|---:|---:|---:|---|---:|---:|")
for tool in ("patrol", "gitleaks", "kingfisher"):
    w, r = meas[tool]
    print(f"| {tool} | {w:.2f} | {r/1024:.1f} | {counts[tool]} | {gh(tool)} | {w/pw:.1f}x | {r/pr:.1f}x |")
print()
if p:
    s = p["summary"]
    print(f"patrol summary: {s['files']} blobs scanned, {s['bytes']/2**20:.0f} MiB, "
          f"errors {len(s['errors'])}, skipped {s['skipped']}")
if k:
    s = k["metadata"]["summary"]
    print(f"kingfisher summary: {s['blobs_scanned']} blobs, {s['bytes_scanned']/2**20:.0f} MiB scanned")
if g is not None:
    from collections import Counter
    print("gitleaks findings by rule:", dict(Counter(f["RuleID"] for f in g).most_common(8)))
if k:
    from collections import Counter
    print("kingfisher findings by rule:", dict(Counter(f["rule"]["id"] for f in k["findings"]).most_common(8)))
if ps:
    missing = [t[:8] for t in toks if not any(t == x for x in secrets["patrol"])]
    dup = {x[:8]: secrets["patrol"].count(x) for x in set(secrets["patrol"]) if secrets["patrol"].count(x) > 1}
    other = [(f["rule"], f["path"]) for f in ps["findings"] if f.get("secret") not in toks]
    print(f"patrol check: missing {missing or 'none'}, reported more than once {dup or 'none'}, "
          f"other findings {other or 'none'}")
    # The commit that introduced each token: the first plant whose text holds it.
    first = {}
    for pl in man["plants"]:
        if pl["action"] != "rm":
            for t in pl.get("tokens", []):
                first.setdefault(t, pl["crate_commit"])
    for f in ps["findings"]:
        if f.get("secret") in toks:
            i = toks.index(f["secret"])
            print(f"   token {i}: {f['path']} @ {f['commit']['summary']!r} ({f['commit']['date']}), "
                  f"commits={f.get('commits')}, unreachable={f.get('unreachable')}"
                  + ("" if f["commit"]["summary"] == first.get(f["secret"]) else
                     f"  <-- WRONG COMMIT, expected {first.get(f['secret'])!r}"))
PY

# ---------------------------------------------------------------------------------------------
# patrol's peak RSS against history length: --bare --no-local clones of 1/4, 1/2, all
# ---------------------------------------------------------------------------------------------
echo
echo "== patrol peak RSS vs history length (bare --no-local --single-branch clones)"
: > "$R/scale.txt"
for br in $(git -C "$REPO" for-each-ref --format='%(refname:short)' 'refs/heads/bench/cut-*' | sort -t- -k2 -n) main; do
  c=$WORK/clone-${br##*/}
  if [ ! -d "$c" ]; then
    git clone -q --bare --no-local --single-branch --branch "$br" "$REPO" "$c.tmp"
    devnull_guard
    git -C "$c.tmp" gc -q
    mv "$c.tmp" "$c"
  fi
  n=$(git -C "$c" rev-list --count --all)
  nb=$(git -C "$c" rev-list --objects --all | cut -d' ' -f1 |
    git -C "$c" cat-file --batch-check='%(objecttype) %(objectsize)' |
    awk '$1 == "blob" {n++; s += $2} END {printf "%d blobs, %.0f MiB", n, s / 1048576}')
  pk=$(du -cb "$c"/objects/pack/*.pack | tail -1 | cut -f1)
  warm "$c"/objects/pack/*.pack
  run "patrol-$n" "$PATROL" scan --git "$c" -q -j "$THREADS" -f json -o "$R/patrol-$n.json" > /dev/null
  read -r _ w rss < "$R/patrol-$n.m"
  f=$(python3 -c "import json; print(len(json.load(open('$R/patrol-$n.json'))['findings']))")
  echo "$n|$nb|$pk|$w|$rss|$f" >> "$R/scale.txt"
done
echo
echo "| commits | unique blobs | pack MiB | patrol wall s | patrol peak RSS MiB | findings |"
echo "|---:|---:|---:|---:|---:|---:|"
while IFS='|' read -r n nb pk w rss f; do
  awk -v n="$n" -v nb="$nb" -v pk="$pk" -v w="$w" -v r="$rss" -v f="$f" \
    'BEGIN {printf "| %s | %s | %.1f | %.2f | %.1f | %s |\n", n, nb, pk / 1048576, w, r / 1024, f}'
done < "$R/scale.txt"
echo
echo "(one run each; $(nproc) CPUs shared with other processes; load average at end: $(cut -d' ' -f1-3 /proc/loadavg))"
