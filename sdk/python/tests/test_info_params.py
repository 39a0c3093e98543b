"""Plugin info, parameters, months and medians."""

import pytest

from kiln_sdk import InvalidData, InvalidParams, PluginInfo, Timestamp, ValueType, col, month, stats
from kiln_sdk.params import parse


def info():
    return (PluginInfo("p", "0.1.0")
            .param("threshold", 3.5, "z cut-off")
            .param("top", 10, "rows kept")
            .param("names", "a,b", "")
            .param("strict", False, "")
            .param("since", Timestamp(0), "")
            .param("needed", ValueType.S64, "required"))


def test_param_types_follow_the_defaults_and_a_type_makes_it_required():
    specs = {p.name: (p.type, p.default) for p in info().params}
    assert specs == {
        "threshold": (ValueType.F64, 3.5),
        "top": (ValueType.S64, 10),
        "names": (ValueType.STRING, "a,b"),
        "strict": (ValueType.BOOL, False),
        "since": (ValueType.TIMESTAMP, 0),
        "needed": (ValueType.S64, None),
    }


def test_a_parameter_declared_twice_or_of_no_contract_type_is_refused():
    with pytest.raises(ValueError):
        PluginInfo("p", "0.1.0").param("x", 1.0).param("x", 2.0)
    with pytest.raises(TypeError):
        PluginInfo("p", "0.1.0").param("x", [1, 2])
    with pytest.raises(TypeError):
        PluginInfo("p", "0.1.0").dataset("d", "enterprise_id")
    with pytest.raises(TypeError):
        col("x", "f64")


def test_outputs_are_tables_or_metrics():
    i = PluginInfo("p", "0.1.0").table("t", "", [col("x", ValueType.F64, nullable=True, doc="d")]).metric("m")
    assert not i.output("t").is_metric and i.output("t").columns[0].nullable
    assert i.output("m").is_metric
    assert i.output("nope") is None


def test_defaults_fill_missing_params_in_declaration_order():
    params = parse(info(), [("needed", 7), ("top", 3)])
    assert list(params) == ["threshold", "top", "names", "strict", "since", "needed"]
    assert (params.threshold, params["top"], params.needed, params.strict) == (3.5, 3, 7, False)
    with pytest.raises(AttributeError):
        params.nope
    with pytest.raises(AttributeError):
        params.top = 4


def test_an_int_is_taken_for_an_f64_as_a_float():
    params = parse(info(), [("needed", 1), ("threshold", 4)])
    assert params.threshold == 4.0 and isinstance(params.threshold, float)


@pytest.mark.parametrize("given", [
    [("nope", 1)],                                   # unknown
    [],                                              # `needed` missing
    [("needed", 1.0)],                               # float for s64
    [("needed", True)],                              # bool for s64
    [("needed", 1), ("strict", 1)],                  # int for bool
    [("needed", 1), ("names", 3)],                   # int for string
    [("needed", 1), ("threshold", "3.5")],           # text for f64
])
def test_unknown_missing_and_mistyped_params_are_refused(given):
    with pytest.raises(InvalidParams):
        parse(info(), given)


def test_months_round_trip_and_subtract():
    m = month.parse("2024-01")
    assert month.format(m) == "2024-01"
    assert month.format(m - 1) == "2023-12"
    assert month.format(m - 12) == "2023-01"
    for bad in ["2024-13", "2024-00", "24-01", "2024/01", "2024-1x", "２０２４-01", "2024-01 "]:
        with pytest.raises(InvalidData):
            month.parse(bad)


def test_median_of_odd_even_and_empty():
    assert stats.median([3.0, 1.0, 2.0]) == 2.0
    assert stats.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert stats.median([]) is None
    values = [3.0, 1.0]
    stats.median(values)
    assert values == [3.0, 1.0]  # left as it was
