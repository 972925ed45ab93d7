#!/usr/bin/env bash
# Reads of two builds of `cifra`, alternated: each build serves its own copy of the
# 46,606 real 2021 actas (replayed by that build), then `/api/v1/results` is read with
# wrk (-t2 -c50, 10 s) from one build, then the other, ROUNDS times. The median of each
# and their ratio are printed. Alternating in one run puts both builds under the same
# load (another job on the machine slows both), which two runs minutes apart do not.
# Usage: bash benches/serve/reads_ab.sh OLD_CIFRA NEW_CIFRA [ROUNDS=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
ulimit -n "$(ulimit -Hn)"
OLD=$1 NEW=$2 ROUNDS=${3:-5}
W=target/bench-data/reads_ab
rm -rf "$W" && mkdir -p "$W"
O=boric,kast,provoste,sichel,artes,meo,parisi,blank,null
D=data/cl-2021-presidential-r1-mesas.csv.gz
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
start() { # BINARY NAME PORT
  "$1" init --db "$W/$2.db" --system cl-presidential --mesas $D --id circunscripcion,mesa --options $O > "$W/$2.init"
  RUST_LOG=warn "$1" serve --db "$W/$2.db" --listen "127.0.0.1:$3" > "$W/$2.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$3/api/v1/election" && break; sleep 0.2; done
  "$1" replay --url "http://127.0.0.1:$3" --token "$(sed -n 's/^token: //p' "$W/$2.init")" --mesas $D \
    --id circunscripcion,mesa --options $O --batch 500 --concurrency 4 > /dev/null
}
start "$OLD" old 18501
start "$NEW" new 18502
read_rate() { wrk -t2 -c50 -d10s "http://127.0.0.1:$1/api/v1/results" | sed -n 's/^Requests\/sec: *//p'; }
: > "$W/old.rates"; : > "$W/new.rates"
for r in $(seq "$ROUNDS"); do
  o=$(read_rate 18501); n=$(read_rate 18502)
  echo "round $r: old $o/s, new $n/s"
  echo "$o" >> "$W/old.rates"; echo "$n" >> "$W/new.rates"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mo=$(median "$W/old.rates"); mn=$(median "$W/new.rates")
echo "median: old $mo/s, new $mn/s, new/old $(awk -v a="$mn" -v b="$mo" 'BEGIN {printf "%.3f", a/b}')"
