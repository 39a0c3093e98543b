"""Run a plugin against sample data: natively under CPython, or as its built component.

::

    from kiln_sdk.testing import TestRun

    result = (TestRun()
              .dataset("monthly_indicators", {"enterprise_id": ["E2", "E1", "E1"],
                                              "electricity_kwh": [1.0, 10.0, 5.0]})
              .param("min_kwh", 2.0)
              .run(Electricity))
    assert result.table("by_enterprise")["enterprise_id"] == ["E1"]
    assert result.table("by_enterprise")["kwh"] == [15.0]

A native run applies what the host applies: only granted datasets and columns can be read
(by default what the plugin's info declares, as ``kiln plugin run`` grants; asking for more
raises :class:`Ungranted`), parameters are typed and completed from the declared ones
(unknown, missing or mistyped ones raise :class:`~kiln_sdk.InvalidParams`), scans come in
batches of bounded size with string columns dictionary-encoded, and the output is checked
against the declared output schemas (:class:`InvalidOutput`). The result is read as the host's
output document: tables of rows, nulls (and non-finite floats) as ``None``.

Under pytest with ``--kiln-component PATH.wasm`` (see :mod:`kiln_sdk.pytest_plugin`), or with
``TestRun(component=PATH)``, :meth:`TestRun.run` instead writes the datasets to a temporary
directory and runs ``kiln plugin run PATH --data DIR --json``, returning the same result
object, and raising the same exceptions, from the host's report.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Dict as TDict, Iterable, List, Mapping, Optional, Sequence, Tuple, Type, Union

from .batch import Batch, Column
from .context import Grant, GrantColumn, Level
from .errors import Failed, InvalidData, InvalidParams, PluginError
from .info import Timestamp, ValueType, type_of
from .output import Output, check_output
from .params import parse as parse_params
from .plugin import HostAbort, Plugin, plugin_info
from .plugin import run as run_plugin
from .scan import DictDelta

__all__ = ["TestRun", "RunResult", "ResultTable", "HostError", "Ungranted", "InvalidOutput", "use_component"]

#: Rows per batch of a native run's scans, unless :meth:`TestRun.batch_rows` says otherwise.
#: Small, so that tests cross batch boundaries; the host sends up to 64Ki rows.
DEFAULT_BATCH_ROWS = 1024


class HostError(Exception):
    """The host ended the run for a reason of its own (``kind`` as ``kiln plugin run --json``
    reports it: ``ungranted``, ``invalid-output``, ``timeout``, ``memory``, ...)."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class Ungranted(HostError):
    """The plugin asked for a dataset or column that was not granted: the host ends the run."""

    def __init__(self, message: str):
        super().__init__("ungranted", message)


class InvalidOutput(HostError):
    """The output breaks the contract or its declared schemas: the host refuses it."""

    def __init__(self, message: str):
        super().__init__("invalid-output", message)


# -- results ---------------------------------------------------------------------------------


class ResultTable:
    """One table of a run's output document: ``table["column"]`` is that column's values,
    ``None`` where null."""

    def __init__(self, document: Mapping[str, Any]):
        self.name: str = document["name"]
        #: Column names, in order.
        self.columns: List[str] = [c["name"] for c in document["columns"]]
        #: Column types by name, as the document writes them (``"f64"``, ``"string"``...).
        self.types: TDict[str, str] = {c["name"]: c["type"] for c in document["columns"]}
        #: The rows, each a list of cells in column order.
        self.rows: List[list] = document["rows"]

    @property
    def num_rows(self) -> int:
        """The number of rows."""
        return len(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, column: str) -> list:
        try:
            at = self.columns.index(column)
        except ValueError:
            raise KeyError(f"table `{self.name}` has no column `{column}` (it has {self.columns})") from None
        return [row[at] for row in self.rows]

    def __repr__(self) -> str:
        return f"ResultTable({self.name!r}, {len(self.rows)} rows, columns={self.columns})"


class RunResult:
    """A successful run's output, read as the host's output document (``document``), with its log."""

    def __init__(self, document: Mapping[str, Any], log: List[Tuple[str, str]]):
        #: ``{"tables": [{"name", "columns": [{"name", "type"}], "rows"}], "metrics": [{"name", "value", "unit"}]}``
        self.document = document
        #: The run's log lines as ``(source, message)``; source ``"info"``, ``"warn"``... or ``"stdout"``.
        self.log = log

    def table(self, name: str) -> ResultTable:
        """The output table called ``name``; ``KeyError`` if the run did not return it."""
        for t in self.document["tables"]:
            if t["name"] == name:
                return ResultTable(t)
        raise KeyError(f"no output table `{name}`")

    @property
    def table_names(self) -> List[str]:
        """The names of the tables returned, in order."""
        return [t["name"] for t in self.document["tables"]]

    def metric(self, name: str) -> Optional[float]:
        """The value of metric ``name`` (``None`` if it was not finite); ``KeyError`` if absent."""
        for m in self.document["metrics"]:
            if m["name"] == name:
                return m["value"]
        raise KeyError(f"no output metric `{name}`")

    def unit(self, name: str) -> str:
        """The unit of metric ``name``."""
        for m in self.document["metrics"]:
            if m["name"] == name:
                return m["unit"]
        raise KeyError(f"no output metric `{name}`")

    def logged(self, text: str) -> bool:
        """Whether any log line contains ``text``."""
        return any(text in message for _, message in self.log)

    def __eq__(self, other: object) -> bool:
        # Equal outputs; the logs may differ (batch counts, timings).
        return isinstance(other, RunResult) and self.document == other.document

    def __repr__(self) -> str:
        return f"RunResult(tables={self.table_names}, metrics={[m['name'] for m in self.document['metrics']]})"


def _cells(column: Column) -> list:
    """A column's cells as the host's document writes them: dictionary columns as their
    strings, f64 as floats (an int there crosses the boundary as a float) with non-finite
    ones as ``None`` (serde_json writes them as null), and nulls as ``None``."""
    if column.kind == "dict":
        cells = column.data.strings()
    elif column.kind == "f64":
        isfinite = math.isfinite
        cells = [float(v) if isfinite(v) else None for v in column.data]
    else:
        cells = column.data
    if column.validity is not None:
        return [v if ok else None for v, ok in zip(cells, column.validity)]
    return cells


def output_document(output: Output) -> TDict[str, Any]:
    """``output`` as the host's output document (registry ``OutputDocument``): dictionary
    columns expanded to strings, nulls and non-finite floats as ``None``."""
    tables = []
    for t in output.tables:
        columns = t.data.columns
        # Column by column, then transposed: no function call per cell.
        rows = [list(row) for row in zip(*(_cells(c) for c in columns))]
        tables.append({"name": t.name, "columns": [{"name": c.name, "type": c.type.value} for c in columns],
                       "rows": rows})
    metrics = [{"name": m.name, "value": m.value if math.isfinite(m.value) else None, "unit": m.unit}
               for m in output.metrics]
    return {"tables": tables, "metrics": metrics}


# -- sample data -----------------------------------------------------------------------------

_KIND_OF_TYPE = {ValueType.F64: "f64", ValueType.S64: "s64", ValueType.STRING: "string", ValueType.BOOL: "bool",
                 ValueType.TIMESTAMP: "timestamp"}


def _infer_kind(name: str, values: Sequence[Any]) -> str:
    kinds = set()
    for v in values:
        if v is None:
            continue
        kinds.add(_KIND_OF_TYPE[type_of(v)] if isinstance(v, (bool, int, float, str)) else type(v).__name__)
    if kinds == {"f64", "s64"}:
        return "f64"  # a float column with some whole numbers written as ints
    if len(kinds) == 1 and next(iter(kinds)) in _KIND_OF_TYPE.values():
        return next(iter(kinds))
    if not kinds:
        raise ValueError(f"column `{name}`: no values to tell its type from; give types={{'{name}': ValueType...}}")
    raise ValueError(f"column `{name}`: values of several types {sorted(kinds)}")


def batch_from_columns(columns: Mapping[str, Sequence[Any]], types: Optional[Mapping[str, ValueType]] = None) -> Batch:
    """A batch from ``{column: values}``; types inferred from the values (float → f64, int →
    s64, str, bool, :class:`Timestamp`) unless ``types`` names them; ``None`` is a null."""
    batch = Batch()
    for name, values in columns.items():
        values = list(values)
        kind = _KIND_OF_TYPE[types[name]] if types and name in types else _infer_kind(name, values)
        if kind == "f64":
            values = [None if v is None else float(v) for v in values]
        batch = getattr(batch, f"with_{'str' if kind == 'string' else kind}")(name, values)
    return batch


def read_parquet(path: Union[str, Path]) -> Batch:
    """A Parquet file as one batch, typed as the host types it (needs ``pyarrow``)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    batch = Batch()
    for field, array in zip(table.schema, table.columns):
        t = field.type
        if pa.types.is_dictionary(t):
            array = array.cast(t.value_type)
            t = t.value_type
        if pa.types.is_floating(t) or pa.types.is_decimal(t):
            kind, array = "f64", array.cast(pa.float64())
        elif pa.types.is_integer(t):
            kind = "s64"
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            kind = "string"
        elif pa.types.is_boolean(t):
            kind = "bool"
        elif pa.types.is_timestamp(t) or pa.types.is_date(t):
            kind = "timestamp"
            array = pc.cast(array.cast(pa.timestamp("ns")) if pa.types.is_date(t) else array.cast(
                pa.timestamp("ns", t.tz)), pa.int64())
        else:
            raise InvalidData(f"{path}: column `{field.name}` has type {t}, which Kiln does not read")
        values = array.to_pylist()
        batch = getattr(batch, f"with_{'str' if kind == 'string' else kind}")(field.name, values)
    return batch


_INT = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\d*\.\d+|\d+)([eE][-+]?\d+)?$|^[-+]?(nan|NaN|inf|INF|infinity)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$")


def _csv_kind(values: List[str]) -> str:
    present = [v for v in values if v != ""]
    if not present:
        return "string"
    if all(v.lower() in ("true", "false") for v in present):
        return "bool"
    if all(_INT.match(v) for v in present):
        return "s64"
    if all(_FLOAT.match(v) for v in present):
        return "f64"
    if all(_DATE.match(v) or _DATETIME.match(v) for v in present):
        return "timestamp"
    return "string"


def _timestamp_ns(text: str) -> int:
    if _DATE.match(text):
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), timezone.utc)
    else:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def read_csv(path: Union[str, Path]) -> Batch:
    """A CSV file with a header row as one batch, typed the way the host's CSV reader infers
    types (bool, then integer, float, date/time, else string); an empty cell is a null."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        rows = list(reader)
    batch = Batch()
    for at, name in enumerate(header):
        texts = [row[at] if at < len(row) else "" for row in rows]
        kind = _csv_kind(texts)
        convert = {"bool": lambda v: v.lower() == "true", "s64": int, "f64": float, "timestamp": _timestamp_ns,
                   "string": str}[kind]
        values = [None if v == "" else convert(v) for v in texts]
        batch = getattr(batch, f"with_{'str' if kind == 'string' else kind}")(name, values)
    return batch


# -- the native backend ----------------------------------------------------------------------


class _Encoder:
    """A string column's scan dictionary on the sending side, as the host keeps it."""

    def __init__(self, bound: Optional[int]):
        self.codes: TDict[str, int] = {}
        self.bound = bound
        # Set once the dictionary would pass the bound: the rest of the scan goes plain.
        self.plain = False

    def send(self, column: Column) -> Column:
        if column.kind not in ("string", "dict"):
            return column
        rows = column.data.strings() if column.kind == "dict" else column.data
        if not self.plain:
            codes = self.codes
            added = list(dict.fromkeys(r for r in rows if r not in codes))
            if self.bound is None or len(codes) + len(added) <= self.bound:
                base = len(codes)
                for code, value in enumerate(added, base):
                    codes[value] = code
                return Column(column.name, "dict", DictDelta(base, added, [codes[r] for r in rows]), column.validity)
            self.plain = True
        return Column(column.name, "string", list(rows), column.validity)


class _Chunks:
    """A native scan's batch source: slices of the projected dataset."""

    def __init__(self, batch: Optional[Batch], rows: int, bound: Optional[int], error: Optional[PluginError]):
        self.batch, self.rows, self.error, self.at = batch, rows, error, 0
        self.encoders = [_Encoder(bound) for _ in (batch.columns if batch is not None else [])]

    def next_batch(self) -> Optional[Batch]:
        if self.error is not None:  # the host reports a missing dataset or column on reading
            raise self.error
        if self.batch is None or self.at >= self.batch.num_rows:
            return None
        end = min(self.at + self.rows, self.batch.num_rows)
        chunk = self.batch.slice(self.at, end)
        self.at = end
        return Batch([e.send(c) for e, c in zip(self.encoders, chunk.columns)])

    def close(self) -> None:
        self.batch = None


class _Backend:
    def __init__(self, run: "TestRun", grants: List[Tuple[str, Optional[List[str]]]]):
        self.run = run
        self.grants_ = grants
        self.log_lines: List[Tuple[str, str]] = []

    def _granted(self, dataset: str) -> Tuple[bool, Optional[set]]:
        found, columns = False, set()
        for name, cols in self.grants_:
            if name == dataset:
                found = True
                if cols is None:
                    return True, None
                columns.update(cols)
        return found, columns

    def grants(self) -> List[Grant]:
        out = []
        for dataset in dict.fromkeys(name for name, _ in self.grants_):
            data = self.run._datasets.get(dataset)
            if data is None:
                continue  # as the host: a granted dataset that is not there is left out
            _, columns = self._granted(dataset)
            out.append(Grant(dataset, [GrantColumn(c.name, c.type, c.validity is not None) for c in data.columns
                                       if columns is None or c.name in columns]))
        return out

    def open(self, dataset: str, columns: List[str]) -> _Chunks:
        found, granted = self._granted(dataset)
        if not found:
            raise HostAbort("ungranted", f"dataset `{dataset}`")
        for c in columns:
            if granted is not None and c not in granted:
                raise HostAbort("ungranted", f"column `{c}` of dataset `{dataset}`")
        run = self.run
        rows, bound = run._batch_rows, run._dictionary_bound
        seen = set()
        for c in columns:
            if c in seen:
                return _Chunks(None, rows, bound, InvalidData(f"column `{c}` is named more than once"))
            seen.add(c)
        data = run._datasets.get(dataset)
        if data is None:
            return _Chunks(None, rows, bound, InvalidData(f"no dataset `{dataset}`"))
        if not columns:
            columns = [c.name for c in data.columns if granted is None or c.name in granted]
        missing = next((c for c in columns if c not in data.column_names), None)
        if missing is not None:
            return _Chunks(None, rows, bound, InvalidData(f"dataset `{dataset}` has no column `{missing}`"))
        return _Chunks(data.project(columns), rows, bound, None)

    def log(self, level: Level, message: str) -> None:
        self.log_lines.append((level.name.lower(), message))


# -- the run ---------------------------------------------------------------------------------

#: The component that :meth:`TestRun.run` runs instead of the plugin class, when set
#: (by :func:`use_component`, which the pytest option calls).
_component: Optional[str] = None


def use_component(path: Optional[Union[str, Path]]) -> None:
    """Makes every :class:`TestRun` without its own ``component`` run the component at
    ``path`` through ``kiln plugin run`` (``None``: run natively again)."""
    global _component
    _component = None if path is None else str(path)


def kiln_binary() -> str:
    """The ``kiln`` binary: ``$KILN_BIN``, else ``kiln`` on ``PATH``."""
    found = os.environ.get("KILN_BIN") or shutil.which("kiln")
    if not found:
        raise RuntimeError("no kiln binary: set KILN_BIN or put `kiln` on PATH")
    return found


class TestRun:
    """One run of a plugin against sample data; configure it by chaining, then :meth:`run`."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, component: Optional[Union[str, Path]] = None):
        self._datasets: TDict[str, Batch] = {}
        self._params: List[Tuple[str, Any]] = []
        self._grants: Optional[List[Tuple[str, Optional[List[str]]]]] = None
        self._batch_rows = DEFAULT_BATCH_ROWS
        self._dictionary_bound: Optional[int] = None
        self._component = None if component is None else str(component)

    def dataset(self, name: str, data: Union[Batch, Mapping[str, Sequence[Any]]],
                types: Optional[Mapping[str, ValueType]] = None) -> "TestRun":
        """Adds dataset ``name``: a :class:`Batch`, or ``{column: values}`` (types inferred
        unless ``types`` gives them; ``None`` is a null)."""
        self._datasets[name] = data if isinstance(data, Batch) else batch_from_columns(data, types)
        return self

    def load_dir(self, path: Union[str, Path]) -> "TestRun":
        """Adds every ``*.parquet`` (needs ``pyarrow``) and ``*.csv`` file in ``path`` as the
        dataset named by its file's stem, as ``kiln plugin run --data`` does (``kiln data
        generate --out DIR`` writes such a directory)."""
        for file in sorted(Path(path).iterdir()):
            if file.suffix == ".parquet":
                self._datasets[file.stem] = read_parquet(file)
            elif file.suffix == ".csv":
                self._datasets[file.stem] = read_csv(file)
        return self

    def grant(self, dataset: str, columns: Optional[Sequence[str]] = None) -> "TestRun":
        """Grants ``dataset`` (``columns`` of it, or every column), or a ``--grant`` spec
        ``"DATASET:COL,COL"``. Without any grant, a run is granted what the plugin declares."""
        if columns is None and ":" in dataset:
            dataset, cols = dataset.split(":", 1)
            columns = [c.strip() for c in cols.split(",")]
        if self._grants is None:
            self._grants = []
        self._grants.append((dataset, None if columns is None else list(columns)))
        return self

    def param(self, name: str, value: Any) -> "TestRun":
        """Sets a parameter; the others take their declared defaults."""
        self._params.append((name, value))
        return self

    def batch_rows(self, rows: int) -> "TestRun":
        """Native runs: splits scans into batches of at most ``rows`` rows (default 1024)."""
        self._batch_rows = max(1, int(rows))
        return self

    def dictionary_bound(self, values: int) -> "TestRun":
        """Native runs: sends a string column dictionary-encoded only while its scan dictionary
        holds at most ``values`` values, plain for the rest of the scan, as the host does past
        its bound. ``0`` sends every string column plain."""
        self._dictionary_bound = max(0, int(values))
        return self

    def _effective_grants(self, plugin: Type[Plugin]) -> List[Tuple[str, Optional[List[str]]]]:
        if self._grants is not None:
            return self._grants
        # As `kiln plugin run` without --grant: what describe() declares.
        return [(d.name, list(d.columns) if d.columns else None) for d in plugin_info(plugin).datasets]

    def run(self, plugin: Type[Plugin]) -> RunResult:
        """Runs ``plugin`` (or the component standing for it, see the module's doc) and returns
        its checked output; raises the :class:`~kiln_sdk.PluginError` the run ended with, or a
        :class:`HostError` where the host would have stopped it."""
        component = self._component or _component
        if component is not None:
            return self._run_component(plugin, component)
        backend = _Backend(self, self._effective_grants(plugin))
        try:
            output = run_plugin(plugin, backend, self._params)
        except HostAbort as abort:
            if abort.kind == "ungranted":
                raise Ungranted(abort.message) from None
            raise HostError(abort.kind, abort.message) from None
        problem = check_output(plugin_info(plugin), output)
        if problem is not None:
            raise InvalidOutput(problem)
        return RunResult(output_document(output), backend.log_lines)

    # -- through the kiln binary -----------------------------------------------------------

    def _run_component(self, plugin: Type[Plugin], component: str) -> RunResult:
        info = plugin_info(plugin)
        # Refused here as natively; the host would refuse them too, before starting the run.
        parse_params(info, self._params)
        with tempfile.TemporaryDirectory(prefix="kiln-test-") as tmp:
            write_datasets(self._datasets, Path(tmp))
            command = [kiln_binary(), "plugin", "run", component, "--data", tmp, "--json"]
            for dataset, columns in self._grants or []:
                command += ["--grant", dataset if columns is None else f"{dataset}:{','.join(columns)}"]
            for name, value in self._params:
                command += ["--param", f"{name}={param_text(value)}"]
            done = subprocess.run(command, capture_output=True, text=True)
        try:
            report = json.loads(done.stdout)
        except json.JSONDecodeError:
            raise HostError("cli", f"`{' '.join(command)}` exited {done.returncode}: {done.stderr.strip()}") from None
        if report.get("plugin", {}).get("name") != info.name:
            raise HostError("cli", f"component {component} is plugin `{report.get('plugin')}`, not `{info.name}`")
        log = [(line["source"], line["message"]) for line in report.get("log", {}).get("lines", [])]
        if report.get("ok"):
            return RunResult(report["output"], log)
        raise error_from_report(report["error"]["kind"], report["error"]["message"])


def param_text(value: Any) -> str:
    """A parameter value as ``kiln plugin run --param NAME=TEXT`` parses it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    return str(int(value)) if isinstance(value, int) else str(value)


def _strip(message: str, prefix: str) -> str:
    return message[len(prefix):] if message.startswith(prefix) else message


def error_from_report(kind: str, message: str) -> Exception:
    """The exception a native run raises for the host's ``error`` ``{kind, message}``."""
    if kind == "guest-error":
        message = _strip(message, "plugin error: ")
        if message.startswith("invalid parameters: "):
            return InvalidParams(_strip(message, "invalid parameters: "))
        if message.startswith("invalid data: "):
            return InvalidData(_strip(message, "invalid data: "))
        return Failed(message)
    if kind == "params":
        return InvalidParams(_strip(message, "invalid parameters: "))
    if kind == "ungranted":
        return Ungranted(_strip(message, "ungranted data: "))
    if kind == "invalid-output":
        return InvalidOutput(_strip(message, "malformed output: "))
    return HostError(kind, message)


def write_datasets(datasets: Mapping[str, Batch], directory: Path) -> None:
    """Writes each dataset to ``directory`` as ``NAME.parquet`` (with ``pyarrow``, so every
    type survives) or else ``NAME.csv``."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        for name, batch in datasets.items():
            write_csv(batch, directory / f"{name}.csv")
        return
    for name, batch in datasets.items():
        write_parquet(batch, directory / f"{name}.parquet")


def write_parquet(batch: Batch, path: Path) -> None:
    """Writes ``batch`` as a Parquet file with its columns' types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"f64": pa.float64(), "s64": pa.int64(), "string": pa.string(), "dict": pa.string(),
             "bool": pa.bool_(), "timestamp": pa.timestamp("ns", tz="UTC")}
    arrays = [pa.array(c.values(), type=types[c.kind]) for c in batch.columns]
    pq.write_table(pa.Table.from_arrays(arrays, names=batch.column_names), path)


def write_csv(batch: Batch, path: Path) -> None:
    """Writes ``batch`` as CSV (a null as an empty cell; floats written so they read back as
    floats). Types survive only as far as the host's CSV inference recovers them."""
    columns = [c.values() for c in batch.columns]
    kinds = [c.kind for c in batch.columns]

    def text(kind: str, v: Any) -> str:
        if v is None:
            return ""
        if kind == "f64":
            return repr(float(v)) if math.isfinite(v) else str(v)
        if kind == "bool":
            return "true" if v else "false"
        if kind == "timestamp":
            return datetime.fromtimestamp(v / 1e9, timezone.utc).isoformat()
        return str(v)

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(batch.column_names)
        for row in range(batch.num_rows):
            writer.writerow([text(k, col[row]) for k, col in zip(kinds, columns)])
