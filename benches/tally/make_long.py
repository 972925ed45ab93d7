"""Builds the tally benchmark's inputs (standard library only).

python3 make_long.py OUT.csv [COPIES]
    The 2021 first round's 46,606 real mesas in the long results format, repeated COPIES
    times (each copy a distinct unit), about 2 million rows: 16 large districts.
python3 make_long.py --small-districts N OUT.csv
    N districts D0 .. D(N-1) of two candidates each, one unit, votes drawn from 0-999 with
    a fixed seed (some districts tie, and one in a thousand or so has no valid votes):
    the many-small-districts case, 2N rows.
"""
import csv
import gzip
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MESAS = os.path.join(HERE, "..", "..", "data", "cl-2021-presidential-r1-mesas.csv.gz")
CANDIDATES = ["boric", "kast", "provoste", "sichel", "artes", "meo", "parisi"]


def main(out_path, copies):
    with gzip.open(MESAS, "rt", encoding="utf-8", newline="") as f:
        mesas = list(csv.DictReader(f))
    rows = 0
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        out.write("district,unit,kind,list,party,candidate,votes\n")
        for copy in range(copies):
            for m in mesas:
                unit = f"{m['circunscripcion']}/{m['mesa']}/{copy}"
                district = m["region"]
                lines = [f"{district},{unit},candidate,,,{c},{m[c]}\n" for c in CANDIDATES]
                lines.append(f"{district},{unit},blank,,,,{m['blank']}\n")
                lines.append(f"{district},{unit},null,,,,{m['null']}\n")
                out.write("".join(lines))
                rows += len(lines)
    print(f"{out_path}: {rows} rows, {os.path.getsize(out_path)} bytes", file=sys.stderr)


def small_districts(out_path, districts):
    draw = random.Random(1925)
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        out.write("district,unit,kind,list,party,candidate,votes\n")
        for d in range(districts):
            a, b = draw.randrange(1000), draw.randrange(1000)
            out.write(f"D{d},u,candidate,,,Alice Example,{a}\nD{d},u,candidate,,,Bob Example,{b}\n")
    print(f"{out_path}: {2 * districts} rows, {os.path.getsize(out_path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1] == "--small-districts":
        small_districts(sys.argv[3], int(sys.argv[2]))
    else:
        main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
