"""What a run returns: named tables and scalar metrics, and the host's check of them."""

from __future__ import annotations

from typing import List, NamedTuple, Set

from .batch import Batch
from .info import PluginInfo

#: The longest table, column or metric name (and metric unit), in bytes, as the host allows.
MAX_NAME_BYTES = 128


class Table(NamedTuple):
    """A named result table."""

    name: str
    data: Batch


class Metric(NamedTuple):
    """A named scalar result with its unit (``""`` for a pure number)."""

    name: str
    value: float
    unit: str


class Output:
    """The output of a run, built by chaining::

        Output().table("by_enterprise", Batch().with_str(...).with_f64(...)).metric("enterprises", 12)
    """

    def __init__(self) -> None:
        #: Result tables, in order.
        self.tables: List[Table] = []
        #: Scalar results, in order.
        self.metrics: List[Metric] = []

    def table(self, name: str, data: Batch) -> "Output":
        """Adds a table."""
        if not isinstance(data, Batch):
            raise TypeError(f"table `{name}`: data must be a Batch, not {type(data).__name__}")
        self.tables.append(Table(name, data))
        return self

    def metric(self, name: str, value: float, unit: str = "") -> "Output":
        """Adds a metric (an int value is sent as a float)."""
        self.metrics.append(Metric(name, float(value), unit))
        return self

    def get_table(self, name: str) -> Batch:
        """The table called ``name``; ``KeyError`` if there is none."""
        for t in self.tables:
            if t.name == name:
                return t.data
        raise KeyError(f"no output table `{name}`")

    def get_metric(self, name: str) -> float:
        """The metric called ``name``; ``KeyError`` if there is none."""
        for m in self.metrics:
            if m.name == name:
                return m.value
        raise KeyError(f"no output metric `{name}`")


def _name_problem(what: str, name: str, seen: Set[str]) -> "str | None":
    """The host's rule for a name: non-empty, at most 128 bytes, printable, unique."""
    if not name:
        return f"a {what} name is empty"
    if len(name.encode()) > MAX_NAME_BYTES:
        return f"a {what} name is {len(name.encode())} bytes, over {MAX_NAME_BYTES}"
    if any(_is_control(ch) for ch in name):
        return f"{what} name `{name!r}` holds control characters"
    if name in seen:
        return f"{what} name `{name}` appears twice"
    seen.add(name)
    return None


def _is_control(ch: str) -> bool:
    # Rust's char::is_control: the Unicode Cc category (C0, DEL, C1).
    o = ord(ch)
    return o < 0x20 or 0x7F <= o < 0xA0


def check_output(info: PluginInfo, output: Output) -> "str | None":
    """What the host would refuse in ``output`` (its ``invalid-output``), or ``None``.

    As ``host/src/output.rs`` ``check()``: names non-empty, printable, at most 128 bytes and
    unique; every table and metric declared as one; a table's columns the declared ones in
    name, order and type, with nulls only where declared nullable. Batches built with
    :class:`Batch` already have equal lengths and in-range dictionary codes.
    """
    # The host checks declarations only when a plugin declared any output (a plugin declaring
    # none is taken to be untyped, as contract 0.1.0 plugins are).
    typed = bool(info.outputs)
    tables: Set[str] = set()
    for table in output.tables:
        problem = _name_problem("table", table.name, tables)
        if problem:
            return problem
        bad = f"table `{table.name}`: "
        columns: Set[str] = set()
        for c in table.data.columns:
            problem = _name_problem("column", c.name, columns)
            if problem:
                return bad + problem
        spec = info.output(table.name)
        if spec is None:
            if not typed:
                continue
            return bad + "is not declared in describe()"
        if spec.is_metric:
            return bad + "is declared as a metric"
        got = table.data.columns
        declared = spec.columns or []
        if len(got) != len(declared) or any(c.name != d.name for c, d in zip(got, declared)):
            return bad + "has columns [{}], but describe() declares [{}]".format(
                ", ".join(c.name for c in got), ", ".join(d.name for d in declared)
            )
        for c, d in zip(got, declared):
            if c.type != d.type:
                return bad + f"column `{c.name}` is {c.type.value}, but describe() declares {d.type.value}"
            if not d.nullable and c.has_nulls():
                return bad + f"column `{c.name}` holds nulls, but describe() declares it not nullable"
    metrics: Set[str] = set()
    for m in output.metrics:
        problem = _name_problem("metric", m.name, metrics)
        if problem:
            return problem
        if len(m.unit.encode()) > MAX_NAME_BYTES or any(_is_control(ch) for ch in m.unit):
            return f"metric `{m.name}`: a unit must be printable and at most {MAX_NAME_BYTES} bytes"
        spec = info.output(m.name)
        if typed and (spec is None or not spec.is_metric):
            return f"metric `{m.name}` is not declared as a metric"
    return None
