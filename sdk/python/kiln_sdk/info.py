"""A plugin's self-description: parameters, datasets, outputs (what ``describe()`` returns)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Union


class ValueType(enum.Enum):
    """The type of a parameter or a column; the value is the name the contract uses."""

    F64 = "f64"
    S64 = "s64"
    STRING = "string"
    BOOL = "bool"
    TIMESTAMP = "timestamp"

    def __repr__(self) -> str:
        return f"ValueType.{self.name}"


class Timestamp(int):
    """Nanoseconds since 1970-01-01T00:00:00Z, as a parameter value or default.

    An ``int`` marked as a timestamp, so ``.param("since", Timestamp(0), "...")`` declares a
    timestamp parameter where a plain ``0`` would declare an ``s64``.
    """

    def __repr__(self) -> str:
        return f"Timestamp({int(self)})"


#: A parameter's value: float (f64), int (s64), str, bool, or :class:`Timestamp`.
Value = Union[float, int, str, bool, Timestamp]


def type_of(value: object) -> ValueType:
    """The contract type of a Python parameter value; ``TypeError`` for anything else."""
    # bool before int (bool is an int), Timestamp before int (it is one too).
    if isinstance(value, bool):
        return ValueType.BOOL
    if isinstance(value, Timestamp):
        return ValueType.TIMESTAMP
    if isinstance(value, int):
        return ValueType.S64
    if isinstance(value, float):
        return ValueType.F64
    if isinstance(value, str):
        return ValueType.STRING
    raise TypeError(f"a parameter value must be float, int, str, bool or Timestamp, not {type(value).__name__}")


@dataclass(frozen=True)
class ParamSpec:
    """A parameter the plugin accepts. ``default`` ``None`` makes it required."""

    name: str
    type: ValueType
    default: Optional[Value]
    doc: str = ""


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset the plugin reads and the columns it needs from it."""

    name: str
    columns: List[str]
    doc: str = ""


@dataclass(frozen=True)
class ColumnSpec:
    """A column of a declared output table; make one with :func:`col`."""

    name: str
    type: ValueType
    nullable: bool = False
    doc: str = ""


def col(name: str, type: ValueType, nullable: bool = False, doc: str = "") -> ColumnSpec:
    """A declared output column called ``name`` of type ``type``; ``nullable`` lets it hold nulls."""
    if not isinstance(type, ValueType):
        raise TypeError(f"column `{name}`: the type must be a ValueType, not {type!r}")
    return ColumnSpec(name, type, nullable, doc)


@dataclass(frozen=True)
class OutputSpec:
    """A declared output: a table (``columns`` set) or a metric (``columns`` ``None``)."""

    name: str
    doc: str
    columns: Optional[List[ColumnSpec]]

    @property
    def is_metric(self) -> bool:
        """Whether this output is a metric (a named scalar)."""
        return self.columns is None


@dataclass
class PluginInfo:
    """What ``describe()`` returns, built by chaining::

        PluginInfo("electricity", "0.1.0")
            .description("Total electricity per enterprise.")
            .param("min_kwh", 0.0, "Leave out enterprises below this total.")
            .dataset("monthly_indicators", ["enterprise_id", "electricity_kwh"], "Monthly reports.")
            .table("by_enterprise", "kWh per enterprise.",
                   [col("enterprise_id", ValueType.STRING), col("kwh", ValueType.F64)])
            .metric("enterprises", "Enterprises kept.")
    """

    name: str
    version: str
    description_text: str = ""
    params: List[ParamSpec] = field(default_factory=list)
    datasets: List[DatasetSpec] = field(default_factory=list)
    outputs: List[OutputSpec] = field(default_factory=list)

    def description(self, text: str) -> "PluginInfo":
        """Sets the one- or two-sentence description."""
        self.description_text = text
        return self

    def param(self, name: str, default_or_type: Union[Value, ValueType], doc: str = "") -> "PluginInfo":
        """Declares a parameter.

        Given a value (``1.5``, ``20``, ``"a,b"``, ``True``, ``Timestamp(0)``), it is the
        default and its Python type the parameter's type (float → f64, int → s64). Given a
        :class:`ValueType`, the parameter is required and has that type.
        """
        if isinstance(default_or_type, ValueType):
            return self.required_param(name, default_or_type, doc)
        self._check_new_param(name)
        self.params.append(ParamSpec(name, type_of(default_or_type), default_or_type, doc))
        return self

    def required_param(self, name: str, type: ValueType, doc: str = "") -> "PluginInfo":
        """Declares a parameter the caller must give."""
        self._check_new_param(name)
        self.params.append(ParamSpec(name, type, None, doc))
        return self

    def _check_new_param(self, name: str) -> None:
        if any(p.name == name for p in self.params):
            raise ValueError(f"parameter `{name}` is declared twice")

    def dataset(self, name: str, columns: Sequence[str], doc: str = "") -> "PluginInfo":
        """Declares a dataset and the columns read from it."""
        if isinstance(columns, str):
            raise TypeError(f"dataset `{name}`: columns must be a list of names, not one string")
        self.datasets.append(DatasetSpec(name, list(columns), doc))
        return self

    def table(self, name: str, doc: str, columns: Sequence[ColumnSpec]) -> "PluginInfo":
        """Declares an output table and its columns, in order.

        The host refuses a run whose table of this name has other columns, other types, or
        nulls in a column not declared nullable.
        """
        self.outputs.append(OutputSpec(name, doc, list(columns)))
        return self

    def metric(self, name: str, doc: str = "") -> "PluginInfo":
        """Declares an output metric (a named scalar)."""
        self.outputs.append(OutputSpec(name, doc, None))
        return self

    def output(self, name: str) -> Optional[OutputSpec]:
        """The declared output called ``name``, if any."""
        return next((o for o in self.outputs if o.name == name), None)

    def param_spec(self, name: str) -> Optional[ParamSpec]:
        """The declared parameter called ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)
