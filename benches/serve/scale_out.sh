#!/usr/bin/env bash
# Scale-out benchmarks: `cifra serve` on PostgreSQL with one and with two servers on one
# database, against one server on SQLite in the same run.
#   1. batched intake: the 46,606 real 2021 actas, 500 per request (two servers: half
#      each, at once);
#   2. single-acta requests: wrk, one new acta per POST (two servers: one wrk each, at once);
#   3. reads: oha at 2,000 requests/s in all on /api/v1/results, split over both servers,
#      while actas arrive at 1,000/s.
# Usage: bash benches/serve/scale_out.sh   (PostgreSQL at 127.0.0.1:5432, trust auth;
# wrk and oha as for run.sh). Everything shares the same 2 cores, PostgreSQL included.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
OHA=$(command -v oha || echo target/bench-tools/bin/oha)
[ -x "$OHA" ] || cargo install oha --locked --root target/bench-tools
pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
cargo build --release -q -p cifra-cli
ulimit -n "$(ulimit -Hn)"
C=target/release/cifra
W=target/bench-data/scale-out
rm -rf "$W" && mkdir -p "$W"
O=boric,kast,provoste,sichel,artes,meo,parisi,blank,null
D=data/cl-2021-presidential-r1-mesas.csv.gz
PG=postgres://postgres@127.0.0.1:5432
PIDS=()
cleanup() {
  kill "${PIDS[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  for db in cifra_bench_real1 cifra_bench_real2 cifra_bench_syn1 cifra_bench_syn2; do
    psql -h 127.0.0.1 -U postgres -d test -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  done
}
trap cleanup EXIT
fresh() { psql -h 127.0.0.1 -U postgres -d test -q -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
field() { sed -n "s/^$1: //p" "$2"; }
serve() {
  $C serve --db "$1" --listen "127.0.0.1:$2" > "$W/serve-$2.log" 2>&1 & PIDS+=($!)
  # A large election takes a moment to load: wait until it answers.
  for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$2/api/v1/election" && return; sleep 0.2; done
  echo "server on $2 did not start: $(cat "$W/serve-$2.log")" >&2; return 1
}
replay() { $C replay --url "http://127.0.0.1:$1" --token "$2" --mesas "$3" --id circunscripcion,mesa --options $O --batch 500 --concurrency 4; }

zcat $D > "$W/all.csv"
(head -1 "$W/all.csv"; sed -n '2~2p' "$W/all.csv") > "$W/half1.csv"
(head -1 "$W/all.csv"; sed -n '3~2p' "$W/all.csv") > "$W/half2.csv"

echo "== 1. batched intake, 46,606 real actas, 500 per request"
echo "-- SQLite, one server"
$C init --db "$W/real.db" --system cl-presidential --mesas $D --id circunscripcion,mesa --options $O > "$W/real-sqlite.init"
serve "$W/real.db" 18301
replay 18301 "$(field token "$W/real-sqlite.init")" "$W/all.csv"
echo "-- PostgreSQL, one server"
fresh cifra_bench_real1
$C init --db $PG/cifra_bench_real1 --system cl-presidential --mesas $D --id circunscripcion,mesa --options $O > "$W/real-pg1.init"
serve $PG/cifra_bench_real1 18302
replay 18302 "$(field token "$W/real-pg1.init")" "$W/all.csv"
echo "-- PostgreSQL, two servers, half each at once"
fresh cifra_bench_real2
$C init --db $PG/cifra_bench_real2 --system cl-presidential --mesas $D --id circunscripcion,mesa --options $O > "$W/real-pg2.init"
serve $PG/cifra_bench_real2 18303
serve $PG/cifra_bench_real2 18304
T=$(field token "$W/real-pg2.init")
start=$(date +%s.%N)
replay 18303 "$T" "$W/half1.csv" & R1=$!
replay 18304 "$T" "$W/half2.csv"
wait $R1
end=$(date +%s.%N)
python3 -c "print(f'two servers together: 46606 actas in {$end - $start:.2f} s: {46606 / ($end - $start):.0f} actas/s')"

echo "== 2. single-acta requests, wrk 2 threads x 32 connections per server, 15 s"
python3 - "$W/synthetic.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("mesa,region,a,b,blank,null\n")
    for n in range(1, 2_000_001):
        f.write(f"{n},R{n % 16},{n % 97},{n % 89},1,0\n")
PY
# $2: the election's database, whose 16 submitters' tokens share the 32 connections
# (a token has at most 4 requests in progress).
tokens() { for _ in $(seq 16); do $C token --db "$1" --scope national | sed -n 's/^token: //p'; done | paste -sd,; }
singles() { TOKENS=$(tokens "$2") OFFSET=${3:-0} wrk -t2 -c32 -d15s --latency -s benches/serve/single.lua "http://127.0.0.1:$1" | grep -E "Requests/sec|99%|Non-2xx"; }
echo "-- SQLite, one server"
$C init --db "$W/syn.db" --system cl-presidential --mesas "$W/synthetic.csv" --options a,b,blank,null > "$W/syn-sqlite.init"
serve "$W/syn.db" 18311
singles 18311 "$W/syn.db"
echo "-- PostgreSQL, one server"
fresh cifra_bench_syn1
$C init --db $PG/cifra_bench_syn1 --system cl-presidential --mesas "$W/synthetic.csv" --options a,b,blank,null > "$W/syn-pg1.init"
serve $PG/cifra_bench_syn1 18312
singles 18312 $PG/cifra_bench_syn1
echo "-- PostgreSQL, two servers at once (sum the two)"
fresh cifra_bench_syn2
$C init --db $PG/cifra_bench_syn2 --system cl-presidential --mesas "$W/synthetic.csv" --options a,b,blank,null > "$W/syn-pg2.init"
serve $PG/cifra_bench_syn2 18313
serve $PG/cifra_bench_syn2 18314
T=$(field token "$W/syn-pg2.init")
singles 18313 $PG/cifra_bench_syn2 0 > "$W/singles-a.txt" & S1=$!
singles 18314 $PG/cifra_bench_syn2 1000000 > "$W/singles-b.txt"
wait $S1
cat "$W/singles-a.txt" "$W/singles-b.txt"

echo "== 3. reads: 2,000 requests/s in all over both PostgreSQL servers while actas arrive"
tail -n 100000 "$W/synthetic.csv" | sed '1i mesa,region,a,b,blank,null' > "$W/late.csv"
$C replay --url http://127.0.0.1:18313 --token "$T" --mesas "$W/late.csv" --options a,b,blank,null \
  --rate 1000 --batch 10 --concurrency 2 > "$W/late.replay" 2>&1 & PIDS+=($!)
sleep 2
"$OHA" -z 20s -q 1000 --latency-correction -c 25 --no-tui --output-format json http://127.0.0.1:18313/api/v1/results > "$W/oha-a.json" &
O1=$!
"$OHA" -z 20s -q 1000 --latency-correction -c 25 --no-tui --output-format json http://127.0.0.1:18314/api/v1/results > "$W/oha-b.json"
wait $O1
python3 - "$W/oha-a.json" "$W/oha-b.json" <<'PY'
import json, sys
for f in sys.argv[1:]:
    d = json.load(open(f))
    s, p = d["summary"], d["latencyPercentiles"]
    codes = d.get("statusCodeDistribution", {})
    print(f"{f.rsplit('/', 1)[-1]}: {s['requestsPerSec']:.0f} requests/s, p50 {p['p50']*1000:.2f} ms, "
          f"p99 {p['p99']*1000:.2f} ms, p99.9 {p['p99.9']*1000:.2f} ms, statuses {codes}")
PY
for p in 18313 18314; do
  curl -s "127.0.0.1:$p/api/v1/results" | python3 -c "import json,sys; d=json.load(sys.stdin); print('server $p: log', d['log_size'], d['log_root'])"
done
