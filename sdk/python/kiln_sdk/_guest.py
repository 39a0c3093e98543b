"""The glue between the SDK and componentize-py's bindings for ``kiln:plugin@0.2.0``.

The only module that touches the generated bindings (``kiln_sdk.wit``, which componentize-py
writes into the component at build time, as ``componentize-py.toml`` says). It is imported
only inside a component (see :func:`kiln_sdk.export`), so native tests never need them.
"""

from __future__ import annotations

import random
from itertools import accumulate
from typing import List, Optional, Type

from componentize_py_types import Err

from .batch import Batch, Column
from .context import Grant, GrantColumn, Level
from .errors import Failed, InvalidData, InvalidParams, PluginError
from .info import PluginInfo, Timestamp, ValueType
from .output import Output
from .plugin import Plugin, plugin_info, run
from .scan import DictDelta
from .wit import exports as wit_exports
from .wit.exports import guest as wit_guest
from .wit.imports import data as wit_data
from .wit.imports import log as wit_log
from .wit.imports import types as wit

# -- strings ---------------------------------------------------------------------------------


def decode_strings(name: str, strings: wit.Strings) -> List[str]:
    """A packed `strings` record as a list of ``str``."""
    offsets, data = strings.offsets, strings.bytes
    ends = offsets[1:]
    try:
        if data.isascii():
            # One decode for the whole buffer; byte offsets are then character offsets.
            text = data.decode("ascii")
            return [text[a:b] for a, b in zip(offsets, ends)]
        return [data[a:b].decode() for a, b in zip(offsets, ends)]
    except UnicodeDecodeError as e:
        raise InvalidData(f"column `{name}`: {e}") from None


def encode_strings(values: List[str]) -> wit.Strings:
    """``values`` packed Arrow-style: offsets and one buffer."""
    encoded = [s.encode() for s in values]
    offsets = [0]
    offsets.extend(accumulate(map(len, encoded)))
    return wit.Strings(offsets=offsets, bytes=b"".join(encoded))


# -- batches ---------------------------------------------------------------------------------


def batch_from_wit(batch: wit.Batch) -> Batch:
    """A host batch as an SDK batch; dictionary columns as :class:`DictDelta` for the scan."""
    columns = []
    for c in batch.columns:
        data = c.data
        if isinstance(data, wit.ColumnData_F64):
            column = Column(c.name, "f64", data.value, c.validity)
        elif isinstance(data, wit.ColumnData_S64):
            column = Column(c.name, "s64", data.value, c.validity)
        elif isinstance(data, wit.ColumnData_Dict):
            d = data.value
            column = Column(c.name, "dict", DictDelta(d.base, decode_strings(c.name, d.values), d.codes), c.validity)
        elif isinstance(data, wit.ColumnData_String):
            column = Column(c.name, "string", decode_strings(c.name, data.value), c.validity)
        elif isinstance(data, wit.ColumnData_Bool):
            column = Column(c.name, "bool", data.value, c.validity)
        elif isinstance(data, wit.ColumnData_Timestamp):
            column = Column(c.name, "timestamp", data.value, c.validity)
        else:  # pragma: no cover - the contract has no other case
            raise InvalidData(f"column `{c.name}`: unknown column data {type(data).__name__}")
        columns.append(column)
    try:
        return Batch(columns)
    except ValueError as e:
        raise InvalidData(str(e)) from None


def column_to_wit(c: Column) -> wit.Column:
    """An output column as the contract's `column`."""
    kind, data = c.kind, c.data
    if kind == "f64":
        wit_data_ = wit.ColumnData_F64(data)
    elif kind == "s64":
        wit_data_ = wit.ColumnData_S64(data)
    elif kind == "string":
        wit_data_ = wit.ColumnData_String(encode_strings(data))
    elif kind == "dict":
        wit_data_ = wit.ColumnData_Dict(wit.Dict(base=0, values=encode_strings(data.values), codes=data.codes))
    elif kind == "bool":
        wit_data_ = wit.ColumnData_Bool(data)
    else:
        wit_data_ = wit.ColumnData_Timestamp(data)
    return wit.Column(name=c.name, data=wit_data_, validity=c.validity)


def output_to_wit(output: Output) -> wit_guest.Output:
    """A run's output as the contract's `output`."""
    return wit_guest.Output(
        tables=[
            wit_guest.Table(
                name=t.name,
                data=wit.Batch(rows=t.data.num_rows, columns=[column_to_wit(c) for c in t.data.columns]),
            )
            for t in output.tables
        ],
        metrics=[wit_guest.Metric(name=m.name, value=float(m.value), unit=m.unit) for m in output.metrics],
    )


# -- values and info -------------------------------------------------------------------------


def type_to_wit(ty: ValueType) -> wit.ValueType:
    """A value type as the contract's enum (the members share their names)."""
    return wit.ValueType[ty.name]


def type_from_wit(ty: wit.ValueType) -> ValueType:
    """The contract's value type as the SDK's."""
    return ValueType[ty.name]


def value_to_wit(ty: ValueType, value) -> wit.Value:
    """A parameter default of type ``ty`` as the contract's `value`."""
    if ty == ValueType.F64:
        return wit.Value_F64(float(value))
    if ty == ValueType.S64:
        return wit.Value_S64(int(value))
    if ty == ValueType.STRING:
        return wit.Value_String(str(value))
    if ty == ValueType.BOOL:
        return wit.Value_Bool(bool(value))
    return wit.Value_Timestamp(int(value))


def value_from_wit(value: wit.Value):
    """A parameter value from the host as a Python value."""
    if isinstance(value, wit.Value_Timestamp):
        return Timestamp(value.value)
    return value.value


def info_to_wit(info: PluginInfo) -> wit_guest.PluginInfo:
    """The SDK's plugin info as the contract's `plugin-info`."""
    outputs = []
    for o in info.outputs:
        if o.is_metric:
            kind = wit_guest.OutputKind_Metric()
        else:
            kind = wit_guest.OutputKind_Table(
                [wit_guest.ColumnSpec(name=c.name, type=type_to_wit(c.type), nullable=c.nullable, doc=c.doc)
                 for c in o.columns or []]
            )
        outputs.append(wit_guest.OutputSpec(name=o.name, doc=o.doc, kind=kind))
    return wit_guest.PluginInfo(
        name=info.name,
        version=info.version,
        description=info.description_text,
        params=[
            wit_guest.ParamSpec(
                name=p.name,
                type=type_to_wit(p.type),
                default=None if p.default is None else value_to_wit(p.type, p.default),
                doc=p.doc,
            )
            for p in info.params
        ],
        datasets=[wit_guest.DatasetSpec(name=d.name, columns=list(d.columns), doc=d.doc) for d in info.datasets],
        outputs=outputs,
    )


# -- the host as a backend -------------------------------------------------------------------


class WitScan:
    """A host `scan` resource as a batch source."""

    def __init__(self, dataset: str, columns: List[str]):
        self._scan: Optional[wit_data.Scan] = wit_data.Scan(dataset, columns)

    def next_batch(self) -> Optional[Batch]:
        if self._scan is None:
            return None
        try:
            batch = self._scan.next()
        except Err as e:
            error = e.value
            if isinstance(error, wit_data.DataError_Io):
                raise Failed(f"reading data: {error.value}") from None
            raise InvalidData(error.value) from None
        return None if batch is None else batch_from_wit(batch)

    def close(self) -> None:
        # Drops the resource now: the host caps how many scans a run may hold open.
        scan, self._scan = self._scan, None
        if scan is not None:
            scan.__exit__(None, None, None)


_LOG_LEVELS = {
    Level.TRACE: wit_log.Level.TRACE,
    Level.DEBUG: wit_log.Level.DEBUG,
    Level.INFO: wit_log.Level.INFO,
    Level.WARN: wit_log.Level.WARN,
    Level.ERROR: wit_log.Level.ERROR,
}


class WitBackend:
    """The Kiln host, through the `data` and `log` imports."""

    def grants(self) -> List[Grant]:
        return [
            Grant(g.dataset, [GrantColumn(c.name, type_from_wit(c.type), c.nullable) for c in g.columns])
            for g in wit_data.grants()
        ]

    def open(self, dataset: str, columns: List[str]) -> WitScan:
        return WitScan(dataset, columns)

    def log(self, level: Level, message: str) -> None:
        wit_log.write(_LOG_LEVELS[level], message)


def _plugin_error(e: PluginError):
    if e.kind == "invalid-params":
        return wit_guest.PluginError_InvalidParams(e.message)
    if e.kind == "invalid-data":
        return wit_guest.PluginError_InvalidData(e.message)
    return wit_guest.PluginError_Failed(e.message)


def guest_class(plugin: Type[Plugin]) -> type:
    """The class componentize-py calls for the `guest` export, running ``plugin``."""

    class Guest(wit_exports.Guest):
        """The component's `kiln:plugin/guest` export."""

        def describe(self) -> wit_guest.PluginInfo:
            return info_to_wit(plugin_info(plugin))

        def run(self, params: List[wit_guest.Param]) -> wit_guest.Output:
            # Pre-initialization seeded `random` once, at build time; reseeding from the host's
            # random source (seeded per run, recorded for replay) makes each run's draws its own.
            random.seed()
            backend = WitBackend()
            try:
                given = [(p.name, value_from_wit(p.value)) for p in params]
                output = run(plugin, backend, given)
                return output_to_wit(output)
            except PluginError as e:
                raise Err(_plugin_error(e)) from None
            except Exception as e:  # converting the output failed: still the plugin's failure
                raise Err(wit_guest.PluginError_Failed(f"{type(e).__name__}: {e}")) from None

    Guest.__qualname__ = Guest.__name__ = "Guest"
    return Guest
