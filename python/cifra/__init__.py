"""cifra: Chile's electoral law as code, for Python notebooks.

The same library crates as the ``cifra`` command, so every answer is the command's
answer: :func:`tally` decides contests (seats, runoffs, parity corrections) from results in
the long format, :func:`ei` estimates how groups voted from mesa-level results
(ecological inference), :class:`Night` reads and verifies an election-night server, and
:func:`verify_log` checks a saved transparency log offline. Inputs are paths (CSV, gzip)
or pandas DataFrames; outputs are DataFrames.

pandas is imported only when a DataFrame is made, so ``import cifra`` stays fast.
"""

from __future__ import annotations

import json
import os
import warnings as _warnings
from functools import cached_property
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from . import _cifra
from ._cifra import CifraError, InputError, LawError, VerifyError

__version__: str = _cifra.__version__

__all__ = [
    "CifraError",
    "CifraWarning",
    "EI",
    "InputError",
    "LawError",
    "Night",
    "Tally",
    "VerifyError",
    "ei",
    "read_results",
    "systems",
    "tally",
    "verify_log",
]

#: The name a DataFrame has in error messages (``InputError.path``).
DATAFRAME = "<DataFrame>"


class CifraWarning(UserWarning):
    """A warning from cifra: an unfilled seat, an option nobody voted for."""


def _pandas():
    import pandas

    return pandas


def _is_path(data: Any) -> bool:
    return isinstance(data, (str, os.PathLike))


def _is_frame(data: Any) -> bool:
    return hasattr(data, "to_csv") and hasattr(data, "columns")


def _frame_csv(frame: Any) -> bytes:
    """A DataFrame as the CSV the file readers read: header on line 1, row ``i`` (from 0)
    on line ``i + 2``. Float columns holding whole numbers only are written as integers,
    so that ``votes`` computed in pandas (float) read as counts."""
    pd = _pandas()
    frame = frame.copy(deep=False)
    for column in frame.columns:
        if str(column).strip().lower() == "kind" and frame[column].isna().any():
            row = int(frame[column].isna().to_numpy().argmax())
            raise _input_error(
                DATAFRAME,
                row + 2,
                str(column),
                "missing; pandas' read_csv reads the kind \"null\" as a missing value: "
                "read the file with keep_default_na=False",
            )
        series = frame[column]
        if pd.api.types.is_float_dtype(series) and not series.isna().any():
            values = series.to_numpy()
            if ((values % 1) == 0).all():
                frame[column] = series.astype("int64")
    return frame.to_csv(index=False).encode("utf-8")


def _source(data: Any, what: str) -> Dict[str, Any]:
    """Where a table comes from, as the native functions take it: a path, or bytes."""
    if _is_path(data):
        path = os.fspath(data)
        return {"name": path, "path": path, "data": None}
    if _is_frame(data):
        return {"name": DATAFRAME, "path": None, "data": _frame_csv(data)}
    if isinstance(data, (bytes, bytearray, memoryview)):
        return {"name": "<bytes>", "path": None, "data": bytes(data)}
    raise TypeError(f"{what}: expected a path, a pandas DataFrame or CSV bytes, got {type(data).__name__}")


def _input_error(path: str, line: Optional[int], column: Optional[str], message: str) -> InputError:
    """An :class:`InputError` raised from Python, worded as the readers word theirs."""
    where = path
    if line is not None:
        where += f": line {line}"
    if column is not None:
        where += f', column "{column}"'
    error = InputError(f"{where}: {message}")
    error.path, error.line, error.column, error.message = path, line, column, message
    return error


def _warn(messages: Sequence[str]) -> None:
    for message in messages:
        _warnings.warn(message, CifraWarning, stacklevel=3)


# --------------------------------------------------------------------------- tally


def tally(
    data: Any,
    system: str,
    *,
    seats: Optional[int] = None,
    seats_file: Any = None,
    seed: int = 1925,
    without_corrections: bool = False,
) -> "Tally":
    """Decides every contest of a results table, as ``cifra tally`` does.

    ``data`` is a path (CSV, or gzip) or a pandas DataFrame in the long results format
    (columns ``district, kind, candidate, votes`` and optionally ``unit, list, party, pact,
    subpact, sex, alternate``; one row per option and unit, summed per district).
    ``system`` is an id of :func:`systems`. ``seats`` (every district) or ``seats_file``
    (a path or a DataFrame with ``district, seats`` and optionally ``registered``) gives
    the seats where the system needs them. ``seed`` seeds the lottery that breaks the
    ties the law sends to lot. ``without_corrections`` gives the result before the
    corrections made after apportionment (the Convention's gender parity).

    Raises :class:`InputError` for a problem in the input (with ``.path``, ``.line``,
    ``.column``), :class:`LawError` for a contest the system cannot decide, and
    ``ValueError`` for a bad argument. Unfilled seats are :class:`CifraWarning` s.
    """
    source = _source(data, "data")
    seats_source = {"name": None, "path": None, "data": None}
    if seats_file is not None:
        seats_source = _source(seats_file, "seats_file")
    out, warns, notes = _cifra.tally(
        source["name"],
        system,
        path=source["path"],
        data=source["data"],
        seats=seats,
        seats_name=seats_source["name"],
        seats_path=seats_source["path"],
        seats_data=seats_source["data"],
        seed=seed,
        without_corrections=without_corrections,
        format="json",
    )
    _warn(warns)
    return Tally(out, warns, notes)


def _scalars(item: Dict[str, Any]) -> Dict[str, Any]:
    """The fields of a JSON object that are not lists of objects (those get tables of
    their own)."""
    return {
        k: v
        for k, v in item.items()
        if not (isinstance(v, list) and v and isinstance(v[0], dict))
    }


class Tally:
    """What the law decides for every contest of a results table.

    Tables (pandas DataFrames, one row per thing, the command's column names):
    :attr:`contests`, :attr:`candidates`, :attr:`lists`, :attr:`parties`,
    :attr:`elected`, :attr:`lotteries`, :attr:`corrections`. :meth:`to_json` is
    byte for byte ``cifra tally --format json``. :attr:`warnings` (unfilled seats) and
    :attr:`notes` (every tie decided by lot) are what the command prints on stderr.
    """

    def __init__(self, json_text: str, warnings: List[str], notes: List[str]) -> None:
        self._json = json_text
        #: Warnings, e.g. unfilled seats.
        self.warnings: List[str] = list(warnings)
        #: Every tie decided by lot, in words.
        self.notes: List[str] = list(notes)

    def to_json(self) -> str:
        """The output of ``cifra tally --format json``, byte for byte."""
        return self._json

    @cached_property
    def data(self) -> Dict[str, Any]:
        """The JSON as Python values."""
        return json.loads(self._json)

    @property
    def system(self) -> str:
        """The electoral system's id."""
        return self.data["system"]

    @property
    def seed(self) -> int:
        """The lottery's seed."""
        return self.data["seed"]

    def _rows(self, key: str) -> List[Dict[str, Any]]:
        return [
            {"district": c["district"], **_scalars(item)}
            for c in self.data["contests"]
            for item in c.get(key) or []
        ]

    def _frame(self, rows: List[Dict[str, Any]], columns: List[str]):
        pd = _pandas()
        if not rows:
            return pd.DataFrame(columns=columns)
        return pd.DataFrame.from_records(rows)

    @cached_property
    def contests(self):
        """One row per contest: district, seats, valid_votes, blank, null, outcome,
        runoff, unfilled_seats, explanation, and the system's figures (e.g.
        cifra_repartidora)."""
        skip = {"candidates", "lists", "elected", "lotteries", "corrections"}
        rows = [{k: v for k, v in c.items() if k not in skip} for c in self.data["contests"]]
        return self._frame(rows, ["district"])

    @cached_property
    def candidates(self):
        """One row per candidate and contest: district, candidate, list, party, votes,
        share, elected, election_order (1 = elected first), pact, subpact, sex,
        alternate, seated_by_alternate."""
        rows = []
        for c in self.data["contests"]:
            order = {name: i + 1 for i, name in enumerate(c.get("elected") or [])}
            for k in c["candidates"]:
                row = {"district": c["district"], **k}
                row["election_order"] = order.get(k["candidate"])
                rows.append(row)
        frame = self._frame(rows, ["district", "candidate"])
        if "election_order" in frame:
            frame["election_order"] = frame["election_order"].astype("Int64")
        return frame

    @cached_property
    def lists(self):
        """One row per list and contest: district, list, votes, share, seats."""
        return self._frame(self._rows("lists"), ["district", "list", "votes", "share", "seats"])

    @cached_property
    def parties(self):
        """One row per party (or sub-pact) inside a list: district, list, party (or
        subpact), votes, seats."""
        rows = [
            {"district": c["district"], "list": l["list"], **p}
            for c in self.data["contests"]
            for l in c.get("lists") or []
            for p in l.get("parties") or []
        ]
        return self._frame(rows, ["district", "list", "party", "votes", "seats"])

    @cached_property
    def elected(self):
        """One row per seat, contests in order, each in the order its members were
        elected: district, election_order, candidate, list, party, pact, sex, votes."""
        columns = ["district", "election_order", "candidate", "list", "party", "pact", "sex", "votes"]
        rows = []
        for c in self.data["contests"]:
            by_name = {k["candidate"]: k for k in c["candidates"]}
            for i, name in enumerate(c.get("elected") or []):
                k = by_name.get(name, {})
                rows.append({"district": c["district"], "election_order": i + 1, "candidate": name,
                             **{col: k.get(col) for col in columns[3:]}})
        return self._frame(rows, columns)

    @cached_property
    def lotteries(self):
        """One row per tie decided by lot: district and the draw's record."""
        return self._frame(self._rows("lotteries"), ["district"])

    @cached_property
    def corrections(self):
        """One row per correction after apportionment (gender parity): district, rule,
        left, entered, their sex and votes, from which pool, description."""
        return self._frame(self._rows("corrections"), ["district", "rule", "left", "entered"])

    def __repr__(self) -> str:
        contests = self.data["contests"]
        seats = sum(len(c.get("elected") or []) for c in contests)
        return (
            f"<cifra.Tally {self.system}: {len(contests)} contest{'s' if len(contests) != 1 else ''}, "
            f"{seats} elected, {sum(len(c.get('corrections') or []) for c in contests)} corrections, "
            f"{sum(len(c.get('lotteries') or []) for c in contests)} lotteries>"
        )

    def _repr_html_(self) -> str:
        import html

        head = html.escape(repr(self))
        table = self.elected.head(60).to_html(index=False)
        more = "" if len(self.elected) <= 60 else f"<p>… {len(self.elected) - 60} more rows in <code>.elected</code></p>"
        return f"<p><b>{head}</b></p>{table}{more}"


# --------------------------------------------------------------------------- systems, read_results


def systems():
    """The electoral systems the engine knows, as ``cifra systems`` lists them: a
    DataFrame with ``system`` (the id), ``seats`` (single office, exactly, any with a
    default, required), ``default_seats`` and ``decides`` (what it decides, by which
    law)."""
    pd = _pandas()
    rows = _cifra.systems()
    frame = pd.DataFrame(rows, columns=["system", "seats", "default_seats", "decides"])
    frame["default_seats"] = frame["default_seats"].astype("Int64")
    return frame


def read_results(data: Any):
    """Reads results in the long format with the validation of ``cifra tally`` (errors
    are :class:`InputError` with path, line and column) and returns them summed per
    district: one row per candidate (parties normalised as the engine reads them) and
    the district's ``blank`` and ``null`` rows, districts in natural order. Columns:
    district, kind, list, pact, subpact, party, candidate, sex, alternate, votes — itself
    a valid input of :func:`tally`."""
    pd = _pandas()
    source = _source(data, "data")
    rows = _cifra.read_results(source["name"], path=source["path"], data=source["data"])
    columns = ["district", "kind", "list", "pact", "subpact", "party", "candidate", "sex", "alternate", "votes"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["votes"] = frame["votes"].astype("int64")
    return frame


# --------------------------------------------------------------------------- ei


def _names(given: Union[str, Sequence[str]], what: str) -> List[str]:
    if isinstance(given, str):
        return [n.strip() for n in given.split(",")]
    try:
        return [str(n) for n in given]
    except TypeError:
        raise TypeError(f"{what}: a list of column names or one comma-separated string") from None


def _frame_columns(frame: Any, groups: List[str], options: List[str], by: Optional[str]) -> Dict[str, Any]:
    """The DataFrame's count columns as numpy bytes (integers, or floats to be checked
    as whole numbers), or its CSV when a column is neither."""
    import numpy as np

    pd = _pandas()
    names = [str(c).strip() for c in frame.columns]
    position = {}
    for i, n in enumerate(names):
        position.setdefault(n, i)
    for wanted in groups + options + ([by] if by else []):
        if wanted not in position:
            raise _input_error(DATAFRAME, None, None, f'no column "{wanted}" (columns are: {", ".join(names)})')
    columns = []
    for name in groups + options:
        series = frame.iloc[:, position[name]]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            # Text or objects: the file reader checks them, field by field.
            wanted = [frame.columns[position[n]] for n in groups + options + ([by] if by else [])]
            return {"csv": frame[wanted].to_csv(index=False).encode("utf-8")}
        if pd.api.types.is_integer_dtype(series) and not series.isna().any():
            values = np.ascontiguousarray(series.to_numpy(dtype="<i8"))
            columns.append((name, "i8", values.tobytes()))
        else:
            values = np.ascontiguousarray(series.to_numpy(dtype="<f8", na_value=np.nan))
            columns.append((name, "f8", values.tobytes()))
    keys = None
    if by:
        keys = ["" if pd.isna(v) else str(v).strip() for v in frame.iloc[:, position[by]]]
    return {"columns": columns, "keys": keys}


def _progress_bar(bootstrap: int, by: Optional[str], progress: Any):
    """The callback ticked once per bootstrap resample: tqdm's bar when tqdm is
    installed (``progress=None``), the caller's callable, or none (``progress=False``)."""
    if bootstrap <= 0 or progress is False:
        return None, None
    if callable(progress):
        return progress, None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, None
    bar = tqdm(total=None if by else bootstrap, desc="bootstrap", unit="resample")
    return (lambda: bar.update(1)), bar


def ei(
    data: Any,
    groups: Union[str, Sequence[str]],
    options: Union[str, Sequence[str]],
    *,
    method: str = "mult",
    bootstrap: int = 0,
    by: Optional[str] = None,
    seed: int = 2021,
    tolerance: float = 0.001,
    max_iterations: int = 1000,
    adjust: str = "project",
    progress: Any = None,
) -> "EI":
    """Estimates how groups of voters voted from mesa-level results (ecological
    inference), as ``cifra ei`` does.

    ``data`` is a path (CSV, gzip) or a DataFrame with one row per mesa; ``groups``
    names the columns counting each group's voters (e.g. the age ranges), ``options``
    the columns counting each option's votes (at least two). ``method`` is the E-step
    (``"mult"``, ``"mvn_pdf"`` or ``"exact"``); ``bootstrap`` resamples (≥ 2) give
    standard errors, seeded by ``seed``; ``by`` names a territory column to estimate
    each territory apart. Integer and float columns of a DataFrame go to Rust as
    arrays (floats must hold whole numbers). ``progress``: a bootstrap bar with tqdm
    when installed (``None``), a callable ticked per resample, or ``False``.

    Raises :class:`InputError` (``.line`` counts a DataFrame's rows as CSV lines, the
    header is line 1), ``ValueError`` for bad arguments; ``KeyboardInterrupt`` on
    Ctrl-C.
    """
    group_names = _names(groups, "groups")
    option_names = _names(options, "options")
    kwargs: Dict[str, Any] = {}
    if _is_path(data):
        name = os.fspath(data)
        kwargs["path"] = name
    elif _is_frame(data):
        name = DATAFRAME
        kwargs.update(_frame_columns(data, group_names, option_names, by))
    elif isinstance(data, (bytes, bytearray, memoryview)):
        name = "<bytes>"
        kwargs["csv"] = bytes(data)
    else:
        raise TypeError(f"data: expected a path, a pandas DataFrame or CSV bytes, got {type(data).__name__}")
    tick, bar = _progress_bar(bootstrap, by, progress)
    try:
        out, warns, svg = _cifra.ei(
            name,
            group_names,
            option_names,
            method=method,
            bootstrap=bootstrap,
            by=by,
            seed=seed,
            tolerance=tolerance,
            max_iterations=max_iterations,
            adjust=adjust,
            progress=tick,
            **kwargs,
        )
    finally:
        if bar is not None:
            bar.close()
    _warn(warns)
    return EI(out, warns, svg)


class EI:
    """An ecological-inference estimate: how each group voted.

    :attr:`probabilities` (groups × options; with ``by``, indexed by territory and
    group), :attr:`standard_errors` (with ``bootstrap``), :attr:`by` (a long table:
    territory, group, option, probability, standard_error), :meth:`plot`, :meth:`svg`
    and :meth:`to_json`, which is ``cifra ei --format json`` byte for byte.
    """

    def __init__(self, json_text: str, warnings: List[str], svg: Optional[str]) -> None:
        self._json = json_text
        self._svg = svg
        #: Warnings, e.g. an option without votes.
        self.warnings: List[str] = list(warnings)

    def to_json(self) -> str:
        """The output of ``cifra ei --format json``, byte for byte."""
        return self._json

    @cached_property
    def data(self) -> Dict[str, Any]:
        """The JSON as Python values."""
        return json.loads(self._json)

    @property
    def groups(self) -> List[str]:
        """The group columns, in order."""
        return self.data["groups"]

    @property
    def options(self) -> List[str]:
        """The option columns, in order."""
        return self.data["options"]

    @property
    def method(self) -> str:
        """The E-step used."""
        return self.data["method"]

    @property
    def territory_column(self) -> Optional[str]:
        """The ``by`` column, or None."""
        return self.data.get("by")

    def _matrix(self, key: str):
        pd = _pandas()
        d = self.data
        if "results" not in d:
            if key not in d:
                return None
            frame = pd.DataFrame(d[key], index=d["groups"], columns=d["options"], dtype="float64")
            frame.index.name = "group"
            frame.columns.name = "option"
            return frame
        if not d["results"] or key not in d["results"][0]:
            return None
        parts = []
        for r in d["results"]:
            part = pd.DataFrame(r[key], index=d["groups"], columns=d["options"], dtype="float64")
            part.index = pd.MultiIndex.from_product([[r["key"]], d["groups"]], names=[d["by"], "group"])
            parts.append(part)
        frame = pd.concat(parts)
        frame.columns.name = "option"
        return frame

    @cached_property
    def probabilities(self):
        """The estimated share of each group (rows) that chose each option (columns);
        rows sum to 1. With ``by``: indexed by (territory, group)."""
        return self._matrix("probabilities")

    @cached_property
    def standard_errors(self):
        """Bootstrap standard errors, the shape of :attr:`probabilities`; None without
        ``bootstrap``."""
        return self._matrix("std_errors")

    @cached_property
    def by(self):
        """A long table: (territory,) group, option, probability (, standard_error)."""
        long = self.probabilities.stack().rename("probability").reset_index()
        if self.standard_errors is not None:
            long["standard_error"] = self.standard_errors.stack().to_numpy()
        return long

    def svg(self) -> Optional[str]:
        """The heatmap ``cifra ei --plot`` writes (SVG text); None with ``by``."""
        return self._svg

    def plot(self, ax: Any = None):
        """A heatmap of the estimates with matplotlib (``pip install matplotlib``);
        returns the Axes."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("EI.plot needs matplotlib: pip install matplotlib (or use EI.svg())") from None
        if self.territory_column is not None:
            raise ValueError("plot draws one heatmap: estimate without by=, or select a territory from .by")
        p = self.probabilities
        if ax is None:
            _, ax = plt.subplots(figsize=(1 + 0.8 * len(p.columns), 1 + 0.45 * len(p.index)))
        image = ax.imshow(p.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(p.columns)), labels=list(p.columns), rotation=45, ha="right")
        ax.set_yticks(range(len(p.index)), labels=list(p.index))
        for i in range(len(p.index)):
            for j in range(len(p.columns)):
                v = p.iat[i, j]
                ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", color="white" if v > 0.5 else "black", fontsize=8)
        ax.set_title(f"Who voted how ({self.method})")
        ax.figure.colorbar(image, ax=ax, label="share of the group")
        return ax

    def __repr__(self) -> str:
        d = self.data
        where = f" by {d['by']} ({len(d['results'])} territories)" if "by" in d else f", {d.get('mesas')} mesas"
        return f"<cifra.EI {d['method']}: {len(d['groups'])} groups × {len(d['options'])} options{where}>"

    def _repr_html_(self) -> str:
        import html

        table = (self.probabilities * 100).round(1).head(80).to_html()
        return f"<p><b>{html.escape(repr(self))}</b> (percent)</p>{table}"


# --------------------------------------------------------------------------- election night


def _bytes_of(given: Any, what: str) -> bytes:
    if isinstance(given, (bytes, bytearray, memoryview)):
        return bytes(given)
    if _is_path(given):
        with open(given, "rb") as f:
            return f.read()
    raise TypeError(f"{what}: expected a path or bytes, got {type(given).__name__}")


class Night:
    """An election-night server (``cifra serve``) at ``url``: its results as DataFrames
    and the verification of its transparency log.

    >>> night = cifra.Night("http://127.0.0.1:8080")
    >>> night.results()                      # the nation
    >>> night.results(region="DE ANTOFAGASTA")
    >>> night.verify(key="cifra.test/2021-r1+…")
    """

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: Optional[Dict[str, str]] = None) -> Any:
        import urllib.error
        import urllib.parse
        import urllib.request

        query = "?" + urllib.parse.urlencode(params) if params else ""
        try:
            with urllib.request.urlopen(self.url + path + query, timeout=self.timeout) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
            try:
                body = json.loads(body).get("error", body)
            except (ValueError, AttributeError):
                pass
            if e.code == 404 and path.startswith("/api/v1/") and not params:
                raise NotImplementedError(f"the server at {self.url} has no GET {path} (404)") from None
            raise CifraError(f"GET {path}{query}: {e.code}: {body}") from None

    def election(self) -> Dict[str, Any]:
        """What the election is (``GET /api/v1/election``): name, system, options,
        territory columns and values, mesas_total."""
        return self._get("/api/v1/election")

    def results(self, contest: Optional[str] = None, **territory: str):
        """The results so far (``GET /api/v1/results``), one row per option: option,
        votes, share; the rest (valid_votes, blank, null, mesas_counted, mesas_total,
        leader, outcome, log_size, log_root, stale) is in the DataFrame's ``.attrs``.
        ``territory``: one ``COLUMN=VALUE`` (e.g. ``region="DE TARAPACA"``).
        ``contest``: the election's name, or None (a server serves one contest)."""
        pd = _pandas()
        if len(territory) > 1:
            raise ValueError("results: at most one territory, COLUMN=VALUE")
        if contest is not None:
            name = self.election()["name"]
            if contest != name:
                raise ValueError(f"results: this server serves one contest, {name!r}, not {contest!r}")
        body = self._get("/api/v1/results", {k: str(v) for k, v in territory.items()} or None)
        frame = pd.DataFrame(body.get("options") or [], columns=["option", "votes", "share"])
        frame.attrs.update({k: v for k, v in body.items() if k != "options"})
        return frame

    def breakdown(self, by: str):
        """The results per value of a territory column (``GET
        /api/v1/results/breakdown``): one row per territory and option."""
        pd = _pandas()
        body = self._get("/api/v1/results/breakdown", {"by": by})
        rows = [
            {by: v["territory"]["value"], **o}
            for v in body.get("values", [])
            for o in v.get("options") or []
        ]
        return pd.DataFrame(rows, columns=[by, "option", "votes", "share"])

    def seats(self, *args: Any, **kwargs: Any):
        """Seats as counted so far: needs the server's ``GET /api/v1/seats``, which
        ``cifra serve`` does not have yet (it serves single-office elections)."""
        return self._missing("/api/v1/seats")

    def projection(self, contest: Optional[str] = None, *, level: Optional[float] = None):
        """The projection of the final result (``GET /api/v1/projection``), one row per
        option: option, share, low, high (the interval at ``level``), votes, votes_low,
        votes_high; the rest (contest, log_size, mesas_counted, mesas_total, level,
        expected_counted, turnout, call, method) is in the DataFrame's ``.attrs``.
        ``level``: 0.5, 0.8, 0.9 (the server's default), 0.95 or 0.99."""
        pd = _pandas()
        params = {}
        if contest is not None:
            params["contest"] = contest
        if level is not None:
            params["level"] = str(level)
        body = self._get("/api/v1/projection", params or None)
        columns = ["option", "share", "low", "high", "votes", "votes_low", "votes_high"]
        frame = pd.DataFrame(body.get("options") or [], columns=columns)
        frame.attrs.update({k: v for k, v in body.items() if k != "options"})
        return frame

    def _missing(self, path: str):
        pd = _pandas()
        body = self._get(path)  # raises NotImplementedError on a 404
        return pd.DataFrame(body)

    def verify(
        self,
        key: Optional[str] = None,
        *,
        previous: Optional[str] = None,
        mesa: Optional[str] = None,
        witnesses: Sequence[str] = (),
        quorum: int = 0,
    ) -> List[str]:
        """Verifies the server's log as ``cifra verify --url`` does: the checkpoint's
        signature (with ``key``, the verifier key to trust, its text or a file; None: the
        server's own, which proves less), the tree, every kept checkpoint, the recount
        against the published results; ``previous``: an earlier signed checkpoint that
        must be a prefix; ``mesa``: prove that mesa's latest acta included;
        ``witnesses`` (their verifier keys) and ``quorum``: accept the checkpoint only
        with that many of their cosignatures, as ``--witness`` and ``--quorum`` do.
        Returns the report's lines; raises :class:`VerifyError` when a check fails."""
        return _cifra.verify(
            self.url,
            key=key,
            previous=previous,
            mesa=mesa,
            witnesses=list(witnesses),
            quorum=quorum,
        )

    def __repr__(self) -> str:
        return f"<cifra.Night {self.url}>"


def verify_log(
    entries: Any,
    checkpoint: Any,
    key: str,
    *,
    election: Any = None,
    mesas: Optional[int] = None,
    system: Optional[str] = None,
    previous: Optional[str] = None,
) -> List[str]:
    """Verifies a saved transparency log offline, as ``cifra verify --entries
    --checkpoint --key`` does. ``entries`` (the NDJSON of ``/api/v1/log/entries``) and
    ``checkpoint`` (the signed note) are paths or bytes; ``key`` the verifier key (text
    or file). The election, to know a complete count: ``election`` (the JSON of ``GET
    /api/v1/election``: a path, bytes or a dict) or ``mesas`` and ``system``. Returns
    the report's lines; raises :class:`VerifyError` when a check fails."""
    if isinstance(election, dict):
        election = json.dumps(election).encode("utf-8")
    elif election is not None:
        election = _bytes_of(election, "election")
    return _cifra.verify_log(
        _bytes_of(entries, "entries"),
        _bytes_of(checkpoint, "checkpoint"),
        key,
        election=election,
        mesas=mesas,
        system=system,
        previous=previous,
    )
