"""The obvious alternative to `cifra tally`: pandas read_csv + groupby, summing votes per
(district, candidate) and blank/null per district. It decides nothing; it only sums.
Usage: python3 pandas_tally.py FILE"""
import sys

import pandas as pd

df = pd.read_csv(sys.argv[1], dtype={"district": str, "candidate": str, "votes": "int64"})
candidates = df[df["kind"] == "candidate"].groupby(["district", "candidate"])["votes"].sum()
others = df[df["kind"] != "candidate"].groupby(["district", "kind"])["votes"].sum()
print(len(candidates), len(others))
