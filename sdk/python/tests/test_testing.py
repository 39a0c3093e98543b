"""kiln_sdk.testing: native runs apply what the host applies."""

import logging
import math

import pytest

from kiln_sdk import (Batch, Failed, InvalidData, InvalidParams, Output, Plugin, PluginError, PluginInfo, Timestamp,
                      ValueType, col, export)
from kiln_sdk.testing import (HostError, InvalidOutput, RunResult, TestRun, Ungranted, error_from_report,
                              output_document, param_text, read_csv, write_csv)


class Count(Plugin):
    """Counts rows per `id` code, checking the codes hold across batches."""

    info = (PluginInfo("count", "0.1.0")
            .dataset("d", ["id"])
            .table("counts", "", [col("id", ValueType.STRING), col("rows", ValueType.S64)])
            .metric("batches"))

    def run(self, ctx, params):
        counts = []
        batches = 0
        scan = ctx.scan("d", ["id"])
        for batch in scan:
            batches += 1
            ids = batch.dict("id")
            counts.extend([0] * (len(ids.values) - len(counts)))
            for code, id_ in zip(ids.codes, batch.str("id")):
                assert ids.values[code] == id_
                counts[code] += 1
        names = scan.dictionary("id")
        return (Output()
                .table("counts", Batch().with_dict("id", names, list(range(len(names)))).with_s64("rows", counts))
                .metric("batches", batches))


DATA = {"id": ["a", "b", "a", "c", "a", "d", "b"]}


@pytest.mark.parametrize("bound", [None, 0, 2, 3])
def test_codes_are_stable_whether_strings_come_coded_plain_or_both(bound):
    run = TestRun().dataset("d", DATA).batch_rows(2)
    if bound is not None:
        run.dictionary_bound(bound)
    output = run.run(Count)
    assert output.table("counts")["id"] == ["a", "b", "c", "d"]
    assert output.table("counts")["rows"] == [3, 2, 1, 1]
    assert output.metric("batches") == 4.0


def plugin(run, outputs=lambda info: info, name="p", datasets=(("d", ["x"]),), params=()):
    """A plugin class whose run is `run(self, ctx, params)`."""
    info = PluginInfo(name, "0.1.0")
    for p in params:
        info.param(*p)
    for d, cols in datasets:
        info.dataset(d, cols)
    return type("P", (Plugin,), {"info": outputs(info), "run": run})


def table_info(info):
    return info.table("t", "", [col("id", ValueType.STRING), col("x", ValueType.F64, nullable=True)]).metric("m")


@pytest.mark.parametrize("output, why", [
    (Output().table("u", Batch()), "is not declared"),
    (Output().metric("t", 1.0), "is not declared as a metric"),
    (Output().table("m", Batch()), "is declared as a metric"),
    (Output().table("t", Batch().with_f64("x", [1.0]).with_str("id", ["a"])), "has columns [x, id], but describe() declares [id, x]"),
    (Output().table("t", Batch().with_str("id", ["a"])), "declares [id, x]"),
    (Output().table("t", Batch().with_s64("id", [1]).with_f64("x", [1.0])), "column `id` is s64, but describe() declares string"),
    (Output().table("t", Batch().with_str("id", [None]).with_f64("x", [1.0])), "column `id` holds nulls"),
    (Output().metric("m", 1.0).metric("m", 2.0), "appears twice"),
    (Output().metric("m", 1.0, "kg\n"), "a unit must be printable"),
])
def test_an_output_off_its_schema_is_refused(output, why):
    p = plugin(lambda self, ctx, params: output, table_info, datasets=())
    with pytest.raises(InvalidOutput) as e:
        TestRun().run(p)
    assert why in e.value.message


def test_a_matching_output_passes_and_declared_outputs_may_be_absent():
    out = Output().table("t", Batch().with_dict("id", ["a"], [0]).with_f64("x", [None])).metric("m", 1, "kg")
    result = TestRun().run(plugin(lambda self, ctx, params: out, table_info, datasets=()))
    assert result.table("t")["x"] == [None] and result.metric("m") == 1.0 and result.unit("m") == "kg"
    assert TestRun().run(plugin(lambda self, ctx, params: Output(), table_info, datasets=())).table_names == []


def test_a_plugin_declaring_no_outputs_is_not_checked_like_the_host():
    out = Output().table("anything", Batch().with_f64("x", [1.0]))
    assert TestRun().run(plugin(lambda self, ctx, params: out, datasets=())).table("anything")["x"] == [1.0]


def test_non_finite_floats_read_as_null_as_in_the_host_document():
    out = Output().table("t", Batch().with_str("id", ["a", "b"]).with_f64("x", [math.nan, math.inf])).metric("m", math.nan)
    result = TestRun().run(plugin(lambda self, ctx, params: out, table_info, datasets=()))
    assert result.table("t")["x"] == [None, None] and result.metric("m") is None


def read_x(self, ctx, params):
    total = 0.0
    for batch in ctx.scan("d", ["x"]):
        for v in batch.f64("x"):
            total += v
    return Output().metric("m", total)


def test_only_declared_datasets_and_columns_are_granted_by_default():
    data = {"x": [1.0, 2.0], "secret": [5.0, 6.0]}
    assert TestRun().dataset("d", data).run(plugin(read_x, table_info)).metric("m") == 3.0

    def read_secret(self, ctx, params):
        try:
            list(ctx.scan("d", ["secret"]))
        except Exception:  # the host ends the run: a plugin cannot catch that
            pass
        return Output()

    with pytest.raises(Ungranted, match="column `secret` of dataset `d`"):
        TestRun().dataset("d", data).run(plugin(read_secret, table_info))
    with pytest.raises(Ungranted, match="dataset `d`"):
        TestRun().dataset("d", data).grant("other").run(plugin(read_x, table_info))


def test_explicit_grants_narrow_what_is_readable_and_listed():
    def grants(self, ctx, params):
        seen = ctx.grants()
        assert [(g.dataset, [(c.name, c.type, c.nullable) for c in g.columns]) for g in seen] == [
            ("d", [("x", ValueType.F64, True)])]
        batch = ctx.read_all("d")  # every granted column
        assert batch.column_names == ["x"]
        return Output().metric("m", len(batch))

    data = Batch().with_f64("x", [1.0, None]).with_str("y", ["a", "b"])
    assert TestRun().dataset("d", data).grant("d:x").grant("absent").run(plugin(grants, table_info)).metric("m") == 2.0


def test_a_missing_dataset_or_column_is_invalid_data_on_reading():
    with pytest.raises(InvalidData, match="no dataset `d`"):
        TestRun().run(plugin(read_x, table_info))
    with pytest.raises(InvalidData, match="has no column `x`"):
        TestRun().dataset("d", {"y": [1.0]}).run(plugin(read_x, table_info))


def test_params_are_checked_and_completed_before_the_run():
    def echo(self, ctx, params):
        return Output().metric("m", params.top + params.scale)

    p = plugin(echo, table_info, datasets=(), params=[("top", 10), ("scale", ValueType.F64)])
    assert TestRun().param("scale", 0.5).run(p).metric("m") == 10.5
    for bad in [[], [("scale", 1.0), ("top", 1.5)], [("scale", 1.0), ("nope", 1)], [("scale", "1")]]:
        run = TestRun()
        for name, value in bad:
            run.param(name, value)
        with pytest.raises(InvalidParams):
            run.run(p)


def test_plugin_errors_pass_through_and_anything_else_fails_with_its_traceback_logged():
    def declines(self, ctx, params):
        raise InvalidData("no rows")

    with pytest.raises(InvalidData) as e:
        TestRun().run(plugin(declines, datasets=()))
    assert e.value.message == "no rows" and e.value.kind == "invalid-data"

    def crashes(self, ctx, params):
        return {}["missing"]

    run = TestRun()
    with pytest.raises(Failed, match="KeyError: 'missing'"):
        run.run(plugin(crashes, datasets=()))

    def returns_nothing(self, ctx, params):
        return None

    with pytest.raises(Failed, match="must return an Output"):
        TestRun().run(plugin(returns_nothing, datasets=()))
    with pytest.raises(PluginError):  # the base class means failed
        TestRun().run(plugin(lambda self, ctx, params: (_ for _ in ()).throw(PluginError("x")), datasets=()))


def test_logging_and_the_context_log_reach_the_run_log_only_during_the_run():
    log = logging.getLogger("plugin.test")

    def logs(self, ctx, params):
        ctx.info("from ctx")
        log.info("from %s", "logging")
        logging.warning("from the root logger")
        log.debug("too detailed")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("caught")
        return Output()

    result = TestRun().run(plugin(logs, datasets=()))
    assert result.log[:3] == [("info", "from ctx"), ("info", "plugin.test: from logging"),
                              ("warn", "from the root logger")]
    assert result.log[3][0] == "error" and "ValueError: boom" in result.log[3][1]
    assert len(result.log) == 4
    from kiln_sdk.plugin import LOG_HANDLER
    assert LOG_HANDLER not in logging.getLogger().handlers


def test_export_outside_a_component_is_a_stand_in():
    guest = export(Count)
    with pytest.raises(RuntimeError, match="kiln_sdk.testing"):
        guest().describe()
    with pytest.raises(TypeError):
        export(type("Broken", (Plugin,), {"info": "not info"}))


def test_data_from_csv_and_parquet_files(tmp_path):
    batch = (Batch().with_str("id", ["E1", None, "E3"]).with_f64("x", [1.5, None, 3.0]).with_s64("n", [1, 2, None])
             .with_bool("ok", [True, False, None]).with_timestamp("at", [0, 86_400_000_000_000, None]))
    write_csv(batch, tmp_path / "d.csv")
    assert read_csv(tmp_path / "d.csv") == batch
    pytest.importorskip("pyarrow")
    from kiln_sdk.testing import write_parquet
    write_parquet(batch, tmp_path / "e.parquet")
    run = TestRun().load_dir(tmp_path)
    assert run._datasets["e"] == batch and run._datasets["d"] == batch


def test_result_documents_compare_by_output_not_log():
    doc = output_document(Output().table("t", Batch().with_dict("s", ["a", "b"], [1, 1])).metric("m", 2, "kg"))
    assert doc == {"tables": [{"name": "t", "columns": [{"name": "s", "type": "string"}], "rows": [["b"], ["b"]]}],
                   "metrics": [{"name": "m", "value": 2.0, "unit": "kg"}]}
    assert RunResult(doc, [("info", "x")]) == RunResult(doc, [])
    with pytest.raises(KeyError):
        RunResult(doc, []).table("u")
    with pytest.raises(KeyError):
        RunResult(doc, []).table("t")["nope"]


def test_param_text_reads_back_as_the_host_parses_it():
    assert [param_text(v) for v in (1.5, 1e-7, 3, True, False, "a b", Timestamp(5))] == [
        "1.5", "1e-07", "3", "true", "false", "a b", "5"]


@pytest.mark.parametrize("kind, message, expected", [
    ("guest-error", "plugin error: invalid parameters: bad", InvalidParams("bad")),
    ("guest-error", "plugin error: invalid data: worse", InvalidData("worse")),
    ("guest-error", "plugin error: KeyError: 'x'", Failed("KeyError: 'x'")),
    ("params", "invalid parameters: unknown parameter `x`", InvalidParams("unknown parameter `x`")),
])
def test_host_errors_map_to_the_native_exceptions(kind, message, expected):
    assert error_from_report(kind, message) == expected


def test_host_stops_map_to_host_errors():
    assert isinstance(error_from_report("ungranted", "ungranted data: dataset `d`"), Ungranted)
    assert error_from_report("ungranted", "ungranted data: dataset `d`").message == "dataset `d`"
    assert isinstance(error_from_report("invalid-output", "malformed output: x"), InvalidOutput)
    timeout = error_from_report("timeout", "timed out after 2s")
    assert isinstance(timeout, HostError) and timeout.kind == "timeout"
