"""Builds the tally benchmark's input: the 2021 first round's 46,606 real mesas in the
long results format, repeated COPIES times (each copy a distinct unit), about 2 million
rows. Usage: python3 make_long.py OUT.csv [COPIES]  (standard library only)."""
import csv
import gzip
import os
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


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
