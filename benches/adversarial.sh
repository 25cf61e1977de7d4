#!/usr/bin/env bash
# Time linear in the input, whatever the bytes: patrol on hostile inputs built to make a scanner
# slow, each at 1 MB and 10 MB, against ordinary source code of the same sizes.
#
#   benches/adversarial.sh            (RUNS=3 per case, median reported)
#   PATROL=/path/to/patrol CASES=ordinary,distinct benches/adversarial.sh
#                                     (another build, no cargo build; only the cases named)
#
# Cases (see benches/README.md for why each is hostile):
#   ordinary       the Python standard library's .py files, concatenated (the reference)
#   flood-ghp      `ghp_` repeated: a keyword hit every 4 bytes
#   flood-ghs      `ghs_` repeated: two rules (classic and stateless) own the keyword
#   max-runs       `ghp_` + 251 alphanumerics (the longest a classic token may be) + a space:
#                  every length from 36 to 251 is a checksum candidate
#   jwt-near-miss  stateless-token shapes that fail late (a short signature), on one line
#   long-run       `ghs_1_` + base64url for the whole input: one match as long as the regex
#                  window allows, and `ghs_` inside it again and again
#   tokens-line    checksum-valid tokens separated by spaces, all on one line (25k per MB)
#   findings-*     a valid token per line (25k findings per MB) written as text, json, sarif
#                  (2,000 distinct tokens, repeated)
#   distinct       the same, every token distinct (past the 20,000 distinct candidates up to
#                  which redaction shares one set of fragments for the whole input)
#   line-10k       issue #9's case: ordinary code, then one line of 1,000 tokens per MB (the
#                  10 MB input holds 10,000 tokens on one line)
#   code-40k-*     issue #9's case: ordinary code with a token line every ~250 bytes, 4,000
#                  findings per MB (40,000 in the 10 MB input), written as text, json, sarif
# and for the decode stage (issue #10):
#   gz-headers     a base64'd gzip header and nothing more on every line: a stream to try
#                  and a note to make every 28 bytes
#   zlib-noise     lines of `eJw` + random base64: each a zlib header that passes its check
#   b64-nested     lines of text base64'd three times: every layer decodes to text
#   b64-binary     random bytes, MIME-wrapped base64 (an email attachment)
#   percent-flood, percent-double, escape-flood, html-flood: `%41`, `%2541`, `\u0041`, `&#65;`
#                  for the whole input: one stretch to decode, as long as the input
#   hex-text       hex of English text, one run
#   utf16-noise    `a\0` repeated: UTF-16 without a byte-order mark
#   b64-one-line   base64 of text, one line
# For each: wall time, MB/s, time per byte relative to ordinary text, and the 10 MB time over
# the 1 MB time (10 for linear).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
if [ -z "${PATROL:-}" ]; then
    cargo build --release --quiet
    PATROL=$PWD/target/release/patrol
fi
CASES=${CASES:-}
WORK=${WORK:-target/bench-adversarial}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

WORK=$WORK python3 - <<'PY'
import base64, os, random, string, sysconfig, zlib
work = os.environ["WORK"]
A = string.digits + string.ascii_uppercase + string.ascii_lowercase
rng = random.Random(7)
DRNG = random.Random(11)
def token(rng=rng):
    body = "".join(rng.choice(A) for _ in range(30))
    n, check = zlib.crc32(body.encode()), ""
    for _ in range(6):
        check = A[n % 62] + check
        n //= 62
    return "ghp_" + body + check
def ordinary(size):
    out, total = [], 0
    std = sysconfig.get_paths()["stdlib"]
    for root, dirs, files in sorted(os.walk(std)):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".py"):
                data = open(os.path.join(root, f), "rb").read()
                out.append(data); total += len(data)
                if total >= size:
                    return b"".join(out)[:size]
    return (b"".join(out) * (size // max(total, 1) + 1))[:size]
POOL = []
def pooled(i):
    while len(POOL) < 2000:
        POOL.append(token())
    return POOL[i % len(POOL)]
def line_of_tokens(n):
    line = " ".join(pooled(i) for i in range(n // 1000)).encode()
    return ordinary(n - len(line) - 1).rsplit(b"\n", 1)[0].ljust(n - len(line) - 1, b" ") + b"\n" + line
def code_with_tokens(n):
    # A token line every ~250 bytes of code: 4,000 per MB.
    want, out, size, i = n * 4 // 1000, [], 0, 0
    for line in ordinary(2 * n).split(b"\n"):
        while i < want and size >= i * n // want:
            t = f"    token = '{pooled(i)}'".encode()
            out.append(t); size += len(t) + 1; i += 1
        if size >= n:
            break
        out.append(line); size += len(line) + 1
    return b"\n".join(out)[:n]
def repeat(unit, size):
    return (unit * (size // len(unit) + 1))[:size]
b64 = string.ascii_letters + string.digits + "-_"
B64 = string.ascii_letters + string.digits + "+/"
WORDS = "the quick brown fox jumps over a lazy dog token secret value config entry".split()
def words(n):
    return " ".join(rng.choice(WORDS) for _ in range(n))
cases = {
    "ordinary": lambda n: ordinary(n),
    "flood-ghp": lambda n: repeat(b"ghp_", n),
    "flood-ghs": lambda n: repeat(b"ghs_", n),
    "max-runs": lambda n: repeat(("ghp_" + "".join(rng.choice(A) for _ in range(251)) + " ").encode(), n),
    "jwt-near-miss": lambda n: repeat(b"ghs_123456_eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2dpdGh1Yi5jb20ifQ.c2ln ", n),
    "long-run": lambda n: (b"ghs_1_" + "".join(rng.choice(b64) for _ in range(n)).encode())[:n],
    "tokens-line": lambda n: repeat(" ".join(token() for _ in range(2000)).encode() + b" ", n),
    "findings": lambda n: repeat("\n".join(token() for _ in range(2000)).encode() + b"\n", n),
    # Its own generator: the inputs of the other cases stay what they were.
    "distinct": lambda n: "".join(token(DRNG) + "\n" for _ in range(n // 41 + 1)).encode()[:n],
    "line-10k": lambda n: line_of_tokens(n),
    "code-40k": lambda n: code_with_tokens(n),
    "gz-headers": lambda n: repeat(b'x = "H4sIAAAAAAAAAAAAAAAAAAAA"\n', n),
    "zlib-noise": lambda n: b"".join(b"eJw" + "".join(rng.choice(B64) for _ in range(73)).encode() + b"\n" for _ in range(n // 77 + 1))[:n],
    "b64-nested": lambda n: repeat(b"\n".join(base64.b64encode(base64.b64encode(base64.b64encode(words(12).encode()))) for _ in range(200)) + b"\n", n),
    "b64-binary": lambda n: base64.encodebytes(rng.randbytes(n * 3 // 4))[:n],
    "percent-flood": lambda n: repeat(b"%41", n),
    "percent-double": lambda n: repeat(b"%2541", n),
    "escape-flood": lambda n: repeat(b"\\u0041", n),
    "html-flood": lambda n: repeat(b"&#65;", n),
    "hex-text": lambda n: repeat(words(2000).encode().hex().encode(), n),
    "utf16-noise": lambda n: repeat(b"a\x00", n),
    "b64-one-line": lambda n: repeat(base64.b64encode(words(5000).encode()), n),
}
for name, make in cases.items():
    for mb in (1, 10):
        p = os.path.join(work, f"{name}-{mb}MB.txt")
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(make(mb * 1_000_000))
PY

PATROL=$PATROL WORK=$WORK RUNS=$RUNS CASES=$CASES python3 - <<'PY'
import os, statistics, subprocess, time
patrol, work, runs = os.environ["PATROL"], os.environ["WORK"], int(os.environ["RUNS"])
wanted = set(filter(None, os.environ["CASES"].split(",")))
def timed(args):
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run([patrol, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            raise SystemExit(f"patrol {args}: exit {p.returncode}")
    return statistics.median(ts)
rows = []
for name, fmt in [("ordinary", "text"), ("flood-ghp", "text"), ("flood-ghs", "text"),
                  ("max-runs", "text"), ("jwt-near-miss", "text"), ("long-run", "text"),
                  ("tokens-line", "json"), ("findings", "text"), ("findings", "json"),
                  ("findings", "sarif"), ("distinct", "json"), ("line-10k", "json"), ("code-40k", "text"),
                  ("code-40k", "json"), ("code-40k", "sarif"), ("gz-headers", "json"),
                  ("zlib-noise", "text"), ("b64-nested", "text"), ("b64-binary", "text"),
                  ("percent-flood", "text"), ("percent-double", "text"),
                  ("escape-flood", "text"), ("html-flood", "text"), ("hex-text", "text"),
                  ("utf16-noise", "text"), ("b64-one-line", "text")]:
    # The reference is always measured: every other row is relative to it.
    if wanted and name not in wanted and name != "ordinary":
        continue
    t = {}
    for mb in (1, 10):
        f = os.path.join(work, f"{name}-{mb}MB.txt")
        t[mb] = timed(["scan", "-q", "-j", "1", "--format", fmt, "-o", os.path.join(work, "out"), f])
    rows.append((f"{name} ({fmt})" if name in ("findings", "distinct", "tokens-line", "line-10k", "code-40k") else name, t))
base = {mb: rows[0][1][mb] for mb in (1, 10)}
print(f"| case | 1 MB s | 10 MB s | 10 MB MB/s | vs ordinary (10 MB) | 10 MB / 1 MB |")
print(f"|---|---:|---:|---:|---:|---:|")
for name, t in rows:
    print(f"| {name} | {t[1]:.3f} | {t[10]:.3f} | {10 / t[10]:.0f} | {t[10] / base[10]:.1f}x | {t[10] / t[1]:.1f} |")
PY
