"""The component glue (kiln_sdk._guest), run natively against the bindings componentize-py
generates for the SDK's WIT, with the host's imports played by fakes.

Skipped without componentize-py (``$COMPONENTIZE_PY``, or on ``PATH``).
"""

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kiln_sdk
from kiln_sdk import Batch, InvalidData, Output, Plugin, PluginInfo, Timestamp, ValueType, col

WIT = Path(kiln_sdk.__file__).parent / "wit"


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    """kiln_sdk._guest, imported against stub bindings standing in for `kiln_sdk.wit`."""
    tool = os.environ.get("COMPONENTIZE_PY") or shutil.which("componentize-py")
    if tool is None:
        pytest.skip("componentize-py not found")
    out = tmp_path_factory.mktemp("bindings")
    subprocess.run([tool, "-d", str(WIT), "-w", "plugin", "--world-module", "kiln_sdk_wit", "bindings", str(out)],
                   check=True, capture_output=True)
    sys.path.insert(0, str(out))
    saved = {k: v for k, v in sys.modules.items() if k.startswith("kiln_sdk.wit") or k == "kiln_sdk._guest"}
    try:
        for name in ["", ".exports", ".exports.guest", ".imports", ".imports.data", ".imports.log", ".imports.types"]:
            sys.modules["kiln_sdk.wit" + name] = importlib.import_module("kiln_sdk_wit" + name)
        yield importlib.import_module("kiln_sdk._guest")
    finally:
        for k in [k for k in sys.modules if k.startswith("kiln_sdk.wit") or k == "kiln_sdk._guest"]:
            del sys.modules[k]
        sys.modules.update(saved)
        sys.path.remove(str(out))


class Totals(Plugin):
    info = (PluginInfo("totals", "1.2.3")
            .description("d")
            .param("scale", 2.0, "s")
            .param("since", Timestamp(7), "")
            .param("label", ValueType.STRING, "required")
            .dataset("d", ["id", "x"], "dd")
            .table("t", "tt", [col("id", ValueType.STRING), col("x", ValueType.F64, nullable=True, doc="xx")])
            .metric("n", "nn"))

    def run(self, ctx, params):
        if params.label == "fail":
            raise InvalidData("asked to")
        if params.label == "crash":
            raise ZeroDivisionError("division by zero")
        totals = []
        scan = ctx.scan("d", ["id", "x"])
        for batch in scan:
            ids = batch.dict("id")
            totals.extend([0.0] * (len(ids.values) - len(totals)))
            for code, x, ok in zip(ids.codes, batch.f64("x"), batch.validity("x") or [True] * len(batch)):
                if ok:
                    totals[code] += x * params.scale
        names = scan.dictionary("id")
        ctx.info(f"{len(names)} ids, since {params.since!r}")
        return (Output()
                .table("t", Batch().with_dict("id", names, list(range(len(names))))
                       .with_f64("x", [t or None for t in totals]))
                .metric("n", len(names), "ids"))


def test_describe_carries_params_datasets_and_output_schemas(g):
    info = g.guest_class(Totals)().describe()
    assert (info.name, info.version, info.description) == ("totals", "1.2.3", "d")
    assert [(p.name, p.type.name, p.default) for p in info.params] == [
        ("scale", "F64", g.wit.Value_F64(2.0)), ("since", "TIMESTAMP", g.wit.Value_Timestamp(7)),
        ("label", "STRING", None)]
    assert [(d.name, d.columns, d.doc) for d in info.datasets] == [("d", ["id", "x"], "dd")]
    table, metric = info.outputs
    assert [(c.name, c.type.name, c.nullable, c.doc) for c in table.kind.value] == [
        ("id", "STRING", False, ""), ("x", "F64", True, "xx")]
    assert isinstance(metric.kind, g.wit_guest.OutputKind_Metric)


def strings(g, values):
    return g.encode_strings(values)


def test_strings_round_trip_packed(g):
    for values in [[], ["a", "", "bc"], ["西安", "e", "ü"]]:
        packed = g.encode_strings(values)
        assert packed.offsets[0] == 0 and packed.offsets[-1] == len(packed.bytes)
        assert g.decode_strings("c", packed) == values
    with pytest.raises(InvalidData):
        g.decode_strings("c", g.wit.Strings(offsets=[0, 1], bytes=b"\xff"))


class FakeScan:
    """The host's scan resource: the batches of one dataset, in the contract's form."""

    batches = []
    opened = []
    closed = 0

    def __init__(self, dataset, columns):
        FakeScan.opened.append((dataset, columns))
        self._batches = list(FakeScan.batches)

    def next(self):
        return self._batches.pop(0) if self._batches else None

    def __exit__(self, *exc):
        FakeScan.closed += 1


@pytest.fixture
def host(g, monkeypatch):
    """Fakes of the `data` and `log` imports; returns the lines logged."""
    w = g.wit
    FakeScan.batches = [
        w.Batch(rows=2, columns=[
            w.Column("id", w.ColumnData_Dict(w.Dict(0, g.encode_strings(["b", "a"]), [0, 1])), None),
            w.Column("x", w.ColumnData_F64([1.0, 2.0]), None)]),
        w.Batch(rows=3, columns=[
            w.Column("id", w.ColumnData_Dict(w.Dict(2, g.encode_strings(["c"]), [2, 1, 0])), None),
            w.Column("x", w.ColumnData_F64([4.0, 8.0, 99.0]), [True, True, False])]),
        w.Batch(rows=1, columns=[
            w.Column("id", w.ColumnData_String(g.encode_strings(["d"])), None),
            w.Column("x", w.ColumnData_S64([16]), None)]),
    ]
    FakeScan.opened, FakeScan.closed = [], 0
    lines = []
    monkeypatch.setattr(g.wit_data, "Scan", FakeScan)
    monkeypatch.setattr(g.wit_log, "write", lambda level, message: lines.append((level.name, message)))
    return lines


def params(g, **values):
    wrap = {float: g.wit.Value_F64, str: g.wit.Value_String, Timestamp: g.wit.Value_Timestamp}
    return [g.wit_guest.Param(name, wrap[type(v)](v)) for name, v in values.items()]


def test_run_reads_batches_and_returns_the_output_in_the_contract_form(g, host):
    output = g.guest_class(Totals)().run(params(g, label="ok", since=Timestamp(3)))
    assert FakeScan.opened == [("d", ["id", "x"])] and FakeScan.closed == 1
    (table,), (metric,) = output.tables, output.metrics
    assert (metric.name, metric.value, metric.unit) == ("n", 4.0, "ids")
    ids, x = table.data.columns
    assert table.data.rows == 4
    d = ids.data.value
    assert (d.base, g.decode_strings("id", d.values), d.codes) == (0, ["b", "a", "c", "d"], [0, 1, 2, 3])
    # b: 2×(1+99 null) = 2, a: 2×(2+8) = 20, c: 2×4 = 8, d: 2×16 = 32 (an s64 column widened)
    assert x.data.value == [2.0, 20.0, 8.0, 32.0] and x.validity is None
    assert host == [("INFO", "4 ids, since Timestamp(3)")]


def test_errors_become_the_contracts_plugin_error(g, host):
    guest = g.guest_class(Totals)()
    from componentize_py_types import Err

    with pytest.raises(Err) as e:
        guest.run(params(g, label="fail"))
    assert e.value.value == g.wit_guest.PluginError_InvalidData("asked to")
    with pytest.raises(Err) as e:
        guest.run(params(g, label="crash"))
    assert e.value.value == g.wit_guest.PluginError_Failed("ZeroDivisionError: division by zero")
    assert host[-1][0] == "ERROR" and "Traceback" in host[-1][1]
    with pytest.raises(Err) as e:
        guest.run(params(g, label="ok", scale="x"))
    assert isinstance(e.value.value, g.wit_guest.PluginError_InvalidParams)
    with pytest.raises(Err) as e:
        guest.run([])
    assert e.value.value == g.wit_guest.PluginError_InvalidParams("missing parameter `label`")


def test_a_data_error_from_the_host_is_invalid_data_or_failed(g, monkeypatch):
    from componentize_py_types import Err

    class Broken(FakeScan):
        error = None

        def next(self):
            raise Err(Broken.error)

    monkeypatch.setattr(g.wit_data, "Scan", Broken)
    monkeypatch.setattr(g.wit_log, "write", lambda level, message: None)
    guest = g.guest_class(Totals)()
    Broken.error = g.wit_data.DataError_Invalid("bad parquet")
    with pytest.raises(Err) as e:
        guest.run(params(g, label="ok"))
    assert e.value.value == g.wit_guest.PluginError_InvalidData("bad parquet")
    Broken.error = g.wit_data.DataError_Io("disk")
    with pytest.raises(Err) as e:
        guest.run(params(g, label="ok"))
    assert e.value.value == g.wit_guest.PluginError_Failed("reading data: disk")


def test_grants_come_typed(g, monkeypatch):
    d = g.wit_data
    monkeypatch.setattr(d, "grants", lambda: [d.Grant("d", [d.ColumnInfo("x", g.wit.ValueType.F64, True)])])
    (grant,) = g.WitBackend().grants()
    assert grant.dataset == "d" and grant.columns[0] == ("x", ValueType.F64, True)
