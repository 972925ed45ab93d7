"""cifra.Night and cifra.verify_log against a real `cifra serve` started here: 300 real
mesas of 2021 submitted with `cifra replay`, read back as DataFrames and verified online
and offline; a changed entry fails."""

import json
import os
import subprocess
import urllib.request

import pandas as pd
import pytest

import cifra
from conftest import MESAS, OPTIONS, cifra_bin

ID = "circunscripcion,mesa"
NAME = "cifra.test/python"


@pytest.fixture(scope="module")
def night(tmp_path_factory, cli):
    """A served election of 300 mesas, all counted: (url, key, the mesas, the dir)."""
    work = tmp_path_factory.mktemp("night")
    mesas = pd.read_csv(MESAS).head(300)
    mesas = mesas[["region", "circunscripcion", "mesa"] + OPTIONS]
    mesas.to_csv(work / "mesas.csv", index=False)
    db = str(work / "night.db")
    _, out, _ = cli(
        "init", "--db", db, "--system", "cl-presidential", "--mesas", work / "mesas.csv",
        "--id", ID, "--options", ",".join(OPTIONS), "--name", NAME,
    )
    field = lambda name: next(l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith(name))
    token, key = field("token:"), field("key:")
    server = subprocess.Popen(
        [cifra_bin(), "serve", "--listen", "127.0.0.1:0", "--db", db],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ, RUST_LOG="warn"),
    )
    try:
        first = server.stdout.readline()
        assert "at http://" in first, f"cifra serve did not announce its address: {first!r} (exit {server.poll()})"
        address = first.split("at ", 1)[1].split("/")[2]
        url = f"http://{address}"
        cli(
            "replay", "--url", url, "--token", token, "--mesas", work / "mesas.csv",
            "--id", ID, "--options", ",".join(OPTIONS), "--batch", 50,
        )
        yield url, key, mesas, work
    finally:
        server.kill()
        server.wait()


def test_results_are_the_sums_of_the_mesas(night):
    url, _, mesas, _ = night
    n = cifra.Night(url)
    results = n.results()
    votes = results.set_index("option")["votes"]
    for option in OPTIONS:
        if option not in ("blank", "null"):
            assert votes[option] == mesas[option].sum(), option
    assert results.attrs["mesas_counted"] == 300 == results.attrs["mesas_total"]
    assert results.attrs["blank"] == mesas["blank"].sum()
    assert list(results["votes"]) == sorted(results["votes"], reverse=True)
    region = mesas["region"].iloc[0]
    local = n.results(region=region).set_index("option")["votes"]
    assert local["boric"] == mesas.loc[mesas["region"] == region, "boric"].sum()
    breakdown = n.breakdown("region")
    assert breakdown.groupby("option")["votes"].sum()["kast"] == mesas["kast"].sum()


def test_the_served_outcome_is_the_tally_of_the_same_votes(night):
    url, _, mesas, _ = night
    served = cifra.Night(url).results().attrs["outcome"]
    long = mesas.melt(id_vars=["region", "circunscripcion", "mesa"], value_vars=OPTIONS, var_name="candidate", value_name="votes")
    long["district"] = "CHILE"
    long["kind"] = long["candidate"].where(long["candidate"].isin(["blank", "null"]), "candidate")
    t = cifra.tally(long, "cl-presidential")
    contest = t.contests.iloc[0]
    assert served["kind"] == contest["outcome"]
    if served["kind"] == "runoff":
        assert served["runoff"] == list(contest["runoff"])


def test_verify_online_with_the_key(night):
    url, key, _, _ = night
    lines = cifra.Night(url).verify(key=key)
    assert any("signature verified" in l for l in lines)
    assert lines[-1].startswith("verified")


def test_verify_refuses_another_key(night, tmp_path, cli):
    url, _, _, work = night
    # Another election of the same name has a key of its own: the log is not signed by it.
    _, out, _ = cli(
        "init", "--db", tmp_path / "other.db", "--system", "cl-presidential", "--mesas", work / "mesas.csv",
        "--id", ID, "--options", ",".join(OPTIONS), "--name", NAME,
    )
    wrong = next(l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("key:"))
    with pytest.raises(cifra.VerifyError):
        cifra.Night(url).verify(key=wrong)


def test_verify_log_offline_and_a_changed_entry_fails(night, tmp_path):
    url, key, _, _ = night
    get = lambda path: urllib.request.urlopen(url + path).read()
    entries, checkpoint, election = get("/api/v1/log/entries?from=0"), get("/api/v1/log/checkpoint"), get("/api/v1/election")
    assert len(entries.splitlines()) == 300
    lines = cifra.verify_log(entries, checkpoint, key, election=election)
    assert lines[-1] == "verified (offline)"
    (tmp_path / "entries.ndjson").write_bytes(entries)
    (tmp_path / "checkpoint").write_bytes(checkpoint)
    assert cifra.verify_log(tmp_path / "entries.ndjson", tmp_path / "checkpoint", key, election=json.loads(election))[-1] == "verified (offline)"
    first = json.loads(entries.splitlines()[0])
    votes = first["votes"]
    option = next(o for o in votes if votes[o] > 0)
    tampered = entries.replace(
        f'"{option}":{votes[option]}'.encode(), f'"{option}":{votes[option] + 1}'.encode(), 1
    )
    assert tampered != entries
    with pytest.raises(cifra.VerifyError):
        cifra.verify_log(tampered, checkpoint, key, election=election)
    with pytest.raises(ValueError, match="needs the election"):
        cifra.verify_log(entries, checkpoint, key)


def test_seats_name_the_missing_endpoint(night):
    n = cifra.Night(night[0])
    with pytest.raises(NotImplementedError, match="/api/v1/seats"):
        n.seats()


def test_projection_is_the_servers_with_its_interval_at_the_level_asked(night):
    url = night[0]
    n = cifra.Night(url)
    frame = n.projection(level=0.95)
    served = json.loads(urllib.request.urlopen(url + "/api/v1/projection?level=0.95").read())
    assert list(frame["option"]) == [o["option"] for o in served["options"]]
    assert list(frame["share"]) == [o["share"] for o in served["options"]]
    assert (frame["low"] <= frame["share"]).all() and (frame["share"] <= frame["high"]).all()
    assert frame.attrs["level"] == 0.95
    assert frame.attrs["mesas_counted"] == 300
    assert frame.attrs["log_size"] == served["log_size"]
    # A narrower level gives narrower intervals.
    narrow = n.projection(level=0.5)
    assert ((narrow["high"] - narrow["low"]) <= (frame["high"] - frame["low"])).all()
    with pytest.raises(cifra.CifraError, match="level"):
        n.projection(level=0.42)
