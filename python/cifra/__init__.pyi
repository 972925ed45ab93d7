"""Type stubs of cifra: Chile's electoral law as code, for Python notebooks."""

import os
from typing import Any, Callable, Dict, List, Literal, Optional, Sequence, Union

import pandas as pd

__version__: str
DATAFRAME: str

PathLike = Union[str, os.PathLike[str]]
Table = Union[PathLike, pd.DataFrame, bytes]

class CifraError(Exception):
    """The base of cifra's own errors."""

class InputError(CifraError):
    """A problem in the input, located: the file (or ``<DataFrame>``), the 1-based line
    (header = line 1) and the column, when known."""

    path: str
    line: Optional[int]
    column: Optional[str]
    message: str

class LawError(CifraError):
    """A contest the electoral system cannot decide as given."""

    district: Optional[str]
    message: str

class VerifyError(CifraError):
    """A verification that failed."""

class CifraWarning(UserWarning):
    """An unfilled seat, an option nobody voted for."""

def tally(
    data: Table,
    system: str,
    *,
    seats: Optional[int] = ...,
    seats_file: Optional[Table] = ...,
    seed: int = ...,
    without_corrections: bool = ...,
) -> Tally:
    """Decides every contest of a results table, as ``cifra tally`` does."""

class Tally:
    """What the law decides for every contest of a results table."""

    warnings: List[str]
    notes: List[str]
    @property
    def data(self) -> Dict[str, Any]: ...
    @property
    def system(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def contests(self) -> pd.DataFrame: ...
    @property
    def candidates(self) -> pd.DataFrame: ...
    @property
    def lists(self) -> pd.DataFrame: ...
    @property
    def parties(self) -> pd.DataFrame: ...
    @property
    def elected(self) -> pd.DataFrame: ...
    @property
    def lotteries(self) -> pd.DataFrame: ...
    @property
    def corrections(self) -> pd.DataFrame: ...
    def to_json(self) -> str:
        """``cifra tally --format json``, byte for byte."""
    def _repr_html_(self) -> str: ...

def systems() -> pd.DataFrame:
    """The systems the engine knows: system, seats, default_seats, decides."""

def read_results(data: Table) -> pd.DataFrame:
    """Results in the long format, validated as ``cifra tally`` does, summed per district."""

def ei(
    data: Table,
    groups: Union[str, Sequence[str]],
    options: Union[str, Sequence[str]],
    *,
    method: Literal["mult", "mvn_pdf", "exact"] = ...,
    bootstrap: int = ...,
    by: Optional[str] = ...,
    seed: int = ...,
    tolerance: float = ...,
    max_iterations: int = ...,
    adjust: Literal["project", "none"] = ...,
    progress: Union[None, bool, Callable[[], Any]] = ...,
) -> EI:
    """Estimates how groups voted from mesa-level results, as ``cifra ei`` does."""

class EI:
    """An ecological-inference estimate."""

    warnings: List[str]
    @property
    def data(self) -> Dict[str, Any]: ...
    @property
    def groups(self) -> List[str]: ...
    @property
    def options(self) -> List[str]: ...
    @property
    def method(self) -> str: ...
    @property
    def territory_column(self) -> Optional[str]: ...
    @property
    def probabilities(self) -> pd.DataFrame: ...
    @property
    def standard_errors(self) -> Optional[pd.DataFrame]: ...
    @property
    def by(self) -> pd.DataFrame: ...
    def svg(self) -> Optional[str]: ...
    def plot(self, ax: Any = ...) -> Any: ...
    def to_json(self) -> str:
        """``cifra ei --format json``, byte for byte."""
    def _repr_html_(self) -> str: ...

class Night:
    """An election-night server (``cifra serve``)."""

    url: str
    timeout: float
    def __init__(self, url: str, *, timeout: float = ...) -> None: ...
    def election(self) -> Dict[str, Any]: ...
    def results(self, contest: Optional[str] = ..., **territory: str) -> pd.DataFrame: ...
    def breakdown(self, by: str) -> pd.DataFrame: ...
    def seats(self, *args: Any, **kwargs: Any) -> pd.DataFrame: ...
    def projection(self, contest: Optional[str] = ..., *, level: Optional[float] = ...) -> pd.DataFrame: ...
    def verify(
        self,
        key: Optional[str] = ...,
        *,
        previous: Optional[str] = ...,
        mesa: Optional[str] = ...,
        witnesses: Sequence[str] = ...,
        quorum: int = ...,
    ) -> List[str]: ...

def verify_log(
    entries: Union[PathLike, bytes],
    checkpoint: Union[PathLike, bytes],
    key: str,
    *,
    election: Union[None, PathLike, bytes, Dict[str, Any]] = ...,
    mesas: Optional[int] = ...,
    system: Optional[str] = ...,
    previous: Optional[str] = ...,
) -> List[str]:
    """Verifies a saved transparency log offline, as ``cifra verify --entries`` does."""
