"""cifra.tally: the command's answers on the shipped real elections, from files and from
DataFrames, and every error as a Python exception."""

import json

import pandas as pd
import pytest

import cifra
from conftest import DATA, official_elected

# How each system of the engine is run on real data: (file, seats, seats file).
CASES = {
    "cl-binomial": ("cl-1989-deputies.csv", None, None),
    "cl-dhondt": ("cl-1989-deputies.csv", 3, None),
    "dhondt": ("cl-1989-deputies.csv", 2, None),
    "sainte-lague": ("cl-1989-deputies.csv", 4, None),
    "hare": ("cl-1989-deputies.csv", 3, None),
    "droop": ("cl-1989-deputies.csv", 3, None),
    "plurality": ("cl-1989-deputies.csv", 2, None),
    "cl-presidential": ("cl-2017-presidential-r1.csv", None, None),
    "cl-presidential-1925": ("cl-2017-presidential-r1.csv", None, None),
    "two-round": ("cl-2017-presidential-r1.csv", None, None),
    "cl-mayor": ("cl-2012-mayors.csv", None, None),
    "cl-council": ("cl-2024-councils.csv", None, "cl-2024-councils-seats.csv"),
    "cl-regional-council": ("cl-2024-regional-councils.csv", None, "cl-2024-regional-councils-seats.csv"),
    "cl-convention-2021": ("cl-2021-convention.csv", None, "cl-2021-convention-seats.csv"),
    "cl-convention-2021-indigenous": (
        "cl-2021-convention-indigenous.csv",
        None,
        "cl-2021-convention-indigenous-seats.csv",
    ),
}


def test_every_system_of_the_engine_has_a_case():
    assert set(cifra.systems()["system"]) == set(CASES)


def run_both(cli, system, *, without_corrections=False, fmt="json"):
    file, seats, seats_file = CASES[system]
    args = ["tally", "--system", system, "--format", fmt]
    kwargs = {}
    if seats is not None:
        args += ["--seats", seats]
        kwargs["seats"] = seats
    if seats_file is not None:
        args += ["--seats-file", DATA / seats_file]
        kwargs["seats_file"] = DATA / seats_file
    if without_corrections:
        args.append("--without-corrections")
        kwargs["without_corrections"] = True
    _, out, _ = cli(*args, DATA / file)
    return out, cifra.tally(DATA / file, system, **kwargs)


@pytest.mark.parametrize("system", sorted(CASES))
def test_json_is_the_commands_byte_for_byte(cli, system):
    out, t = run_both(cli, system)
    assert t.to_json() == out
    assert t.system == system and json.loads(out)["contests"]


def test_without_corrections_is_the_commands_too(cli):
    out, t = run_both(cli, "cl-convention-2021", without_corrections=True)
    assert t.to_json() == out
    assert t.corrections.empty


def test_candidates_table_has_the_commands_csv_values(cli):
    _, out, _ = cli("tally", "--system", "cl-binomial", "--format", "csv", DATA / "cl-1989-deputies.csv")
    csv = pd.read_csv(pd.io.common.StringIO(out), dtype={"district": str})
    t = cifra.tally(DATA / "cl-1989-deputies.csv", "cl-binomial")
    key = ["district", "candidate"]
    mine = t.candidates.set_index(key).sort_index()
    theirs = csv.set_index(key).sort_index()
    assert (mine.index == theirs.index).all()
    assert (mine["list"].fillna("").astype(str) == theirs["list"].fillna("").astype(str)).all()
    assert (mine["votes"] == theirs["votes"]).all()
    assert (mine["elected"] == theirs["elected"]).all()
    assert (mine["election_order"].fillna(0).astype(int) == theirs["election_order"].fillna(0).astype(int)).all()
    assert (mine["share"] - theirs["share"]).abs().max() < 1e-6


def test_1989_binomial_elects_the_official_120_deputies():
    t = cifra.tally(DATA / "cl-1989-deputies.csv", "cl-binomial")
    assert len(t.contests) == 60 and len(t.elected) == 120
    mine = {d: set(g["candidate"]) for d, g in t.elected.groupby("district")}
    assert mine == official_elected(DATA / "cl-1989-deputies.csv")
    assert t.lotteries.empty and t.warnings == []


def test_2021_convention_parity_reproduces_tricels_list_and_its_seven_swaps():
    t = cifra.tally(
        DATA / "cl-2021-convention.csv",
        "cl-convention-2021",
        seats_file=DATA / "cl-2021-convention-seats.csv",
    )
    mine = {d: set(g["candidate"]) for d, g in t.elected.groupby("district")}
    assert mine == official_elected(DATA / "cl-2021-convention.csv")
    assert len(t.elected) == 76
    for district, g in t.elected.groupby("district"):
        women, men = (g["sex"] == "F").sum(), (g["sex"] == "M").sum()
        assert abs(women - men) <= (women + men) % 2, district
    swaps = sorted(zip(t.corrections["district"], t.corrections["left"], t.corrections["entered"]))
    assert len(swaps) == 7
    assert ("3", "MARIA ANGELICA OJEDA GONZALEZ", "HERNAN JESUS VELASQUEZ NUÑEZ") in swaps
    assert ("7", "CRISTIAN IVAN BELLEI CARVACHO", "MARIA JOSE OYARZUN SOLIS") in swaps
    assert set(t.corrections["rule"]) == {"gender-parity"}
    before = cifra.tally(
        DATA / "cl-2021-convention.csv",
        "cl-convention-2021",
        seats_file=DATA / "cl-2021-convention-seats.csv",
        without_corrections=True,
    )
    changed = set(before.elected["candidate"]) ^ set(t.elected["candidate"])
    assert changed == {name for s in swaps for name in s[1:]}


def test_2017_first_round_goes_to_a_runoff():
    t = cifra.tally(DATA / "cl-2017-presidential-r1.csv", "cl-presidential")
    (contest,) = t.contests.to_dict("records")
    assert contest["outcome"] == "runoff"
    assert len(contest["runoff"]) == 2 and "Piñera" in contest["runoff"][0]
    assert t.elected.empty


@pytest.mark.parametrize(
    "system,file,seats_file",
    [
        ("cl-binomial", "cl-1989-deputies.csv", None),
        ("cl-convention-2021", "cl-2021-convention.csv", "cl-2021-convention-seats.csv"),
        ("cl-council", "cl-2024-councils.csv", "cl-2024-councils-seats.csv"),
    ],
)
@pytest.mark.parametrize("as_text", [True, False])
def test_dataframe_input_equals_file_input(system, file, seats_file, as_text):
    # keep_default_na=False: else pandas reads the kind "null" as a missing value.
    options = {"dtype": str} if as_text else {}
    frame = pd.read_csv(DATA / file, keep_default_na=False, **options)
    kwargs = {}
    if seats_file:
        kwargs = {"seats_file": DATA / seats_file}
    from_file = cifra.tally(DATA / file, system, **kwargs)
    if seats_file:
        kwargs = {"seats_file": pd.read_csv(DATA / seats_file)}
    from_frame = cifra.tally(frame, system, **kwargs)
    assert from_frame.to_json() == from_file.to_json()


def test_read_results_sums_per_district_and_tallies_the_same():
    frame = cifra.read_results(DATA / "cl-1989-deputies.csv")
    raw = pd.read_csv(DATA / "cl-1989-deputies.csv")
    assert frame["votes"].sum() == raw["votes"].sum()
    assert set(frame["kind"]) == {"candidate", "blank", "null"}
    assert frame["district"].nunique() == 60
    again = cifra.tally(frame, "cl-binomial")
    assert again.to_json() == cifra.tally(DATA / "cl-1989-deputies.csv", "cl-binomial").to_json()


def test_systems_lists_every_id_with_its_seats_rule():
    s = cifra.systems()
    assert list(s.columns) == ["system", "seats", "default_seats", "decides"]
    binomial = s.set_index("system").loc["cl-binomial"]
    assert binomial["seats"] == "exactly" and binomial["default_seats"] == 2


def test_repr_and_html_name_the_outcome():
    t = cifra.tally(DATA / "cl-1989-deputies.csv", "cl-binomial")
    assert "60 contests, 120 elected" in repr(t)
    html = t._repr_html_()
    assert "<table" in html and "Valcarce Medina Carlos" in html


# ------------------------------------------------------------------ errors


def bad_votes_frame():
    frame = pd.read_csv(DATA / "cl-1989-deputies.csv", dtype=str, keep_default_na=False)
    frame.loc[4, "votes"] = "12x"
    return frame


def test_a_dataframe_error_names_the_row_as_a_csv_line(tmp_path, cli):
    frame = bad_votes_frame()
    with pytest.raises(cifra.InputError) as error:
        cifra.tally(frame, "cl-binomial")
    e = error.value
    assert (e.path, e.line, e.column) == ("<DataFrame>", 6, "votes")
    assert "12x" in str(e)
    # The same table as a file: the command says the same line and column.
    frame.to_csv(tmp_path / "bad.csv", index=False)
    status, _, err = cli("tally", "--system", "cl-binomial", tmp_path / "bad.csv", check=False)
    assert status == 2 and 'line 6, column "votes"' in err
    with pytest.raises(cifra.InputError) as error:
        cifra.tally(tmp_path / "bad.csv", "cl-binomial")
    assert (error.value.path, error.value.line, error.value.column) == (str(tmp_path / "bad.csv"), 6, "votes")


def test_pandas_reading_null_as_missing_is_named():
    frame = pd.read_csv(DATA / "cl-1989-deputies.csv")
    with pytest.raises(cifra.InputError, match="keep_default_na=False") as error:
        cifra.tally(frame, "cl-binomial")
    # The first null row of the file, as the command says of the same table written out.
    assert (error.value.line, error.value.column) == (11, "kind")


def test_a_missing_column_is_line_1():
    frame = pd.read_csv(DATA / "cl-1989-deputies.csv").drop(columns=["kind"])
    with pytest.raises(cifra.InputError) as error:
        cifra.tally(frame, "cl-binomial")
    assert error.value.line == 1 and 'missing required column "kind"' in str(error.value)


def test_a_missing_file_is_file_not_found():
    with pytest.raises(FileNotFoundError):
        cifra.tally(DATA / "no-such-file.csv", "cl-binomial")


def test_the_law_refuses_with_law_error():
    with pytest.raises(cifra.LawError, match="needs the number of seats: seats=N"):
        cifra.tally(DATA / "cl-1989-deputies.csv", "dhondt")
    frame = pd.read_csv(DATA / "cl-2021-convention.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["district"] == "5", "sex"] = ""
    with pytest.raises(cifra.LawError) as error:
        cifra.tally(frame, "cl-convention-2021", seats_file=DATA / "cl-2021-convention-seats.csv")
    assert error.value.district == "5" and "sex" in str(error.value)
    assert isinstance(error.value, cifra.CifraError)


def test_bad_arguments_are_value_errors():
    with pytest.raises(ValueError, match="cl-binomial"):
        cifra.tally(DATA / "cl-1989-deputies.csv", "no-such-system")
    with pytest.raises(TypeError):
        cifra.tally(42, "cl-binomial")


def test_unfilled_seats_warn():
    frame = pd.DataFrame(
        {"district": ["A", "A"], "kind": ["candidate"] * 2, "list": ["L", "L"], "candidate": ["x", "y"], "votes": [10, 5]}
    )
    with pytest.warns(cifra.CifraWarning):
        t = cifra.tally(frame, "dhondt", seats=3)
    assert t.warnings and len(t.elected) == 2
