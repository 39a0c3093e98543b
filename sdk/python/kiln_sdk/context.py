"""The run's view of the host: granted data and the log."""

from __future__ import annotations

import enum
from typing import List, NamedTuple, Protocol, Sequence

from .batch import Batch
from .info import ValueType
from .scan import BatchSource, Scan, read_all


class Level(enum.IntEnum):
    """Severity of a log line (the contract's `level`), ordered."""

    TRACE = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4


class GrantColumn(NamedTuple):
    """A granted column and its type."""

    name: str
    type: ValueType
    nullable: bool


class Grant(NamedTuple):
    """A dataset this run may read, with its granted columns."""

    dataset: str
    columns: List[GrantColumn]


class Backend(Protocol):
    """Where a :class:`Context` gets its data: the Wasm host or the native test harness."""

    def grants(self) -> List[Grant]:
        """The datasets and columns the run may read."""

    def open(self, dataset: str, columns: List[str]) -> BatchSource:
        """Opens a scan of ``columns`` of ``dataset`` (every granted column when empty)."""

    def log(self, level: Level, message: str) -> None:
        """Records a log line."""


class Context:
    """What a plugin's ``run`` gets: granted data (:meth:`scan`) and the run's log.

    Python's :mod:`logging` also reaches the run's log while the run lasts (the SDK installs
    a handler on the root logger), and ``print`` goes to stdout, which the host captures too.
    """

    def __init__(self, backend: Backend):
        self._backend = backend

    def grants(self) -> List[Grant]:
        """The datasets and columns this run may read, with their types."""
        return self._backend.grants()

    def scan(self, dataset: str, columns: Sequence[str] = ()) -> Scan:
        """Scans ``dataset``, yielding :class:`Batch` es of ``columns`` in that order (every
        granted column when empty). Under the host, asking for a dataset or column that was
        not granted ends the run."""
        if isinstance(columns, str):
            raise TypeError("columns must be a list of names, not one string")
        return Scan(self._backend.open(dataset, list(columns)))

    def read_all(self, dataset: str, columns: Sequence[str] = ()) -> Batch:
        """The whole of ``dataset`` (the chosen columns) as one batch; string columns come out
        as dictionary columns with the scan's codes. Convenient for small datasets: a large one
        costs its whole size in guest memory."""
        return read_all(self.scan(dataset, columns))

    def log(self, level: Level, message: str) -> None:
        """Writes a line to the run's log."""
        self._backend.log(Level(level), str(message))

    def debug(self, message: str) -> None:
        """Writes a debug line to the run's log."""
        self.log(Level.DEBUG, message)

    def info(self, message: str) -> None:
        """Writes an info line to the run's log."""
        self.log(Level.INFO, message)

    def warn(self, message: str) -> None:
        """Writes a warning to the run's log."""
        self.log(Level.WARN, message)

    def error(self, message: str) -> None:
        """Writes an error line to the run's log."""
        self.log(Level.ERROR, message)
