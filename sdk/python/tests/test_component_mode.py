"""`--kiln-component`: the same TestRuns go through `kiln plugin run --json` (here a fake
binary that runs the plugin natively behind the same command line and report format)."""

import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest

FAKE = Path(__file__).parent / "fake" / "kiln.py"

PLUGIN = '''
from kiln_sdk import Batch, InvalidData, Output, Plugin, PluginInfo, ValueType, col

class Sum(Plugin):
    info = (PluginInfo("sum", "0.1.0")
            .param("scale", 1.0).param("strict", False).param("label", "")
            .dataset("d", ["id", "x"])
            .table("t", "", [col("id", ValueType.STRING, nullable=True), col("x", ValueType.F64, nullable=True)])
            .metric("total"))

    def run(self, ctx, params):
        if params.strict:
            raise InvalidData("strict: " + params.label)
        ids, xs = [], []
        for batch in ctx.scan("d", ["id", "x"]):
            ids += batch.column("id").values()
            xs += [None if x is None else x * params.scale for x in batch.column("x").values()]
        total = 0.0
        for x in xs:
            total += x or 0.0
        return Output().table("t", Batch().with_str("id", ids).with_f64("x", xs)).metric("total", total)
'''

TESTS = '''
import pytest
import kiln_sdk.testing
from kiln_sdk import InvalidData, InvalidParams
from kiln_sdk.testing import TestRun, Ungranted
from sum_plugin import Sum

def data():
    return TestRun().dataset("d", {"id": ["a", "b", None], "x": [1.5, None, 2.0], "secret": [1, 2, 3]})

def test_output():
    result = data().param("scale", 2.0).param("label", "x y=z").run(Sum)
    assert result.table("t")["id"] == ["a", "b", None]
    assert result.table("t")["x"] == [3.0, None, 4.0]
    assert result.metric("total") == 7.0
    assert result.logged("run by the fake kiln") == (kiln_sdk.testing._component is not None)

def test_plugin_error():
    with pytest.raises(InvalidData, match="strict: why"):
        data().param("strict", True).param("label", "why").run(Sum)

def test_params_refused():
    with pytest.raises(InvalidParams):
        data().param("scale", "2").run(Sum)
    with pytest.raises(InvalidParams):
        data().param("nope", 1).run(Sum)

def test_ungranted():
    with pytest.raises(Ungranted):
        data().grant("d:id").run(Sum)
'''


@pytest.fixture
def project(pytester, tmp_path):
    pytester.makepyfile(sum_plugin=PLUGIN, test_sum=TESTS)
    (pytester.path / "sum.wasm").write_text("sum_plugin:Sum")
    kiln = tmp_path / "kiln"
    kiln.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE} \"$@\"\n")
    kiln.chmod(kiln.stat().st_mode | stat.S_IEXEC)
    pytester.syspathinsert()
    return kiln


@pytest.mark.parametrize("parquet", [True, False])
def test_the_same_tests_pass_natively_and_through_the_binary(project, pytester, monkeypatch, parquet):
    if parquet:
        pytest.importorskip("pyarrow")
    else:
        # Without pyarrow the datasets go as CSV: hide it from the test session.
        monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert pytester.runpytest_inprocess("-q").ret == 0
    monkeypatch.setenv("KILN_BIN", str(project))
    result = pytester.runpytest_inprocess("--kiln-component", "sum.wasm")
    result.assert_outcomes(passed=4)  # test_output checks that the fake binary ran it
    assert any("TestRuns run component sum.wasm" in line for line in result.outlines)


def test_a_component_of_another_plugin_is_refused(project, pytester, monkeypatch):
    (pytester.path / "other.wasm").write_text("sum_plugin:Sum")
    pytester.makepyfile(test_other='''
from kiln_sdk.testing import HostError, TestRun
from kiln_sdk import PluginInfo, Plugin, Output

class Other(Plugin):
    info = PluginInfo("other", "0.1.0")
    def run(self, ctx, params):
        return Output()

def test_other():
    try:
        TestRun().run(Other)
    except HostError as e:
        assert "is plugin" in e.message
    else:
        raise AssertionError("ran")
''')
    monkeypatch.setenv("KILN_BIN", str(project))
    pytester.runpytest_inprocess("-q", "--kiln-component", "other.wasm", "test_other.py").assert_outcomes(passed=1)
