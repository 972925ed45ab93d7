"""cifra.ei: the command's estimates on the 2021 mesas, from the file and from a
DataFrame, the peer's figures, and errors with the row's line."""

import json

import numpy as np
import pandas as pd
import pytest

import cifra
from conftest import AGES, DATA, MESAS, OPTIONS


@pytest.fixture(scope="module")
def mesas():
    return pd.read_csv(MESAS)


@pytest.fixture(scope="module")
def national():
    return cifra.ei(MESAS, AGES, OPTIONS)


def test_json_is_the_commands_byte_for_byte(cli, national):
    _, out, _ = cli("ei", "--groups", ",".join(AGES), "--options", ",".join(OPTIONS), "--format", "json", MESAS)
    assert national.to_json() == out


def test_2021_age_groups_match_fastei_within_0_002(national):
    reference = pd.read_csv(DATA / "reference" / "fastei-national-mult.csv", index_col=0)
    p = national.probabilities
    assert list(p.index) == AGES and list(p.columns) == OPTIONS
    assert np.allclose(p.sum(axis=1), 1.0)
    assert (p - reference.loc[AGES, OPTIONS]).abs().to_numpy().max() <= 0.002
    # Who voted how: the youngest for Boric, the oldest for Kast.
    assert p.loc["age_18_19"].idxmax() == "boric"
    assert p.loc["age_80_plus", "kast"] > p.loc["age_18_19", "kast"]


def test_dataframe_input_equals_file_input(mesas, national):
    assert cifra.ei(mesas, AGES, OPTIONS).to_json() == national.to_json()
    # Floats holding whole numbers are counts too.
    floats = mesas.astype({c: "float64" for c in AGES + OPTIONS})
    assert cifra.ei(floats, ",".join(AGES), ",".join(OPTIONS)).to_json() == national.to_json()


def test_by_territory_is_the_commands_and_the_same_from_a_dataframe(cli, mesas):
    _, out, _ = cli(
        "ei", "--groups", ",".join(AGES), "--options", ",".join(OPTIONS), "--by", "region", "--format", "json", MESAS
    )
    from_file = cifra.ei(MESAS, AGES, OPTIONS, by="region")
    assert from_file.to_json() == out
    assert cifra.ei(mesas, AGES, OPTIONS, by="region").to_json() == out
    long = from_file.by
    assert list(long.columns) == ["region", "group", "option", "probability"]
    regions = json.loads(out)["results"]
    assert len(long) == len(regions) * len(AGES) * len(OPTIONS)
    assert long.groupby(["region", "group"])["probability"].sum().between(0.999, 1.001).all()


def test_bootstrap_standard_errors_and_progress_are_the_commands(cli, mesas, tmp_path):
    part = mesas.head(3000)
    part.to_csv(tmp_path / "part.csv", index=False)
    ticks = []
    est = cifra.ei(part, AGES, OPTIONS, bootstrap=3, seed=7, progress=lambda: ticks.append(1))
    _, out, _ = cli(
        "ei", "--groups", ",".join(AGES), "--options", ",".join(OPTIONS), "--bootstrap", 3, "--seed", 7,
        "--format", "json", tmp_path / "part.csv",
    )
    assert est.to_json() == out
    assert len(ticks) == 3
    se = est.standard_errors
    assert se.shape == (len(AGES), len(OPTIONS)) and (se.to_numpy() >= 0).all()
    assert "standard_error" in est.by.columns


def test_svg_and_plot(national):
    assert national.svg().startswith("<svg")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = national.plot()
    assert len(ax.get_yticklabels()) == len(AGES)


@pytest.mark.parametrize(
    "value,found",
    [(-3, '"-3"'), (2.5, '"2.5"'), (np.nan, "missing"), (1_000_000_000, "too large"), ("x", '"x"')],
)
def test_a_bad_count_names_the_row_as_a_csv_line(mesas, tmp_path, cli, value, found):
    # Integers stay an integer column, floats make it float, text makes it text.
    kind = {int: "int64", float: "float64", str: object}[type(value)]
    frame = mesas.head(200).astype({"kast": kind})
    frame.loc[frame.index[9], "kast"] = value
    with pytest.raises(cifra.InputError) as error:
        cifra.ei(frame, AGES, OPTIONS)
    e = error.value
    assert (e.path, e.line, e.column) == ("<DataFrame>", 11, "kast"), str(e)
    assert found in str(e)
    # The command reports the same line and column for the same table as a file (whole
    # floats written as integers, which is how the DataFrame's are taken).
    frame.to_csv(tmp_path / "bad.csv", index=False, float_format="%.15g")
    status, _, err = cli("ei", "--groups", ",".join(AGES), "--options", ",".join(OPTIONS), tmp_path / "bad.csv", check=False)
    assert status == 2 and 'line 11, column "kast"' in err


def test_a_missing_column_and_bad_arguments(mesas):
    with pytest.raises(cifra.InputError, match='no column "nobody"'):
        cifra.ei(mesas, AGES, ["boric", "nobody"])
    with pytest.raises(ValueError, match="bootstrap needs at least 2"):
        cifra.ei(mesas, AGES, OPTIONS, bootstrap=1)
    with pytest.raises(ValueError, match="both in groups and in options"):
        cifra.ei(mesas, AGES + ["boric"], OPTIONS)
    with pytest.raises(ValueError, match="method"):
        cifra.ei(mesas, AGES, OPTIONS, method="fast")
    with pytest.raises(cifra.InputError, match="no mesas"):
        cifra.ei(mesas.head(0), AGES, OPTIONS)


def test_ctrl_c_interrupts_a_long_estimate_at_once():
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import sys, cifra\n"
        f"print('start', flush=True)\n"
        f"cifra.ei({str(MESAS)!r}, {AGES!r}, {OPTIONS!r}, bootstrap=200, progress=False)\n"
        "print('finished', flush=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "start"
    time.sleep(1.0)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    waited = time.monotonic() - sent
    assert "finished" not in out
    assert "KeyboardInterrupt" in err, err
    # 200 resamples take far longer than this: the wait was cut, not served.
    assert waited < 2.0, waited


def test_bootstrap_shows_a_tqdm_bar_when_tqdm_is_installed(mesas, capsys):
    pytest.importorskip("tqdm")
    cifra.ei(mesas.head(2000), AGES, OPTIONS, bootstrap=2)
    err = capsys.readouterr().err
    assert "bootstrap" in err and "2/2" in err
