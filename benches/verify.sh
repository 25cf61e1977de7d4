#!/usr/bin/env bash
# Verifying 1,000 distinct tokens against a loopback server that answers after 50 ms, at
# patrol's default settings: total wall time and the peak request rate the server saw (most
# requests in any one-second window).
#
#   benches/verify.sh            (extra patrol flags may follow, e.g. --verify-rate 50)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
PATROL=$PWD/target/release/patrol
WORK=${WORK:-target/bench-verify}
mkdir -p "$WORK"
python3 - "$WORK/tokens.txt" <<'PY'
import random, string, sys, zlib
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def b62(n):
    s = ""
    for _ in range(6):
        s = A[n % 62] + s; n //= 62
    return s
random.seed(1000)
with open(sys.argv[1], "w") as f:
    for _ in range(1000):
        b = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(30))
        f.write(f"ghp_{b}{b62(zlib.crc32(b.encode()))}\n")
PY
PORT=${PORT:-18766}
python3 - "$PORT" "$WORK/requests.log" <<'PY' &
import http.server, socketserver, sys, threading, time
log = open(sys.argv[2], "w")
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        with lock:
            log.write(f"{time.monotonic()}\n"); log.flush()
        time.sleep(0.05)
        body = b'{"message":"Bad credentials"}'
        self.send_response(401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", int(sys.argv[1])), H)
threading.Timer(600, s.shutdown).start()   # bounded: stops by itself
s.serve_forever()
PY
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 1
start=$(date +%s.%N)
"$PATROL" verify - --github-api "http://127.0.0.1:$PORT" --format jsonl "$@" < "$WORK/tokens.txt" > "$WORK/results.jsonl" || true
end=$(date +%s.%N)
python3 - "$WORK/requests.log" "$WORK/results.jsonl" "$start" "$end" <<'PY'
import collections, json, sys
ts = [float(l) for l in open(sys.argv[1])]
res = [json.loads(l) for l in open(sys.argv[2])]
status = collections.Counter(r["verification"]["status"] for r in res)
peak = 0; j = 0
for i, t in enumerate(ts):
    while ts[j] < t - 1.0: j += 1
    peak = max(peak, i - j + 1)
print(f"tokens: {len(res)}, requests: {len(ts)}, outcomes: {dict(status)}")
print(f"wall: {float(sys.argv[4]) - float(sys.argv[3]):.1f} s, peak rate: {peak} requests in one second")
PY
