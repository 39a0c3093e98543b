"""Runs of the plugin on hand-built data with answers worked out by hand (a port of the Rust
plugin's src/tests.rs). Natively by default; with ``--kiln-component energy-intensity.wasm``
the same tests run the built component through ``kiln plugin run``."""

import pytest

from kiln_sdk import Batch, InvalidData, InvalidParams, ValueType, plugin_info
from kiln_sdk.testing import TestRun

from energy_intensity import EnergyIntensity


def enterprises(rows):
    """`enterprises` with the columns the plugin reads plus one it ignores."""
    return (Batch()
            .with_str("enterprise_id", [r[0] for r in rows])
            .with_str("name", [f"企业{r[0]}" for r in rows])
            .with_str("industry_code", [r[1] for r in rows]))


def monthly(rows):
    """`monthly_indicators` rows: (enterprise_id, month, output_value, energy_tce), `None` a null."""
    return (Batch()
            .with_str("enterprise_id", [r[0] for r in rows])
            .with_str("month", [r[1] for r in rows])
            .with_f64("output_value", [r[2] for r in rows])
            .with_f64("energy_tce", [r[3] for r in rows])
            .with_f64("revenue", [1.0] * len(rows)))


def run(enterprise_rows, monthly_rows):
    return TestRun().dataset("enterprises", enterprise_rows).dataset("monthly_indicators", monthly_rows)


def assert_close(actual, expected):
    assert len(actual) == len(expected), (actual, expected)
    for a, e in zip(actual, expected):
        assert abs(a - e) <= 1e-12 * max(abs(e), 1.0), (actual, expected)


def three_peers():
    """One industry, one month: intensities 8/64, 16/64, 48/64 = 0.125, 0.25, 0.75."""
    return run(
        enterprises([("E00001", "C36"), ("E00002", "C36"), ("E00003", "C36")]),
        monthly([("E00003", "2024-01", 64.0, 48.0), ("E00001", "2024-01", 64.0, 8.0),
                 ("E00002", "2024-01", 64.0, 16.0)]),
    )


def test_flags_enterprise_far_above_its_industry_median():
    output = three_peers().run(EnergyIntensity)
    table = output.table("intensity")
    assert table["enterprise_id"] == ["E00001", "E00002", "E00003"]
    assert table["month"] == ["2024-01"] * 3
    assert table["industry_code"] == ["C36"] * 3
    assert table["intensity"] == [0.125, 0.25, 0.75]
    assert table["industry_median"] == [0.25] * 3
    assert table["ratio_to_median"] == [0.5, 1.0, 3.0]
    assert table["flagged"] == [False, False, True]
    assert output.metric("flagged_rows") == 1.0
    assert output.metric("enterprises") == 3.0


def test_ratio_param_moves_the_flag_threshold():
    # 0.75 is exactly 3 × 0.25: not strictly above, so not flagged at ratio 3.
    assert three_peers().param("ratio", 3.0).run(EnergyIntensity).table("intensity")["flagged"] == [False] * 3
    below = three_peers().param("ratio", 2.9).run(EnergyIntensity)
    assert below.table("intensity")["flagged"] == [False, False, True]
    low = three_peers().param("ratio", 0.75).run(EnergyIntensity)
    assert low.table("intensity")["flagged"] == [False, True, True]
    assert low.metric("flagged_rows") == 2.0


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values():
    # Intensities 0.125, 0.25, 0.5, 1.0: median (0.25 + 0.5) / 2 = 0.375; threshold 1.5 × 0.375 = 0.5625.
    output = run(
        enterprises([("E1", "C36"), ("E2", "C36"), ("E3", "C36"), ("E4", "C36")]),
        monthly([("E1", "2024-03", 8.0, 1.0), ("E2", "2024-03", 8.0, 2.0), ("E3", "2024-03", 8.0, 4.0),
                 ("E4", "2024-03", 8.0, 8.0)]),
    ).run(EnergyIntensity)
    table = output.table("intensity")
    assert table["industry_median"] == [0.375] * 4
    assert_close(table["ratio_to_median"], [1 / 3, 2 / 3, 4 / 3, 8 / 3])
    assert table["flagged"] == [False, False, False, True]


def test_compares_each_enterprise_only_with_its_own_industry_and_month():
    # C36 in 2024-01: 0.5 and 1.5 → median 1.0. C13 in 2024-01: 4.0 alone → median 4.0.
    # C36 in 2024-02: 0.25 and 0.75 → median 0.5.
    output = run(
        enterprises([("E1", "C36"), ("E2", "C36"), ("E3", "C13")]),
        monthly([("E1", "2024-02", 4.0, 1.0), ("E3", "2024-01", 1.0, 4.0), ("E2", "2024-01", 2.0, 3.0),
                 ("E1", "2024-01", 2.0, 1.0), ("E2", "2024-02", 4.0, 3.0)]),
    ).run(EnergyIntensity)
    table = output.table("intensity")
    assert table["enterprise_id"] == ["E1", "E1", "E2", "E2", "E3"]
    assert table["month"] == ["2024-01", "2024-02", "2024-01", "2024-02", "2024-01"]
    assert table["industry_code"] == ["C36", "C36", "C36", "C36", "C13"]
    assert table["intensity"] == [0.5, 0.25, 1.5, 0.75, 4.0]
    assert table["industry_median"] == [1.0, 0.5, 1.0, 0.5, 4.0]
    assert table["ratio_to_median"] == [0.5, 0.5, 1.5, 1.5, 1.0]
    # 1.5 is not strictly above 1.5 × median.
    assert table["flagged"] == [False] * 5


def test_skips_null_inputs_non_positive_output_and_unknown_enterprises():
    output = run(
        enterprises([("E1", "C36"), ("E2", "C36")]),
        monthly([("E1", "2024-01", 4.0, 2.0), ("E2", "2024-01", 4.0, None), ("E2", "2024-02", None, 1.0),
                 ("E2", "2024-03", 0.0, 1.0), ("E2", "2024-04", -5.0, 1.0), ("E9", "2024-01", 4.0, 40.0)]),
    ).run(EnergyIntensity)
    table = output.table("intensity")
    assert table["enterprise_id"] == ["E1"]
    assert table["intensity"] == [0.5]
    # Alone in its industry-month, E1 is its own median.
    assert table["industry_median"] == [0.5]
    assert output.metric("enterprises") == 1.0


def test_null_enterprise_ids_and_industries_are_left_out():
    ents = Batch().with_str("enterprise_id", ["E1", None, "E3"]).with_str("industry_code", ["C36", "C36", None])
    rows = (Batch().with_str("enterprise_id", ["E1", "E3", None]).with_str("month", ["2024-01"] * 3)
            .with_f64("output_value", [2.0] * 3).with_f64("energy_tce", [1.0] * 3))
    output = run(ents, rows).run(EnergyIntensity)
    assert output.table("intensity")["enterprise_id"] == ["E1"]
    assert output.logged("without a known industry"), output.log


def test_a_zero_median_leaves_the_ratio_null_and_the_row_unflagged():
    # Two of three enterprises used no energy: the median is 0.
    output = run(
        enterprises([("E1", "C36"), ("E2", "C36"), ("E3", "C36")]),
        monthly([("E1", "2024-01", 1.0, 0.0), ("E2", "2024-01", 1.0, 0.0), ("E3", "2024-01", 1.0, 5.0)]),
    ).run(EnergyIntensity)
    table = output.table("intensity")
    assert table["industry_median"] == [0.0] * 3
    assert table["ratio_to_median"] == [None] * 3
    assert table["flagged"] == [False] * 3
    assert output.table("worst").num_rows == 0
    assert output.metric("enterprises") == 3.0


def test_worst_lists_the_top_enterprises_by_mean_ratio_ties_by_id():
    # Two industries of two enterprises over two months, every median the mean of the pair:
    #   C36 2024-01: E1 0.5, E2 1.5 (median 1) ; 2024-02: E1 3.0, E2 1.0 (median 2)
    #   C13 2024-01: E3 1.0, E4 3.0 (median 2) ; 2024-02: E3 2.0, E4 2.0 (median 2)
    # Ratios: E1 0.5, 1.5 → 1.0 ; E2 1.5, 0.5 → 1.0 ; E3 0.5, 1.0 → 0.75 ; E4 1.5, 1.0 → 1.25.
    ents = enterprises([("E4", "C13"), ("E3", "C13"), ("E2", "C36"), ("E1", "C36")])
    rows = monthly([
        ("E1", "2024-01", 2.0, 1.0), ("E2", "2024-01", 2.0, 3.0), ("E1", "2024-02", 1.0, 3.0),
        ("E2", "2024-02", 1.0, 1.0), ("E3", "2024-01", 1.0, 1.0), ("E4", "2024-01", 1.0, 3.0),
        ("E3", "2024-02", 1.0, 2.0), ("E4", "2024-02", 1.0, 2.0),
    ])
    output = run(ents, rows).param("top", 3).param("ratio", 1.4).run(EnergyIntensity)
    worst = output.table("worst")
    assert worst["enterprise_id"] == ["E4", "E1", "E2"]
    assert worst["industry_code"] == ["C13", "C36", "C36"]
    assert worst["mean_ratio"] == [1.25, 1.0, 1.0]
    # At ratio 1.4 the rows with ratio 1.5 are flagged: E4 in 2024-01, E1 in 2024-02, E2 in 2024-01.
    assert worst["flagged_months"] == [1, 1, 1]
    assert output.metric("flagged_rows") == 3.0

    assert run(ents, rows).run(EnergyIntensity).table("worst")["enterprise_id"] == ["E4", "E1", "E2", "E3"]
    assert run(ents, rows).param("top", 0).run(EnergyIntensity).table("worst").num_rows == 0


@pytest.mark.parametrize("ratio", [0.0, -1.5])
def test_refuses_a_non_positive_ratio(ratio):
    with pytest.raises(InvalidParams):
        three_peers().param("ratio", ratio).run(EnergyIntensity)


def test_refuses_a_negative_or_mistyped_top():
    with pytest.raises(InvalidParams):
        three_peers().param("top", -1).run(EnergyIntensity)
    with pytest.raises(InvalidParams):
        three_peers().param("top", 2.0).run(EnergyIntensity)


@pytest.mark.parametrize("bad_month", ["2024-13", "2024/01", "24-01", "2024-1"])
def test_refuses_malformed_months(bad_month):
    with pytest.raises(InvalidData):
        run(enterprises([("E1", "C36")]), monthly([("E1", bad_month, 1.0, 1.0)])).run(EnergyIntensity)


def test_refuses_duplicate_enterprises():
    with pytest.raises(InvalidData, match="E1"):
        run(enterprises([("E1", "C36"), ("E1", "C13")]), monthly([])).run(EnergyIntensity)


def test_empty_data_gives_empty_tables():
    output = run(enterprises([]), monthly([])).run(EnergyIntensity)
    assert output.table("intensity").num_rows == 0
    assert output.table("worst").num_rows == 0
    assert output.metric("flagged_rows") == 0.0
    assert output.metric("enterprises") == 0.0


def generated(reverse=False):
    """A few hundred pseudo-random rows over three industries and fourteen months (the Rust
    test's generator, step for step)."""
    ids = [f"E{i:05d}" for i in range(1, 31)]
    codes = ["C36", "C13", "C26"]
    months = [f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(14)]
    state = 0x2545_F491

    def next_():
        nonlocal state
        state = (state * 6_364_136_223_846_793_005 + 1_442_695_040_888_963_407) % (1 << 64)
        return (state >> 11) / (1 << 53)

    rows = []
    for id_ in ids:
        for m in months:
            rows.append((id_, m, 100.0 + 900.0 * next_(), 5.0 + 50.0 * next_()))
    if reverse:
        rows.reverse()
    return enterprises([(id_, codes[i % 3]) for i, id_ in enumerate(ids)]), monthly(rows)


def test_same_result_for_any_batch_size_row_order_or_string_encoding():
    ents, rows = generated()
    whole = run(ents, rows).run(EnergyIntensity)
    assert whole.table("intensity").num_rows == 30 * 14
    assert whole.table("worst").num_rows == 20
    _, reversed_rows = generated(reverse=True)
    assert run(ents, reversed_rows).batch_rows(7).run(EnergyIntensity) == whole
    assert run(ents, rows).batch_rows(3).run(EnergyIntensity) == whole
    # Strings sent plain (a 0.1.0 host), or plain once a scan's dictionary passes 5 values.
    assert run(ents, rows).dictionary_bound(0).run(EnergyIntensity) == whole
    assert run(ents, rows).batch_rows(3).dictionary_bound(5).run(EnergyIntensity) == whole


def test_describes_its_defaults_and_datasets():
    info = plugin_info(EnergyIntensity)
    assert info.name == "energy-intensity"
    defaults = {p.name: (p.type, p.default) for p in info.params}
    assert defaults == {"ratio": (ValueType.F64, 1.5), "top": (ValueType.S64, 20)}
    monthly_spec = next(d for d in info.datasets if d.name == "monthly_indicators")
    assert monthly_spec.columns == ["enterprise_id", "month", "output_value", "energy_tce"]
