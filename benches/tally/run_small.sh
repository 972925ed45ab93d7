#!/usr/bin/env bash
# The many-small-districts tally benchmark: 1,000,000 districts of 2 candidates (77.6 MB,
# built by make_long.py --small-districts), `cifra tally --system plurality` in each
# format: time (hyperfine, on 2 threads and on 1) and peak memory (/usr/bin/time).
# Usage: bash benches/tally/run_small.sh [OTHER_CIFRA]
#   OTHER_CIFRA: a cifra binary built from another commit, measured the same way in the
#   same run (before/after). Installs hyperfine if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release -q -p cifra-cli
mkdir -p target/bench-data
file=target/bench-data/small.csv
[ -f "$file" ] || python3 benches/tally/make_long.py --small-districts 1000000 "$file"
bins=(target/release/cifra)
[ $# -gt 0 ] && bins+=("$1")
results=target/bench-data/small-results.txt
: > "$results"
for k in "${!bins[@]}"; do
  bin=${bins[$k]}
  for format in json csv text; do
    run="$bin tally --system plurality --format $format $file"
    out=target/bench-data/small-$k-$format.json
    hyperfine -N --warmup 1 --runs 5 --export-json "$out" "$run" >&2
    one=target/bench-data/small-$k-$format-1.json
    hyperfine -N --warmup 1 --runs 3 --export-json "$one" "env RAYON_NUM_THREADS=1 $run" >&2
    /usr/bin/time -f "%M" -o target/bench-data/small-peak $run >/dev/null 2>/dev/null
    peak=$(tail -1 target/bench-data/small-peak)
    bytes=$($run 2>/dev/null | wc -c)
    echo "$bin $format $out $one $peak $bytes" >> "$results"
  done
done
python3 - "$(stat -c %s "$file")" "$results" <<'PY'
import json, sys
size, results = int(sys.argv[1]), sys.argv[2]
contests = 1_000_000
for line in open(results):
    binary, fmt, two, one, peak_kb, out_bytes = line.split()
    t2 = json.load(open(two))["results"][0]
    t1 = json.load(open(one))["results"][0]
    print(f"{binary} {fmt:4s}: mean {t2['mean']:.3f} s ± {t2['stddev']:.3f} (best {t2['min']:.3f}), "
          f"{size / t2['mean'] / 1e6:.0f} MB/s in, {int(out_bytes) / 1e6:.0f} MB out, "
          f"peak {int(peak_kb) / 1024:.0f} MiB; 1 thread {t1['mean']:.3f} s = "
          f"{t1['mean'] * 1e9 / contests:.0f} ns per contest")
PY
