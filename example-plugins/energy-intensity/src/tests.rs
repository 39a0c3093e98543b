//! Native runs of the plugin on hand-built data with answers worked out by hand.

use kiln_sdk::testing::TestRun;
use kiln_sdk::{Batch, ColumnData, Error, Output};

use crate::EnergyIntensity;

/// `enterprises` with the columns the plugin reads plus one it ignores.
fn enterprises(rows: &[(&str, &str)]) -> Batch {
    Batch::new()
        .with_str("enterprise_id", rows.iter().map(|r| r.0))
        .with_str("name", rows.iter().map(|r| format!("企业{}", r.0)))
        .with_str("industry_code", rows.iter().map(|r| r.1))
}

/// `monthly_indicators` rows: (enterprise_id, month, output_value, energy_tce), nulls as `None`.
fn monthly_nullable(rows: &[(&str, &str, Option<f64>, Option<f64>)]) -> Batch {
    Batch::new()
        .with_str("enterprise_id", rows.iter().map(|r| r.0))
        .with_str("month", rows.iter().map(|r| r.1))
        .with_nullable("output_value", rows.iter().map(|r| r.2).collect(), ColumnData::F64)
        .with_nullable("energy_tce", rows.iter().map(|r| r.3).collect(), ColumnData::F64)
        .with_f64("revenue", vec![1.0; rows.len()])
}

/// `monthly_indicators` rows without nulls: (enterprise_id, month, output_value, energy_tce).
fn monthly(rows: &[(&str, &str, f64, f64)]) -> Batch {
    let rows: Vec<_> = rows.iter().map(|&(e, m, o, t)| (e, m, Some(o), Some(t))).collect();
    monthly_nullable(&rows)
}

fn run(enterprises: Batch, monthly: Batch) -> TestRun {
    TestRun::new().dataset("enterprises", enterprises).dataset("monthly_indicators", monthly)
}

fn strings(table: &Batch, column: &str) -> Vec<String> {
    table.str(column).unwrap().iter().map(String::from).collect()
}

/// The nullable `ratio_to_median` column as options.
fn ratios(table: &Batch) -> Vec<Option<f64>> {
    let values = table.f64("ratio_to_median").unwrap();
    (0..values.len()).map(|i| table.is_valid("ratio_to_median", i).unwrap().then_some(values[i])).collect()
}

fn assert_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= 1e-12 * e.abs().max(1.0), "{actual:?} vs {expected:?}");
    }
}

/// One industry, one month: intensities 8/64, 16/64, 48/64 = 0.125, 0.25, 0.75.
fn three_peers() -> TestRun {
    run(
        enterprises(&[("E00001", "C36"), ("E00002", "C36"), ("E00003", "C36")]),
        monthly(&[
            ("E00003", "2024-01", 64.0, 48.0),
            ("E00001", "2024-01", 64.0, 8.0),
            ("E00002", "2024-01", 64.0, 16.0),
        ]),
    )
}

#[test]
fn flags_enterprise_far_above_its_industry_median() {
    let output = three_peers().run::<EnergyIntensity>().unwrap();
    let table = output.get_table("intensity").unwrap();
    assert_eq!(strings(table, "enterprise_id"), ["E00001", "E00002", "E00003"]);
    assert_eq!(strings(table, "month"), ["2024-01"; 3]);
    assert_eq!(strings(table, "industry_code"), ["C36"; 3]);
    assert_eq!(table.f64("intensity").unwrap(), &[0.125, 0.25, 0.75]);
    assert_eq!(table.f64("industry_median").unwrap(), &[0.25; 3]);
    assert_eq!(ratios(table), [Some(0.5), Some(1.0), Some(3.0)]);
    assert_eq!(table.bool("flagged").unwrap(), &[false, false, true]);
    assert_eq!(output.get_metric("flagged_rows").unwrap(), 1.0);
    assert_eq!(output.get_metric("enterprises").unwrap(), 3.0);
}

#[test]
fn ratio_param_moves_the_flag_threshold() {
    // 0.75 is exactly 3 × 0.25: not strictly above, so not flagged at ratio 3.
    let at_three = three_peers().param("ratio", 3.0).run::<EnergyIntensity>().unwrap();
    assert_eq!(at_three.get_table("intensity").unwrap().bool("flagged").unwrap(), &[false, false, false]);
    let below_three = three_peers().param("ratio", 2.9).run::<EnergyIntensity>().unwrap();
    assert_eq!(below_three.get_table("intensity").unwrap().bool("flagged").unwrap(), &[false, false, true]);
    let low = three_peers().param("ratio", 0.75).run::<EnergyIntensity>().unwrap();
    assert_eq!(low.get_table("intensity").unwrap().bool("flagged").unwrap(), &[false, true, true]);
    assert_eq!(low.get_metric("flagged_rows").unwrap(), 2.0);
}

#[test]
fn median_of_an_even_count_is_the_mean_of_the_two_middle_values() {
    // Intensities 0.125, 0.25, 0.5, 1.0: median (0.25 + 0.5) / 2 = 0.375; threshold 1.5 × 0.375 = 0.5625.
    let output = run(
        enterprises(&[("E1", "C36"), ("E2", "C36"), ("E3", "C36"), ("E4", "C36")]),
        monthly(&[
            ("E1", "2024-03", 8.0, 1.0),
            ("E2", "2024-03", 8.0, 2.0),
            ("E3", "2024-03", 8.0, 4.0),
            ("E4", "2024-03", 8.0, 8.0),
        ]),
    )
    .run::<EnergyIntensity>()
    .unwrap();
    let table = output.get_table("intensity").unwrap();
    assert_eq!(table.f64("industry_median").unwrap(), &[0.375; 4]);
    let ratios: Vec<f64> = ratios(table).into_iter().flatten().collect();
    assert_close(&ratios, &[1.0 / 3.0, 2.0 / 3.0, 4.0 / 3.0, 8.0 / 3.0]);
    assert_eq!(table.bool("flagged").unwrap(), &[false, false, false, true]);
}

#[test]
fn compares_each_enterprise_only_with_its_own_industry_and_month() {
    // C36 in 2024-01: 0.5 and 1.5 → median 1.0. C13 in 2024-01: 4.0 alone → median 4.0.
    // C36 in 2024-02: 0.25 and 0.75 → median 0.5.
    let output = run(
        enterprises(&[("E1", "C36"), ("E2", "C36"), ("E3", "C13")]),
        monthly(&[
            ("E1", "2024-02", 4.0, 1.0),
            ("E3", "2024-01", 1.0, 4.0),
            ("E2", "2024-01", 2.0, 3.0),
            ("E1", "2024-01", 2.0, 1.0),
            ("E2", "2024-02", 4.0, 3.0),
        ]),
    )
    .run::<EnergyIntensity>()
    .unwrap();
    let table = output.get_table("intensity").unwrap();
    assert_eq!(strings(table, "enterprise_id"), ["E1", "E1", "E2", "E2", "E3"]);
    assert_eq!(strings(table, "month"), ["2024-01", "2024-02", "2024-01", "2024-02", "2024-01"]);
    assert_eq!(strings(table, "industry_code"), ["C36", "C36", "C36", "C36", "C13"]);
    assert_eq!(table.f64("intensity").unwrap(), &[0.5, 0.25, 1.5, 0.75, 4.0]);
    assert_eq!(table.f64("industry_median").unwrap(), &[1.0, 0.5, 1.0, 0.5, 4.0]);
    assert_eq!(ratios(table), [Some(0.5), Some(0.5), Some(1.5), Some(1.5), Some(1.0)]);
    // 1.5 is not strictly above 1.5 × median.
    assert_eq!(table.bool("flagged").unwrap(), &[false; 5]);
}

#[test]
fn skips_null_inputs_non_positive_output_and_unknown_enterprises() {
    let output = run(
        enterprises(&[("E1", "C36"), ("E2", "C36")]),
        monthly_nullable(&[
            ("E1", "2024-01", Some(4.0), Some(2.0)),
            ("E2", "2024-01", Some(4.0), None),
            ("E2", "2024-02", None, Some(1.0)),
            ("E2", "2024-03", Some(0.0), Some(1.0)),
            ("E2", "2024-04", Some(-5.0), Some(1.0)),
            ("E9", "2024-01", Some(4.0), Some(40.0)),
        ]),
    )
    .run::<EnergyIntensity>()
    .unwrap();
    let table = output.get_table("intensity").unwrap();
    assert_eq!(strings(table, "enterprise_id"), ["E1"]);
    assert_eq!(table.f64("intensity").unwrap(), &[0.5]);
    // Alone in its industry-month, E1 is its own median.
    assert_eq!(table.f64("industry_median").unwrap(), &[0.5]);
    assert_eq!(output.get_metric("enterprises").unwrap(), 1.0);
}

#[test]
fn null_enterprise_ids_and_industries_are_left_out() {
    let enterprises = Batch::new()
        .with_nullable_str("enterprise_id", vec![Some("E1".to_string()), None, Some("E3".into())])
        .with_nullable_str("industry_code", vec![Some("C36".to_string()), Some("C36".into()), None]);
    let monthly = Batch::new()
        .with_nullable_str("enterprise_id", vec![Some("E1".to_string()), Some("E3".into()), None])
        .with_str("month", vec!["2024-01"; 3])
        .with_f64("output_value", vec![2.0; 3])
        .with_f64("energy_tce", vec![1.0; 3]);
    let (output, log) = run(enterprises, monthly).run_with_log::<EnergyIntensity>();
    let output = output.unwrap();
    assert_eq!(strings(output.get_table("intensity").unwrap(), "enterprise_id"), ["E1"]);
    assert!(log.iter().any(|(_, line)| line.contains("without a known industry")), "{log:?}");
}

#[test]
fn a_zero_median_leaves_the_ratio_null_and_the_row_unflagged() {
    // Two of three enterprises used no energy: the median is 0.
    let output = run(
        enterprises(&[("E1", "C36"), ("E2", "C36"), ("E3", "C36")]),
        monthly(&[("E1", "2024-01", 1.0, 0.0), ("E2", "2024-01", 1.0, 0.0), ("E3", "2024-01", 1.0, 5.0)]),
    )
    .run::<EnergyIntensity>()
    .unwrap();
    let table = output.get_table("intensity").unwrap();
    assert_eq!(table.f64("industry_median").unwrap(), &[0.0; 3]);
    assert_eq!(ratios(table), [None, None, None]);
    assert_eq!(table.bool("flagged").unwrap(), &[false; 3]);
    assert_eq!(output.get_table("worst").unwrap().num_rows(), 0);
    assert_eq!(output.get_metric("enterprises").unwrap(), 3.0);
}

#[test]
fn worst_lists_the_top_enterprises_by_mean_ratio_ties_by_id() {
    // Two industries of two enterprises over two months, every median the mean of the pair:
    //   C36 2024-01: E1 0.5, E2 1.5 (median 1) ; 2024-02: E1 3.0, E2 1.0 (median 2)
    //   C13 2024-01: E3 1.0, E4 3.0 (median 2) ; 2024-02: E3 2.0, E4 2.0 (median 2)
    // Ratios: E1 0.5, 1.5 → 1.0 ; E2 1.5, 0.5 → 1.0 ; E3 0.5, 1.0 → 0.75 ; E4 1.5, 1.0 → 1.25.
    let enterprises = enterprises(&[("E4", "C13"), ("E3", "C13"), ("E2", "C36"), ("E1", "C36")]);
    let monthly = monthly(&[
        ("E1", "2024-01", 2.0, 1.0),
        ("E2", "2024-01", 2.0, 3.0),
        ("E1", "2024-02", 1.0, 3.0),
        ("E2", "2024-02", 1.0, 1.0),
        ("E3", "2024-01", 1.0, 1.0),
        ("E4", "2024-01", 1.0, 3.0),
        ("E3", "2024-02", 1.0, 2.0),
        ("E4", "2024-02", 1.0, 2.0),
    ]);
    let output = run(enterprises.clone(), monthly.clone())
        .param("top", 3_i64)
        .param("ratio", 1.4)
        .run::<EnergyIntensity>()
        .unwrap();
    let worst = output.get_table("worst").unwrap();
    assert_eq!(strings(worst, "enterprise_id"), ["E4", "E1", "E2"]);
    assert_eq!(strings(worst, "industry_code"), ["C13", "C36", "C36"]);
    assert_eq!(worst.f64("mean_ratio").unwrap(), &[1.25, 1.0, 1.0]);
    // At ratio 1.4 the rows with ratio 1.5 are flagged: E4 in 2024-01, E1 in 2024-02, E2 in 2024-01.
    assert_eq!(worst.s64("flagged_months").unwrap(), &[1, 1, 1]);
    assert_eq!(output.get_metric("flagged_rows").unwrap(), 3.0);

    let all = run(enterprises.clone(), monthly.clone()).run::<EnergyIntensity>().unwrap();
    assert_eq!(strings(all.get_table("worst").unwrap(), "enterprise_id"), ["E4", "E1", "E2", "E3"]);
    let none = run(enterprises, monthly).param("top", 0_i64).run::<EnergyIntensity>().unwrap();
    assert_eq!(none.get_table("worst").unwrap().num_rows(), 0);
}

#[test]
fn refuses_a_non_positive_ratio_and_a_negative_top() {
    for ratio in [0.0, -1.5] {
        let err = three_peers().param("ratio", ratio).run::<EnergyIntensity>().unwrap_err();
        assert!(matches!(err, Error::InvalidParams(_)), "{err}");
    }
    let err = three_peers().param("top", -1_i64).run::<EnergyIntensity>().unwrap_err();
    assert!(matches!(err, Error::InvalidParams(_)), "{err}");
    let err = three_peers().param("top", 2.0).run::<EnergyIntensity>().unwrap_err();
    assert!(matches!(err, Error::InvalidParams(_)), "{err}");
}

#[test]
fn refuses_malformed_months_and_duplicate_enterprises() {
    for month in ["2024-13", "2024/01", "24-01", "2024-1"] {
        let err = run(enterprises(&[("E1", "C36")]), monthly(&[("E1", month, 1.0, 1.0)]))
            .run::<EnergyIntensity>()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidData(_)), "{month}: {err}");
    }
    let err = run(enterprises(&[("E1", "C36"), ("E1", "C13")]), monthly(&[])).run::<EnergyIntensity>().unwrap_err();
    assert!(matches!(err, Error::InvalidData(_)), "{err}");
}

#[test]
fn empty_data_gives_empty_tables() {
    let output = run(enterprises(&[]), monthly(&[])).run::<EnergyIntensity>().unwrap();
    assert_eq!(output.get_table("intensity").unwrap().num_rows(), 0);
    assert_eq!(output.get_table("worst").unwrap().num_rows(), 0);
    assert_eq!(output.get_metric("flagged_rows").unwrap(), 0.0);
    assert_eq!(output.get_metric("enterprises").unwrap(), 0.0);
}

/// A few hundred pseudo-random rows over three industries and fourteen months.
fn generated(reverse: bool) -> (Batch, Batch) {
    let ids: Vec<String> = (1..=30).map(|i| format!("E{i:05}")).collect();
    let codes = ["C36", "C13", "C26"];
    let enterprise_rows: Vec<(&str, &str)> =
        ids.iter().enumerate().map(|(i, id)| (id.as_str(), codes[i % 3])).collect();
    let months: Vec<String> = (0..14).map(|m| format!("{}-{:02}", 2023 + m / 12, m % 12 + 1)).collect();
    let mut state = 0x2545_f491_u64;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    let mut rows = Vec::new();
    for id in &ids {
        for month in &months {
            rows.push((id.as_str(), month.as_str(), 100.0 + 900.0 * next(), 5.0 + 50.0 * next()));
        }
    }
    if reverse {
        rows.reverse();
    }
    (enterprises(&enterprise_rows), monthly(&rows))
}

#[test]
fn same_result_for_any_batch_size_row_order_or_string_encoding() {
    let (enterprises, rows) = generated(false);
    let whole: Output = run(enterprises.clone(), rows.clone()).run::<EnergyIntensity>().unwrap();
    assert_eq!(whole.get_table("intensity").unwrap().num_rows(), 30 * 14);
    assert_eq!(whole.get_table("worst").unwrap().num_rows(), 20);
    let small = run(enterprises.clone(), rows).batch_rows(3).run::<EnergyIntensity>().unwrap();
    assert_eq!(whole, small);
    let (_, reversed) = generated(true);
    let reversed = run(enterprises.clone(), reversed).batch_rows(7).run::<EnergyIntensity>().unwrap();
    assert_eq!(whole, reversed);
    // Strings sent plain (a 0.1.0 host), or plain once a scan's dictionary passes 5 values.
    let (_, rows) = generated(false);
    let plain = run(enterprises.clone(), rows.clone()).dictionary_bound(0).run::<EnergyIntensity>().unwrap();
    assert_eq!(whole, plain);
    let mixed = run(enterprises, rows).batch_rows(3).dictionary_bound(5).run::<EnergyIntensity>().unwrap();
    assert_eq!(whole, mixed);
}

#[test]
fn describes_its_defaults_and_datasets() {
    use kiln_sdk::Plugin;
    let info = EnergyIntensity::info();
    assert_eq!(info.name, "energy-intensity");
    let default = |name: &str| info.params.iter().find(|p| p.name == name).and_then(|p| p.default.clone());
    assert_eq!(default("ratio"), Some(1.5.into()));
    assert_eq!(default("top"), Some(20_i64.into()));
    let monthly = info.datasets.iter().find(|d| d.name == "monthly_indicators").unwrap();
    assert_eq!(monthly.columns, ["enterprise_id", "month", "output_value", "energy_tce"]);
}
