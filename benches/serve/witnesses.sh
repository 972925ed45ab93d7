#!/usr/bin/env bash
# Does gathering cosignatures slow intake? The 46,606 real 2021 actas by `cifra replay`
# (500 per request, 4 in flight) into `cifra serve` without witnesses, and with two live
# witnesses and a dead one (a socket that accepts and never answers: every request to it
# waits for the 10 s timeout), alternating, RUNS times each. Also: how long after the last
# acta both live witnesses have cosigned the final checkpoint.
# Usage: bash benches/serve/witnesses.sh [RUNS]   (release build; loopback; same cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-2}
cargo build --release -q -p cifra-cli
C=${CARGO_TARGET_DIR:-target}/release/cifra
W=${CARGO_TARGET_DIR:-target}/bench-data/witnesses
rm -rf "$W" && mkdir -p "$W"
O=boric,kast,provoste,sichel,artes,meo,parisi,blank,null
D=data/cl-2021-presidential-r1-mesas.csv.gz
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
wait_up() { for _ in $(seq 600); do curl -sf -o /dev/null "$1" && return; sleep 0.1; done; echo "$1 not up" >&2; return 1; }
$C init --db "$W/keyed.db" --system cl-presidential --mesas $D --id circunscripcion,mesa --options $O --name bench.cifra/2021 > "$W/keyed.init"
KEY=$(sed -n 's/^key: //p' "$W/keyed.init")
VK3=$($C witness init --state "$W/w3" --name w3.bench)
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',18199)); s.listen(4096); time.sleep(86400)" &
PIDS+=($!)
run() { # $1: label, $2...: extra serve flags
  local label=$1; shift
  rm -f "$W/night.db"*
  for f in "$W/keyed.db"*; do cp "$f" "$W/night.db${f#"$W/keyed.db"}"; done
  local T=$(sed -n 's/^token: //p' "$W/keyed.init")
  RUST_LOG=warn $C serve --db "$W/night.db" --listen 127.0.0.1:18180 "$@" > "$W/serve.log" 2>&1 &
  local S=$!
  wait_up http://127.0.0.1:18180/api/v1/election
  local t0=$(date +%s.%N)
  $C replay --url http://127.0.0.1:18180 --token "$T" --mesas $D --id circunscripcion,mesa --options $O --batch 500 --concurrency 4 > "$W/replay.out"
  local t1=$(date +%s.%N)
  local cosigned=""
  if [ $# -gt 0 ]; then
    for _ in $(seq 600); do
      if curl -s http://127.0.0.1:18180/api/v1/witnesses | python3 -c "import json,sys; l=json.load(sys.stdin); sys.exit(0 if all(w['last_size_cosigned']==46606 for w in l[:2]) else 1)"; then break; fi
      sleep 0.05
    done
    cosigned=$(python3 -c "import time; print(f'; both live witnesses cosigned 46,606 entries {time.time()-$t1:.2f} s after the last acta')")
  fi
  kill $S; wait $S 2>/dev/null || true
  python3 -c "print(f'$label: {46606/($t1-$t0):,.0f} actas/s ({$t1-$t0:.2f} s)$cosigned')"
}
# Fresh live witnesses for each night with witnesses (a witness's state is per log history).
for i in $(seq "$RUNS"); do
  run "no witnesses"
  rm -rf "$W/w1s" "$W/w2s"
  V1=$($C witness init --state "$W/w1s" --name w1.bench); V2=$($C witness init --state "$W/w2s" --name w2.bench)
  $C witness serve --state "$W/w1s" --listen 127.0.0.1:18191 --log "$KEY" > /dev/null 2>&1 & P1=$!
  $C witness serve --state "$W/w2s" --listen 127.0.0.1:18192 --log "$KEY" > /dev/null 2>&1 & P2=$!
  PIDS+=($P1 $P2)
  sleep 0.3
  run "2 live witnesses + 1 dead, quorum 2" --witness "$V1@http://127.0.0.1:18191" --witness "$V2@http://127.0.0.1:18192" \
    --witness "$VK3@http://127.0.0.1:18199" --witness-quorum 2
  kill $P1 $P2; wait $P1 $P2 2>/dev/null || true
done
