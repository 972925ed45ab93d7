"""The Python package against the command and against pandas, in one run (issue 16).

python3 benches/python/bench.py CIFRA_BIN LONG_CSV [RUNS]
    CIFRA_BIN: a release `cifra` binary; LONG_CSV: the tally benchmark's 2.1-million-row
    file (benches/tally/make_long.py OUT 5). Prints, for each, the best and the median of
    RUNS runs (default 7), alternating the contenders:
    - ei: `cifra.ei` on the 2021 mesas from a DataFrame already in memory, against the
      whole `cifra ei` process on the shipped gzip file (the issue's comparison: the
      notebook user has the DataFrame; the command reads the file);
    - tally: `cifra.tally` on the file (the JSON made; no DataFrame), and with its
      `.candidates` DataFrame, against pandas' read_csv + groupby (the sum alone, as
      benches/tally/pandas_tally.py), and the `cifra tally` process on the same file;
    - import: `python -c "import cifra"` less `python -c pass`.
"""
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

import cifra

ROOT = Path(__file__).resolve().parents[2]
MESAS = ROOT / "data" / "cl-2021-presidential-r1-mesas.csv.gz"
AGES = "age_18_19,age_20_29,age_30_39,age_40_49,age_50_59,age_60_69,age_70_79,age_80_plus"
OPTIONS = "boric,kast,provoste,sichel,artes,meo,parisi,blank,null"


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def compare(runs, **contenders):
    times = {name: [] for name in contenders}
    for _ in range(runs):
        for name, f in contenders.items():
            times[name].append(timed(f))
    for name, t in times.items():
        print(f"  {name:34s} best {min(t):7.3f} s  median {statistics.median(t):7.3f} s")
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def main(cifra_bin, long_csv, runs):
    print(f"cifra {cifra.__version__}, pandas {pd.__version__}, {runs} runs each")
    mesas = pd.read_csv(MESAS)
    print("ei, 2021 mesas (46,606), mult, 8 age groups x 9 options:")
    ei = compare(
        runs,
        **{
            "cifra.ei(DataFrame)": lambda: cifra.ei(mesas, AGES, OPTIONS),
            "cifra ei FILE.csv.gz (process)": lambda: subprocess.run(
                [cifra_bin, "ei", "--groups", AGES, "--options", OPTIONS, "--format", "json", str(MESAS)],
                check=True, capture_output=True,
            ),
        },
    )
    a, b = ei["cifra.ei(DataFrame)"], ei["cifra ei FILE.csv.gz (process)"]
    print(f"  Python / command: {a[0] / b[0]:.2f} (best), {a[1] / b[1]:.2f} (median)")

    def pandas_sum():
        df = pd.read_csv(long_csv, dtype={"district": str, "candidate": str, "votes": "int64"})
        df[df["kind"] == "candidate"].groupby(["district", "candidate"])["votes"].sum()
        df[df["kind"] != "candidate"].groupby(["district", "kind"])["votes"].sum()

    rows = sum(1 for _ in open(long_csv, "rb")) - 1
    print(f"tally, {long_csv} ({rows:,} rows), cl-presidential:")
    tally = compare(
        max(3, runs // 2),
        **{
            "cifra.tally(path)": lambda: cifra.tally(long_csv, "cl-presidential"),
            "cifra.tally(path).candidates": lambda: cifra.tally(long_csv, "cl-presidential").candidates,
            "cifra tally FILE (process)": lambda: subprocess.run(
                [cifra_bin, "tally", "--system", "cl-presidential", "--format", "json", str(long_csv)],
                check=True, capture_output=True,
            ),
            "pandas read_csv + groupby": pandas_sum,
        },
    )
    p = tally["pandas read_csv + groupby"]
    for name in ("cifra.tally(path)", "cifra.tally(path).candidates", "cifra tally FILE (process)"):
        c = tally[name]
        print(f"  pandas / {name}: {p[0] / c[0]:.1f}x (best), {p[1] / c[1]:.1f}x (median)")

    print("import:")
    imports = compare(
        runs,
        **{
            "python -c 'import cifra'": lambda: subprocess.run([sys.executable, "-c", "import cifra"], check=True),
            "python -c pass": lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
        },
    )
    i, bare = imports["python -c 'import cifra'"], imports["python -c pass"]
    print(f"  import cifra: {1000 * (i[0] - bare[0]):.0f} ms (best), {1000 * (i[1] - bare[1]):.0f} ms (median)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 7)
