//! Native runs of the plugin on hand-built series with answers worked out by hand.

use kiln_sdk::testing::TestRun;
use kiln_sdk::{Batch, ColumnData, Error, Output};

use crate::{Anomaly, parse_indicators};

/// One monthly row: enterprise_id, month, output_value, energy_tce, electricity_kwh, water_m3,
/// employees; `None` is a null.
type Row = (String, String, Option<f64>, Option<f64>, Option<f64>, Option<f64>, i64);

/// `monthly_indicators` with every column the generator writes.
fn monthly(rows: &[Row]) -> Batch {
    Batch::new()
        .with_str("enterprise_id", rows.iter().map(|r| r.0.clone()))
        .with_str("month", rows.iter().map(|r| r.1.clone()))
        .with_nullable("output_value", rows.iter().map(|r| r.2).collect(), ColumnData::F64)
        .with_f64("revenue", vec![7.0; rows.len()])
        .with_f64("profit", vec![1.0; rows.len()])
        .with_nullable("energy_tce", rows.iter().map(|r| r.3).collect(), ColumnData::F64)
        .with_nullable("electricity_kwh", rows.iter().map(|r| r.4).collect(), ColumnData::F64)
        .with_nullable("water_m3", rows.iter().map(|r| r.5).collect(), ColumnData::F64)
        .with_s64("employees", rows.iter().map(|r| r.6).collect())
}

/// `2024-01`, `2024-02`, … for the `i`-th month from January 2024.
fn month(i: usize) -> String {
    format!("{}-{:02}", 2024 + i / 12, i % 12 + 1)
}

/// A series for one enterprise from January 2024: these output values, flat energy and
/// electricity (so they flag nothing), water 10 and 120 employees.
fn series(id: &str, output_values: &[f64]) -> Vec<Row> {
    output_values
        .iter()
        .enumerate()
        .map(|(i, &v)| (id.to_string(), month(i), Some(v), Some(5.0), Some(100.0), Some(10.0), 120))
        .collect()
}

fn run(rows: &[Row]) -> TestRun {
    TestRun::new().dataset("monthly_indicators", monthly(rows))
}

fn strings(table: &Batch, column: &str) -> Vec<String> {
    table.str(column).unwrap().iter().map(String::from).collect()
}

fn assert_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= 1e-12 * e.abs().max(1.0), "{actual:?} vs {expected:?}");
    }
}

const SPIKE: [f64; 7] = [10.0, 11.0, 9.0, 10.0, 50.0, 10.0, 12.0];

#[test]
fn flags_a_month_far_from_the_enterprise_median() {
    // Median 10; deviations 0 1 1 0 40 0 2 → MAD 1; z(50) = 0.6745 × 40 = 26.98, z(12) = 1.349.
    let output = run(&series("E1", &SPIKE)).run::<Anomaly>().unwrap();
    let table = output.get_table("anomalies").unwrap();
    assert_eq!(strings(table, "enterprise_id"), ["E1"]);
    assert_eq!(strings(table, "month"), ["2024-05"]);
    assert_eq!(strings(table, "indicator"), ["output_value"]);
    assert_eq!(table.f64("value").unwrap(), &[50.0]);
    assert_eq!(table.f64("median").unwrap(), &[10.0]);
    assert_eq!(table.f64("mad").unwrap(), &[1.0]);
    assert_close(table.f64("robust_z").unwrap(), &[26.98]);
    assert_eq!(output.get_metric("anomaly_count").unwrap(), 1.0);
    // Three default indicators for one enterprise.
    assert_eq!(output.get_metric("series").unwrap(), 3.0);
}

#[test]
fn flags_a_drop_with_a_negative_score() {
    // Median 100; deviations 0 1 1 0 98 0 2 → MAD 1; z(2) = 0.6745 × −98 = −66.101.
    let output = run(&series("E1", &[100.0, 101.0, 99.0, 100.0, 2.0, 100.0, 102.0])).run::<Anomaly>().unwrap();
    let table = output.get_table("anomalies").unwrap();
    assert_eq!(table.f64("value").unwrap(), &[2.0]);
    assert_close(table.f64("robust_z").unwrap(), &[-66.101]);
}

#[test]
fn an_even_series_takes_the_mean_of_the_two_middle_values() {
    // Sorted 1 2 3 4 6 100 → median 3.5; deviations 2.5 1.5 0.5 0.5 2.5 96.5 → MAD (1.5 + 2.5) / 2 = 2;
    // z(100) = 0.6745 × 96.5 / 2 = 32.544625.
    let output = run(&series("E1", &[1.0, 2.0, 3.0, 4.0, 100.0, 6.0])).run::<Anomaly>().unwrap();
    let table = output.get_table("anomalies").unwrap();
    assert_eq!(strings(table, "month"), ["2024-05"]);
    assert_eq!(table.f64("median").unwrap(), &[3.5]);
    assert_eq!(table.f64("mad").unwrap(), &[2.0]);
    assert_close(table.f64("robust_z").unwrap(), &[32.544_625]);
}

#[test]
fn a_zero_mad_flags_nothing() {
    // More than half the values are 5: MAD 0, so even 100 is not scored.
    let output = run(&series("E1", &[5.0, 5.0, 5.0, 5.0, 100.0])).run::<Anomaly>().unwrap();
    assert_eq!(output.get_table("anomalies").unwrap().num_rows(), 0);
    assert_eq!(output.get_metric("series").unwrap(), 3.0);
}

#[test]
fn threshold_param_moves_the_cut_off() {
    let at = |threshold: f64| {
        let output = run(&series("E1", &SPIKE)).param("threshold", threshold).run::<Anomaly>().unwrap();
        strings(output.get_table("anomalies").unwrap(), "month")
    };
    assert_eq!(at(27.0), Vec::<String>::new());
    assert_eq!(at(26.0), ["2024-05"]);
    // z(12) = 1.349 and z(9) = z(11) = ±0.6745.
    assert_eq!(at(1.0), ["2024-05", "2024-07"]);
    assert_eq!(at(0.5), ["2024-02", "2024-03", "2024-05", "2024-07"]);
}

#[test]
fn each_enterprise_is_compared_with_its_own_history() {
    // Pooled, E2's values would all stand out against E1's; alone, each series is calm.
    let mut rows = series("E1", &[10.0, 11.0, 9.0, 10.0, 11.0]);
    rows.extend(series("E2", &[1000.0, 1010.0, 990.0, 1000.0, 1005.0]));
    let output = run(&rows).run::<Anomaly>().unwrap();
    assert_eq!(output.get_table("anomalies").unwrap().num_rows(), 0);
    assert_eq!(output.get_metric("series").unwrap(), 6.0);
}

#[test]
fn sorts_by_enterprise_month_and_indicator() {
    // Both enterprises spike in output value and electricity in 2024-05; E2 also in 2024-02.
    let mut rows = Vec::new();
    for (id, extra) in [("E2", Some(1)), ("E1", None)] {
        for (i, &v) in SPIKE.iter().enumerate() {
            let electricity = if i == 4 || Some(i) == extra { 5000.0 } else { 100.0 + i as f64 };
            let output = if Some(i) == extra { 90.0 } else { v };
            rows.push((id.to_string(), month(i), Some(output), Some(5.0), Some(electricity), None, 10));
        }
    }
    rows.reverse();
    let output = run(&rows).run::<Anomaly>().unwrap();
    let table = output.get_table("anomalies").unwrap();
    assert_eq!(strings(table, "enterprise_id"), ["E1", "E1", "E2", "E2", "E2", "E2"]);
    assert_eq!(strings(table, "month"), ["2024-05", "2024-05", "2024-02", "2024-02", "2024-05", "2024-05"]);
    assert_eq!(
        strings(table, "indicator"),
        ["electricity_kwh", "output_value", "electricity_kwh", "output_value", "electricity_kwh", "output_value"]
    );
    assert_eq!(output.get_metric("anomaly_count").unwrap(), 6.0);
}

#[test]
fn skips_null_values_and_rows_without_keys() {
    // Water: nulls skipped, leaving 10 10 11 9 40 → median 10, deviations 0 0 1 1 30 → MAD 1.
    let water = [Some(10.0), None, Some(10.0), Some(11.0), None, Some(9.0), Some(40.0)];
    let mut rows: Vec<Row> = water
        .iter()
        .enumerate()
        .map(|(i, &w)| ("E1".to_string(), month(i), Some(1.0), Some(1.0), Some(1.0), w, 10))
        .collect();
    rows.push(("E1".to_string(), month(8), None, None, None, None, 10));
    let mut data = monthly(&rows);
    // One more row with a null enterprise_id and a huge value: it must count nowhere.
    let extra = Batch::new()
        .with_nullable_str("enterprise_id", vec![None::<String>])
        .with_str("month", vec!["2024-01"])
        .with_nullable("output_value", vec![Some(1.0)], ColumnData::F64)
        .with_f64("revenue", vec![7.0])
        .with_f64("profit", vec![1.0])
        .with_nullable("energy_tce", vec![Some(1.0)], ColumnData::F64)
        .with_nullable("electricity_kwh", vec![Some(1.0)], ColumnData::F64)
        .with_nullable("water_m3", vec![Some(1e9)], ColumnData::F64)
        .with_s64("employees", vec![10]);
    data = concat(data, extra);

    let output =
        TestRun::new().dataset("monthly_indicators", data).param("indicators", "water_m3").run::<Anomaly>().unwrap();
    let table = output.get_table("anomalies").unwrap();
    assert_eq!(strings(table, "month"), ["2024-07"]);
    assert_eq!(strings(table, "indicator"), ["water_m3"]);
    assert_eq!((table.f64("median").unwrap(), table.f64("mad").unwrap()), (&[10.0][..], &[1.0][..]));
    assert_close(table.f64("robust_z").unwrap(), &[0.6745 * 30.0]);
    assert_eq!(output.get_metric("series").unwrap(), 1.0);
}

/// Appends `more`'s rows to `batch` (same columns, same order).
fn concat(batch: Batch, more: Batch) -> Batch {
    let columns = batch
        .into_columns()
        .into_iter()
        .zip(more.into_columns())
        .map(|(mut a, b)| {
            let rows = a.data.len();
            let mut validity = a.validity.take().unwrap_or_else(|| vec![true; rows]);
            validity.extend(b.validity.unwrap_or_else(|| vec![true; b.data.len()]));
            a.data = match (a.data, b.data) {
                (ColumnData::F64(mut x), ColumnData::F64(y)) => {
                    x.extend(y);
                    ColumnData::F64(x)
                }
                (ColumnData::S64(mut x), ColumnData::S64(y)) => {
                    x.extend(y);
                    ColumnData::S64(x)
                }
                (ColumnData::String(mut x), ColumnData::String(y)) => {
                    x.extend_from(&y);
                    ColumnData::String(x)
                }
                other => panic!("unexpected columns {other:?}"),
            };
            a.validity = Some(validity);
            a
        })
        .collect();
    Batch::from_columns(columns).unwrap()
}

#[test]
fn screens_the_integer_employees_column() {
    let rows: Vec<Row> = [100, 101, 99, 100, 100, 160]
        .iter()
        .enumerate()
        .map(|(i, &e)| ("E1".to_string(), month(i), Some(1.0), Some(1.0), Some(1.0), None, e))
        .collect();
    // Median 100; deviations 0 1 1 0 0 60 → MAD 0.5; z(160) = 0.6745 × 60 / 0.5 = 80.94.
    let output = run(&rows).param("indicators", "employees").run::<Anomaly>().unwrap();
    let table = output.get_table("anomalies").unwrap();
    assert_eq!(table.f64("value").unwrap(), &[160.0]);
    assert_eq!(table.f64("mad").unwrap(), &[0.5]);
    assert_close(table.f64("robust_z").unwrap(), &[80.94]);
}

#[test]
fn indicators_are_trimmed_deduplicated_and_sorted() {
    assert_eq!(parse_indicators(" revenue ,profit,revenue,").unwrap(), ["profit", "revenue"]);
    assert_eq!(
        parse_indicators("output_value,energy_tce,electricity_kwh").unwrap(),
        ["electricity_kwh", "energy_tce", "output_value"]
    );
}

#[test]
fn refuses_unknown_or_missing_indicators() {
    for indicators in ["steel_t", "output_value,steel_t", "", " , ", "name"] {
        let err = run(&series("E1", &SPIKE)).param("indicators", indicators).run::<Anomaly>().unwrap_err();
        assert!(matches!(err, Error::InvalidParams(_)), "{indicators:?}: {err}");
    }
    let err = run(&series("E1", &SPIKE)).param("indicators", "steel_t").run::<Anomaly>().unwrap_err();
    assert!(err.to_string().contains("steel_t"), "{err}");
}

#[test]
fn refuses_a_negative_threshold_and_malformed_months() {
    let err = run(&series("E1", &SPIKE)).param("threshold", -1.0).run::<Anomaly>().unwrap_err();
    assert!(matches!(err, Error::InvalidParams(_)), "{err}");
    let mut rows = series("E1", &SPIKE);
    rows[3].1 = "2024-4".to_string();
    let err = run(&rows).run::<Anomaly>().unwrap_err();
    assert!(matches!(err, Error::InvalidData(_)), "{err}");
}

#[test]
fn empty_data_gives_an_empty_table() {
    let output = run(&[]).run::<Anomaly>().unwrap();
    assert_eq!(output.get_table("anomalies").unwrap().num_rows(), 0);
    assert_eq!(output.get_metric("anomaly_count").unwrap(), 0.0);
    assert_eq!(output.get_metric("series").unwrap(), 0.0);
}

/// Forty enterprises over two years with noisy values and occasional spikes.
fn generated(reverse: bool) -> Vec<Row> {
    let mut state = 0x5851_f42d_u64;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    let mut rows = Vec::new();
    for e in 0..40 {
        for m in 0..24 {
            let spike = if next() < 0.05 { 8.0 } else { 1.0 };
            let water = (next() > 0.1).then(|| 50.0 + 10.0 * next());
            rows.push((
                format!("E{e:05}"),
                month(m),
                Some(spike * (500.0 + 100.0 * next())),
                Some(20.0 + 5.0 * next()),
                Some(1e5 * (1.0 + 0.2 * next()) * if next() < 0.03 { 0.1 } else { 1.0 }),
                water,
                100 + (next() * 10.0) as i64,
            ));
        }
    }
    if reverse {
        rows.reverse();
    }
    rows
}

#[test]
fn same_result_for_any_batch_size_row_order_or_string_encoding() {
    let rows = generated(false);
    let all = "output_value,energy_tce,electricity_kwh,water_m3,employees";
    let whole: Output = run(&rows).param("indicators", all).run::<Anomaly>().unwrap();
    assert!(whole.get_metric("anomaly_count").unwrap() > 10.0);
    assert_eq!(whole.get_metric("series").unwrap(), 200.0);
    assert_eq!(whole, run(&rows).param("indicators", all).batch_rows(3).run::<Anomaly>().unwrap());
    let reversed = generated(true);
    assert_eq!(whole, run(&reversed).param("indicators", all).batch_rows(7).run::<Anomaly>().unwrap());
    // Strings sent plain (a 0.1.0 host), or plain once a scan's dictionary passes 5 values.
    assert_eq!(whole, run(&rows).param("indicators", all).dictionary_bound(0).run::<Anomaly>().unwrap());
    let mixed = run(&rows).param("indicators", all).batch_rows(3).dictionary_bound(5).run::<Anomaly>().unwrap();
    assert_eq!(whole, mixed);
}
