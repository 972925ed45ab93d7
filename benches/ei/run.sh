#!/usr/bin/env bash
# The ecological-inference benchmark: whole `cifra ei` processes (reading the shipped
# gzip CSV included) on the 46,606 mesas of 2021, against fastei's recorded times on this
# project's 2-core machines (fastei is an R package from CRAN, which these machines
# cannot reach; its figures are in ../shared/reference/README.md).
# Usage: bash benches/ei/run.sh   (installs hyperfine if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release -q -p cifra-cli
G=age_18_19,age_20_29,age_30_39,age_40_49,age_50_59,age_60_69,age_70_79,age_80_plus
O=boric,kast,provoste,sichel,artes,meo,parisi,blank,null
D=data/cl-2021-presidential-r1-mesas.csv.gz
ei="target/release/cifra ei --groups $G --options $O"
mkdir -p target/bench-data
hyperfine -N --warmup 2 --runs 15 --export-json target/bench-data/ei-fast.json \
  -n mult "$ei $D" \
  -n mult-679 "$ei --by circunscripcion $D" \
  -n mult-1-thread "env RAYON_NUM_THREADS=1 $ei $D" >&2
hyperfine -N --warmup 1 --runs 5 --export-json target/bench-data/ei-mvn.json \
  -n mvn_pdf "$ei --method mvn_pdf $D" >&2
python3 - <<'PY'
import json
r = {}
for f in ("target/bench-data/ei-fast.json", "target/bench-data/ei-mvn.json"):
    r.update({x["command"]: x for x in json.load(open(f))["results"]})
fastei = {"mult": 4.4, "mult-679": 15.6, "mvn_pdf": 95.6}
for name in ("mult", "mult-679", "mvn_pdf", "mult-1-thread"):
    x = r[name]
    ratio = f"{fastei[name] / x['mean']:.1f}x (best {fastei[name] / x['min']:.1f}x)" if name in fastei else ""
    print(f"{name:14s} mean {x['mean']:.3f} s ± {x['stddev']:.3f}  best {x['min']:.3f} s  vs fastei {fastei.get(name, '-')} s: {ratio}")
PY
