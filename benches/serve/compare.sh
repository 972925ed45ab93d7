#!/usr/bin/env bash
# Two builds of `cifra` measured in one run, back to back, on the same machine: batched
# intake (the 46,606 real 2021 actas, `cifra replay`, 500 per request, 4 in flight),
# single-acta POSTs (wrk, 64 connections shared by 16 submitters' tokens, 10 s, a
# 1,000,000-mesa synthetic election) and reads (`/api/v1/results` unthrottled, wrk, 50
# connections, 10 s). For "did this change cost anything": a ratio of two builds
# measured minutes apart is worth more than two figures measured days apart.
# Usage: bash benches/serve/compare.sh OLD_CIFRA NEW_CIFRA   (installs wrk if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
ulimit -n "$(ulimit -Hn)"
W=target/bench-data/compare
rm -rf "$W" && mkdir -p "$W"
O=boric,kast,provoste,sichel,artes,meo,parisi,blank,null
D=data/cl-2021-presidential-r1-mesas.csv.gz
python3 - "$W/synthetic.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("mesa,region,a,b,blank,null\n")
    for n in range(1, 1_000_001):
        f.write(f"{n},R{n % 16},{n % 97},{n % 89},1,0\n")
PY
field() { sed -n "s/^$1: //p" "$2"; }
serve() {
  RUST_LOG=warn $1 serve --db "$2" --listen "127.0.0.1:$3" > "$W/serve-$3.log" 2>&1 &
  for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$3/api/v1/election" && return; sleep 0.2; done
  echo "server on $3 did not start: $(cat "$W/serve-$3.log")" >&2; return 1
}
port=18400
for C in "$@"; do
  echo "== $C"
  V=$W/$port
  mkdir -p "$V"
  $C init --db "$V/real.db" --system cl-presidential --mesas $D --id circunscripcion,mesa --options $O > "$V/real.init"
  serve "$C" "$V/real.db" $port
  $C replay --url "http://127.0.0.1:$port" --token "$(field token "$V/real.init")" --mesas $D \
    --id circunscripcion,mesa --options $O --batch 500 --concurrency 4 | grep -E "actas|/s" | head -3
  echo "-- reads: /api/v1/results, 46,606 mesas counted, wrk -c50 -d10s"
  wrk -t2 -c50 -d10s --latency "http://127.0.0.1:$port/api/v1/results" | grep -E "Requests/sec|99%|Non-2xx"
  pkill -f "serve --db $V/real.db" || true
  $C init --db "$V/synthetic.db" --system cl-presidential --mesas "$W/synthetic.csv" --options a,b,blank,null > "$V/synthetic.init"
  serve "$C" "$V/synthetic.db" $((port + 1))
  TOKENS=$(for _ in $(seq 16); do $C token --db "$V/synthetic.db" --scope national | sed -n 's/^token: //p'; done | paste -sd,)
  echo "-- single-acta POSTs: wrk -t2 -c64 -d10s, 16 tokens"
  TOKENS=$TOKENS wrk -t2 -c64 -d10s --latency -s benches/serve/single.lua "http://127.0.0.1:$((port + 1))" 2>"$V/wrk.err" | grep -E "Requests/sec|99%|Non-2xx"
  echo "   (unexpected statuses: $(grep -c unexpected "$V/wrk.err" || true))"
  pkill -f "serve --db $V/synthetic.db" || true
  port=$((port + 10))
done
