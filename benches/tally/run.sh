#!/usr/bin/env bash
# The tally benchmark: `cifra tally` against pandas read_csv + groupby on the same
# ~2.1 million-row file (the 2021 mesas in the long format, 5 copies), in one run.
# Usage: bash benches/tally/run.sh   (installs hyperfine and pandas if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
python3 -c "import pandas" 2>/dev/null || pip install -q pandas
cargo build --release -q -p cifra-cli
mkdir -p target/bench-data
file=target/bench-data/long.csv
[ -f "$file" ] || python3 benches/tally/make_long.py "$file" 5
bytes=$(stat -c %s "$file")
rows=$(($(wc -l < "$file") - 1))
hyperfine --warmup 2 --runs 10 --export-json target/bench-data/tally.json \
  -n cifra "target/release/cifra tally --system cl-presidential --format json $file" \
  -n pandas "python3 benches/tally/pandas_tally.py $file" \
  -n cifra-1-thread "env RAYON_NUM_THREADS=1 target/release/cifra tally --system cl-presidential --format json $file" \
  -n floor "wc -l $file" >&2
python3 - "$bytes" "$rows" <<'PY'
import json, sys
size, rows = int(sys.argv[1]), int(sys.argv[2])
r = {x["command"]: x for x in json.load(open("target/bench-data/tally.json"))["results"]}
c, p, one, floor = r["cifra"], r["pandas"], r["cifra-1-thread"], r["floor"]
print(f"file: {size/1e6:.1f} MB, {rows:,} rows")
for name, x in (("cifra tally", c), ("pandas read_csv+groupby", p), ("cifra tally, 1 thread", one), ("wc -l (one pass, floor)", floor)):
    print(f"{name:24s} mean {x['mean']:.3f} s ± {x['stddev']:.3f}  min {x['min']:.3f} s  "
          f"{size/x['mean']/1e6:.0f} MB/s  {rows/x['mean']/1e6:.1f} M rows/s")
print(f"cifra is {p['mean']/c['mean']:.1f}x faster than pandas (means), {p['min']/c['min']:.1f}x (best runs)")
print(f"cifra on 1 thread: {one['mean']*1e9/rows:.0f} ns per row; 2 threads speed-up {one['mean']/c['mean']:.2f}x")
print(f"cifra takes {c['mean']/floor['mean']:.1f}x the time of one newline-counting pass over the file")
PY
