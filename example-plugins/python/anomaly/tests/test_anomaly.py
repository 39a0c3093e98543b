"""Runs of the plugin on hand-built series with answers worked out by hand (a port of the Rust
plugin's src/tests.rs). Natively by default; with ``--kiln-component anomaly.wasm`` the same
tests run the built component through ``kiln plugin run``."""

import pytest

from kiln_sdk import Batch, InvalidData, InvalidParams
from kiln_sdk.testing import TestRun

from anomaly import Anomaly, parse_indicators

SPIKE = [10.0, 11.0, 9.0, 10.0, 50.0, 10.0, 12.0]


def monthly(rows):
    """`monthly_indicators` with every column the generator writes. A row is (enterprise_id,
    month, output_value, energy_tce, electricity_kwh, water_m3, employees); `None` is a null."""
    n = len(rows)
    return (Batch()
            .with_str("enterprise_id", [r[0] for r in rows])
            .with_str("month", [r[1] for r in rows])
            .with_f64("output_value", [r[2] for r in rows])
            .with_f64("revenue", [7.0] * n)
            .with_f64("profit", [1.0] * n)
            .with_f64("energy_tce", [r[3] for r in rows])
            .with_f64("electricity_kwh", [r[4] for r in rows])
            .with_f64("water_m3", [r[5] for r in rows])
            .with_s64("employees", [r[6] for r in rows]))


def month(i):
    """`2024-01`, `2024-02`, … for the `i`-th month from January 2024."""
    return f"{2024 + i // 12}-{i % 12 + 1:02d}"


def series(id_, output_values):
    """A series from January 2024: these output values, flat energy and electricity (so they
    flag nothing), water 10 and 120 employees."""
    return [(id_, month(i), v, 5.0, 100.0, 10.0, 120) for i, v in enumerate(output_values)]


def run(rows):
    return TestRun().dataset("monthly_indicators", monthly(rows))


def assert_close(actual, expected):
    assert len(actual) == len(expected), (actual, expected)
    for a, e in zip(actual, expected):
        assert abs(a - e) <= 1e-12 * max(abs(e), 1.0), (actual, expected)


def test_flags_a_month_far_from_the_enterprise_median():
    # Median 10; deviations 0 1 1 0 40 0 2 → MAD 1; z(50) = 0.6745 × 40 = 26.98, z(12) = 1.349.
    output = run(series("E1", SPIKE)).run(Anomaly)
    table = output.table("anomalies")
    assert table["enterprise_id"] == ["E1"]
    assert table["month"] == ["2024-05"]
    assert table["indicator"] == ["output_value"]
    assert table["value"] == [50.0]
    assert table["median"] == [10.0]
    assert table["mad"] == [1.0]
    assert_close(table["robust_z"], [26.98])
    assert output.metric("anomaly_count") == 1.0
    # Three default indicators for one enterprise.
    assert output.metric("series") == 3.0


def test_flags_a_drop_with_a_negative_score():
    # Median 100; deviations 0 1 1 0 98 0 2 → MAD 1; z(2) = 0.6745 × −98 = −66.101.
    table = run(series("E1", [100.0, 101.0, 99.0, 100.0, 2.0, 100.0, 102.0])).run(Anomaly).table("anomalies")
    assert table["value"] == [2.0]
    assert_close(table["robust_z"], [-66.101])


def test_an_even_series_takes_the_mean_of_the_two_middle_values():
    # Sorted 1 2 3 4 6 100 → median 3.5; deviations 2.5 1.5 0.5 0.5 2.5 96.5 → MAD (1.5 + 2.5) / 2 = 2;
    # z(100) = 0.6745 × 96.5 / 2 = 32.544625.
    table = run(series("E1", [1.0, 2.0, 3.0, 4.0, 100.0, 6.0])).run(Anomaly).table("anomalies")
    assert table["month"] == ["2024-05"]
    assert table["median"] == [3.5]
    assert table["mad"] == [2.0]
    assert_close(table["robust_z"], [32.544625])


def test_a_zero_mad_flags_nothing():
    # More than half the values are 5: MAD 0, so even 100 is not scored.
    output = run(series("E1", [5.0, 5.0, 5.0, 5.0, 100.0])).run(Anomaly)
    assert output.table("anomalies").num_rows == 0
    assert output.metric("series") == 3.0


def test_threshold_param_moves_the_cut_off():
    def at(threshold):
        return run(series("E1", SPIKE)).param("threshold", threshold).run(Anomaly).table("anomalies")["month"]

    assert at(27.0) == []
    assert at(26.0) == ["2024-05"]
    # z(12) = 1.349 and z(9) = z(11) = ±0.6745.
    assert at(1.0) == ["2024-05", "2024-07"]
    assert at(0.5) == ["2024-02", "2024-03", "2024-05", "2024-07"]


def test_each_enterprise_is_compared_with_its_own_history():
    # Pooled, E2's values would all stand out against E1's; alone, each series is calm.
    rows = series("E1", [10.0, 11.0, 9.0, 10.0, 11.0]) + series("E2", [1000.0, 1010.0, 990.0, 1000.0, 1005.0])
    output = run(rows).run(Anomaly)
    assert output.table("anomalies").num_rows == 0
    assert output.metric("series") == 6.0


def test_sorts_by_enterprise_month_and_indicator():
    # Both enterprises spike in output value and electricity in 2024-05; E2 also in 2024-02.
    rows = []
    for id_, extra in [("E2", 1), ("E1", None)]:
        for i, v in enumerate(SPIKE):
            electricity = 5000.0 if i == 4 or i == extra else 100.0 + i
            output_value = 90.0 if i == extra else v
            rows.append((id_, month(i), output_value, 5.0, electricity, None, 10))
    rows.reverse()
    output = run(rows).run(Anomaly)
    table = output.table("anomalies")
    assert table["enterprise_id"] == ["E1", "E1", "E2", "E2", "E2", "E2"]
    assert table["month"] == ["2024-05", "2024-05", "2024-02", "2024-02", "2024-05", "2024-05"]
    assert table["indicator"] == ["electricity_kwh", "output_value"] * 3
    assert output.metric("anomaly_count") == 6.0


def test_skips_null_values_and_rows_without_keys():
    # Water: nulls skipped, leaving 10 10 11 9 40 → median 10, deviations 0 0 1 1 30 → MAD 1.
    water = [10.0, None, 10.0, 11.0, None, 9.0, 40.0]
    rows = [("E1", month(i), 1.0, 1.0, 1.0, w, 10) for i, w in enumerate(water)]
    rows.append(("E1", month(8), None, None, None, None, 10))
    # One more row with a null enterprise_id and a huge value: it must count nowhere.
    rows.append((None, "2024-01", 1.0, 1.0, 1.0, 1e9, 10))
    output = run(rows).param("indicators", "water_m3").run(Anomaly)
    table = output.table("anomalies")
    assert table["month"] == ["2024-07"]
    assert table["indicator"] == ["water_m3"]
    assert (table["median"], table["mad"]) == ([10.0], [1.0])
    assert_close(table["robust_z"], [0.6745 * 30.0])
    assert output.metric("series") == 1.0


def test_screens_the_integer_employees_column():
    rows = [("E1", month(i), 1.0, 1.0, 1.0, None, e) for i, e in enumerate([100, 101, 99, 100, 100, 160])]
    # Median 100; deviations 0 1 1 0 0 60 → MAD 0.5; z(160) = 0.6745 × 60 / 0.5 = 80.94.
    table = run(rows).param("indicators", "employees").run(Anomaly).table("anomalies")
    assert table["value"] == [160.0]
    assert table["mad"] == [0.5]
    assert_close(table["robust_z"], [80.94])


def test_indicators_are_trimmed_deduplicated_and_sorted():
    assert parse_indicators(" revenue ,profit,revenue,") == ["profit", "revenue"]
    assert parse_indicators("output_value,energy_tce,electricity_kwh") == [
        "electricity_kwh", "energy_tce", "output_value"]


@pytest.mark.parametrize("indicators", ["steel_t", "output_value,steel_t", "", " , ", "name"])
def test_refuses_unknown_or_missing_indicators(indicators):
    with pytest.raises(InvalidParams):
        run(series("E1", SPIKE)).param("indicators", indicators).run(Anomaly)


def test_an_unknown_indicator_is_named():
    with pytest.raises(InvalidParams, match="steel_t"):
        run(series("E1", SPIKE)).param("indicators", "steel_t").run(Anomaly)


def test_refuses_a_negative_threshold_and_malformed_months():
    with pytest.raises(InvalidParams):
        run(series("E1", SPIKE)).param("threshold", -1.0).run(Anomaly)
    rows = series("E1", SPIKE)
    rows[3] = (rows[3][0], "2024-4") + rows[3][2:]
    with pytest.raises(InvalidData):
        run(rows).run(Anomaly)


def test_empty_data_gives_an_empty_table():
    output = run([]).run(Anomaly)
    assert output.table("anomalies").num_rows == 0
    assert output.metric("anomaly_count") == 0.0
    assert output.metric("series") == 0.0


def generated(reverse=False):
    """Forty enterprises over two years with noisy values and occasional spikes (the Rust
    test's generator, step for step)."""
    state = 0x5851_F42D

    def next_():
        nonlocal state
        state = (state * 6_364_136_223_846_793_005 + 1_442_695_040_888_963_407) % (1 << 64)
        return (state >> 11) / (1 << 53)

    rows = []
    for e in range(40):
        for m in range(24):
            spike = 8.0 if next_() < 0.05 else 1.0
            water = 50.0 + 10.0 * next_() if next_() > 0.1 else None
            output_value = spike * (500.0 + 100.0 * next_())
            energy = 20.0 + 5.0 * next_()
            electricity = 1e5 * (1.0 + 0.2 * next_())
            electricity *= 0.1 if next_() < 0.03 else 1.0
            employees = 100 + int(next_() * 10.0)
            rows.append((f"E{e:05d}", month(m), output_value, energy, electricity, water, employees))
    if reverse:
        rows.reverse()
    return rows


def test_same_result_for_any_batch_size_row_order_or_string_encoding():
    rows = generated()
    all_ = "output_value,energy_tce,electricity_kwh,water_m3,employees"
    whole = run(rows).param("indicators", all_).run(Anomaly)
    assert whole.metric("anomaly_count") > 10.0
    assert whole.metric("series") == 200.0
    assert run(rows).param("indicators", all_).batch_rows(3).run(Anomaly) == whole
    assert run(generated(reverse=True)).param("indicators", all_).batch_rows(7).run(Anomaly) == whole
    # Strings sent plain (a 0.1.0 host), or plain once a scan's dictionary passes 5 values.
    assert run(rows).param("indicators", all_).dictionary_bound(0).run(Anomaly) == whole
    assert run(rows).param("indicators", all_).batch_rows(3).dictionary_bound(5).run(Anomaly) == whole
