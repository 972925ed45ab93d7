#!/usr/bin/env bash
# Election-night benchmarks: `cifra serve` on loopback, driven by real load generators.
#   1. batched intake: the 46,606 real 2021 actas by `cifra replay` (500 per request, 4 in
#      flight), against the obvious alternative to group commit: one durable SQLite
#      transaction per acta (cifra-store's append_throughput example, batch of 1);
#   2. single-acta requests: wrk, one new acta per POST, on a synthetic election of
#      1,000,000 mesas (every request records an entry);
#   3. reads: oha at a fixed 2,000 requests/s on /api/v1/results (latency corrected for
#      coordinated omission) while 1,000 event streams are open and actas keep arriving;
#      then oha unthrottled, for the machine's limit.
# Usage: bash benches/serve/run.sh   (installs wrk from Debian and oha from crates.io if
# missing). Everything runs on the same 2 cores as the server: figures are conservative.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
OHA=$(command -v oha || echo target/bench-tools/bin/oha)
[ -x "$OHA" ] || cargo install oha --locked --root target/bench-tools
cargo build --release -q -p cifra-cli -p cifra-store --example append_throughput
ulimit -n "$(ulimit -Hn)"  # 1,000 streams and the load need more than 1,024 descriptors
C=target/release/cifra
W=target/bench-data/serve
rm -rf "$W" && mkdir -p "$W"
O=boric,kast,provoste,sichel,artes,meo,parisi,blank,null
D=data/cl-2021-presidential-r1-mesas.csv.gz
field() { sed -n "s/^$1: //p" "$2"; }
serve() {
  $C serve --db "$1" --listen "127.0.0.1:$2" > "$W/serve-$2.log" 2>&1 &
  # A large election takes a moment to load: wait until it answers.
  for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$2/api/v1/election" && return; sleep 0.2; done
  echo "server on $2 did not start: $(cat "$W/serve-$2.log")" >&2; return 1
}

echo "== 1. batched intake: 46,606 real actas, batches of 500, 4 in flight"
$C init --db "$W/real.db" --system cl-presidential --mesas $D --id circunscripcion,mesa --options $O > "$W/real.init"
serve "$W/real.db" 18081
$C replay --url http://127.0.0.1:18081 --token "$(field token "$W/real.init")" --mesas $D \
  --id circunscripcion,mesa --options $O --batch 500 --concurrency 4
echo "-- the alternative: one durable transaction per acta (no group commit)"
target/release/examples/append_throughput 2000 1 "$W" | tail -n 3

echo "== 2. single-acta requests: wrk, 2 threads, 64 connections, 15 s"
python3 - "$W/synthetic.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("mesa,region,a,b,blank,null\n")
    for n in range(1, 1_000_001):
        f.write(f"{n},R{n % 16},{n % 97},{n % 89},1,0\n")
PY
$C init --db "$W/synthetic.db" --system cl-presidential --mesas "$W/synthetic.csv" --options a,b,blank,null > "$W/synthetic.init"
serve "$W/synthetic.db" 18082
# 16 submitters (a token has at most 4 requests in progress): 64 connections share them.
TOKENS=$(for _ in $(seq 16); do $C token --db "$W/synthetic.db" --scope national | sed -n 's/^token: //p'; done | paste -sd,)
TOKENS=$TOKENS wrk -t2 -c64 -d15s --latency -s benches/serve/single.lua http://127.0.0.1:18082

echo "== 3. reads: 2,000 requests/s of /api/v1/results with 1,000 event streams open"
tail -n 100000 "$W/synthetic.csv" | sed '1i mesa,region,a,b,blank,null' > "$W/late.csv"
python3 benches/serve/sse_clients.py 127.0.0.1 18082 1000 40 &
SSE=$!
sleep 3
$C replay --url http://127.0.0.1:18082 --token "$(field token "$W/synthetic.init")" --mesas "$W/late.csv" \
  --options a,b,blank,null --rate 1000 --batch 10 --concurrency 2 > "$W/late.replay" &
sleep 2
"$OHA" -z 20s -q 2000 --latency-correction -c 50 --no-tui http://127.0.0.1:18082/api/v1/results | sed -n '/Summary/,/Status code/p'
wait $SSE
echo "-- the limit: unthrottled, 50 connections, same streams gone"
"$OHA" -z 10s -c 50 --no-tui http://127.0.0.1:18082/api/v1/results | sed -n '/Summary/,/Latency distribution/p'
cat "$W/late.replay"
kill %1 %2 2>/dev/null || true
pkill -f "cifra serve --db $W" || true
