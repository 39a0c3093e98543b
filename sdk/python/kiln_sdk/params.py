"""A run's parameters: checked against the declared ones, defaults applied."""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping, Tuple

from .errors import InvalidParams
from .info import PluginInfo, Value, ValueType, type_of


class Params(Mapping[str, Value]):
    """Every declared parameter with its value, read as ``params.ratio`` or ``params["ratio"]``.

    Read-only: a run sees exactly the values the host passed, defaults filled in.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Value]):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Value:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no parameter `{name}`") from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("parameters are read-only")

    def __getitem__(self, name: str) -> Value:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Params({self._values!r})"


def accepts(declared: ValueType, value: object) -> bool:
    """Whether ``value`` may be given for a parameter of type ``declared``.

    An int is accepted for an f64 (it is what ``1e6`` means on a command line too); a bool
    never stands for a number, nor a float for an int.
    """
    try:
        given = type_of(value)
    except TypeError:
        return False
    if given == declared:
        return True
    return declared == ValueType.F64 and given == ValueType.S64


def coerce(declared: ValueType, value: Value) -> Value:
    """``value`` as the Python type of ``declared`` (an int given for an f64 becomes a float)."""
    if declared == ValueType.F64 and not isinstance(value, float):
        return float(value)
    return value


def parse(info: PluginInfo, given: Iterable[Tuple[str, Value]]) -> Params:
    """The run's :class:`Params`: ``given`` checked against ``info.params`` and completed from
    the defaults, refusing unknown, mistyped and missing parameters as the host does.
    """
    values = {}
    for name, value in given:
        spec = info.param_spec(name)
        if spec is None:
            raise InvalidParams(f"unknown parameter `{name}`")
        if not accepts(spec.type, value):
            raise InvalidParams(f"parameter `{name}` must be {spec.type.value}, got {value!r}")
        values[name] = coerce(spec.type, value)
    for spec in info.params:
        if spec.name in values:
            continue
        if spec.default is None:
            raise InvalidParams(f"missing parameter `{spec.name}`")
        values[spec.name] = spec.default
    # Declaration order, whatever order they were given in.
    return Params({p.name: values[p.name] for p in info.params})
