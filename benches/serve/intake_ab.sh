#!/usr/bin/env bash
# Batched intake of two builds of `cifra`, alternated: ROUNDS times, each build serves a
# fresh election of the 46,606 real 2021 mesas and takes all of them from its own
# `cifra replay` (500 actas per request, 4 in flight). Prints each run's actas/s, the
# server's CPU time per acta, the medians and their ratio.
# Usage: bash benches/serve/intake_ab.sh OLD_CIFRA NEW_CIFRA [ROUNDS=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
OLD=$1 NEW=$2 ROUNDS=${3:-5}
W=target/bench-data/intake_ab
rm -rf "$W" && mkdir -p "$W"
O=boric,kast,provoste,sichel,artes,meo,parisi,blank,null
D=data/cl-2021-presidential-r1-mesas.csv.gz
run() { # BINARY NAME PORT -> "actas/s server-µs-per-acta"
  rm -f "$W/$2".db*
  "$1" init --db "$W/$2.db" --system cl-presidential --mesas $D --id circunscripcion,mesa --options $O > "$W/$2.init"
  RUST_LOG=warn "$1" serve --db "$W/$2.db" --listen "127.0.0.1:$3" > "$W/$2.log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$3/api/v1/election" && break; sleep 0.2; done
  local before after rate
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  rate=$("$1" replay --url "http://127.0.0.1:$3" --token "$(sed -n 's/^token: //p' "$W/$2.init")" --mesas $D \
    --id circunscripcion,mesa --options $O --batch 500 --concurrency 4 | sed -n 's/.* \([0-9]*\) actas\/s.*/\1/p')
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # Clock ticks are 1/100 s.
  echo "$rate $(awk -v t=$((after - before)) 'BEGIN {printf "%.1f", t * 10000 / 46606}')"
}
: > "$W/old.rates"; : > "$W/new.rates"
for r in $(seq "$ROUNDS"); do
  o=$(run "$OLD" old 18511); n=$(run "$NEW" new 18512)
  echo "round $r: old ${o% *} actas/s (${o#* } us CPU/acta), new ${n% *} actas/s (${n#* } us CPU/acta)"
  echo "${o% *}" >> "$W/old.rates"; echo "${n% *}" >> "$W/new.rates"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mo=$(median "$W/old.rates"); mn=$(median "$W/new.rates")
echo "median: old $mo actas/s, new $mn actas/s, new/old $(awk -v a="$mn" -v b="$mo" 'BEGIN {printf "%.3f", a/b}')"
