"""What the tests share: the shipped real data, and the `cifra` binary whose answers the
package must give (CIFRA_BIN, set by ./test; else the workspace's debug build)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
MESAS = DATA / "cl-2021-presidential-r1-mesas.csv.gz"
AGES = ["age_18_19", "age_20_29", "age_30_39", "age_40_49", "age_50_59", "age_60_69", "age_70_79", "age_80_plus"]
OPTIONS = ["boric", "kast", "provoste", "sichel", "artes", "meo", "parisi", "blank", "null"]


def cifra_bin() -> str:
    given = os.environ.get("CIFRA_BIN")
    if given:
        return given
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "debug" / "cifra")


@pytest.fixture(scope="session")
def cli():
    """Runs the `cifra` binary; returns (exit status, stdout, stderr)."""
    binary = cifra_bin()
    assert os.access(binary, os.X_OK), (
        f"no cifra binary at {binary}: build it (cargo build -p cifra-cli) or set CIFRA_BIN"
    )

    def run(*args, check=True):
        done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
        if check:
            assert done.returncode == 0, done.stderr
        return done.returncode, done.stdout, done.stderr

    return run


def official_elected(path):
    """The official outcome the data files carry (`elected` = yes, or the candidate whose
    alternate took the seat): district -> set of names."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    chosen = frame[frame["elected"].isin(["yes", "alternate"])]
    return {d: set(g["candidate"].str.strip()) for d, g in chosen.groupby("district")}
