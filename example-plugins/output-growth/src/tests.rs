//! Native runs of the plugin on hand-built data with answers worked out by hand.

use kiln_sdk::testing::TestRun;
use kiln_sdk::{Batch, ColumnData, Error, Output};

use crate::OutputGrowth;

/// `enterprises` rows: enterprise_id, district_id, park_id, industry_code; plus unread columns.
fn enterprises(rows: &[(&str, &str, &str, &str)]) -> Batch {
    Batch::new()
        .with_str("enterprise_id", rows.iter().map(|r| r.0))
        .with_str("name", rows.iter().map(|r| format!("西安{}公司", r.0)))
        .with_str("district", rows.iter().map(|r| format!("{}区", r.1)))
        .with_str("district_id", rows.iter().map(|r| r.1))
        .with_str("park_id", rows.iter().map(|r| r.2))
        .with_str("industry_code", rows.iter().map(|r| r.3))
        .with_bool("opted_in", vec![true; rows.len()])
}

/// `monthly_indicators` rows: enterprise_id, month, output_value (`None` is null).
fn monthly(rows: &[(&str, &str, Option<f64>)]) -> Batch {
    Batch::new()
        .with_str("enterprise_id", rows.iter().map(|r| r.0))
        .with_str("month", rows.iter().map(|r| r.1))
        .with_nullable("output_value", rows.iter().map(|r| r.2).collect(), ColumnData::F64)
        .with_f64("energy_tce", vec![1.0; rows.len()])
}

/// E1 and E2 in district D1, E3 in D2; E1 in park P1, E2 and E3 in P2; E1 and E3 in C36, E2 in C13.
fn directory() -> Batch {
    enterprises(&[("E1", "D1", "P1", "C36"), ("E2", "D1", "P2", "C13"), ("E3", "D2", "P2", "C36")])
}

/// District D1: 2023-01 100, 2023-12 120, 2024-01 150, 2024-02 90. District D2: 2023-12 0,
/// 2024-01 30, 2024-02 45. Rows deliberately out of order.
const ROWS: [(&str, &str, Option<f64>); 11] = [
    ("E3", "2024-02", Some(45.0)),
    ("E1", "2024-01", Some(100.0)),
    ("E2", "2023-01", Some(40.0)),
    ("E1", "2023-12", Some(80.0)),
    ("E2", "2024-02", Some(15.0)),
    ("E3", "2023-12", Some(0.0)),
    ("E1", "2023-01", Some(60.0)),
    ("E2", "2024-01", Some(50.0)),
    ("E3", "2024-01", Some(30.0)),
    ("E1", "2024-02", Some(75.0)),
    ("E2", "2023-12", Some(40.0)),
];

fn run(enterprises: Batch, rows: &[(&str, &str, Option<f64>)]) -> TestRun {
    TestRun::new().dataset("enterprises", enterprises).dataset("monthly_indicators", monthly(rows))
}

fn strings(table: &Batch, column: &str) -> Vec<String> {
    table.str(column).unwrap().iter().map(String::from).collect()
}

/// A nullable f64 column as options.
fn nullable(table: &Batch, column: &str) -> Vec<Option<f64>> {
    let values = table.f64(column).unwrap();
    (0..values.len()).map(|i| table.is_valid(column, i).unwrap().then_some(values[i])).collect()
}

fn assert_close(actual: &[Option<f64>], expected: &[Option<f64>]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        match (a, e) {
            (Some(a), Some(e)) => assert!((a - e).abs() <= 1e-12 * e.abs().max(1.0), "{actual:?} vs {expected:?}"),
            (a, e) => assert_eq!(a, e, "{actual:?} vs {expected:?}"),
        }
    }
}

#[test]
fn sums_districts_and_computes_month_on_month_and_year_on_year_growth() {
    let output = run(directory(), &ROWS).param("level", "district").run::<OutputGrowth>().unwrap();
    let table = output.get_table("growth").unwrap();
    assert_eq!(strings(table, "level"), ["district"; 7]);
    assert_eq!(strings(table, "group"), ["D1", "D1", "D1", "D1", "D2", "D2", "D2"]);
    assert_eq!(strings(table, "month"), ["2023-01", "2023-12", "2024-01", "2024-02", "2023-12", "2024-01", "2024-02"]);
    assert_eq!(table.f64("output_value").unwrap(), &[100.0, 120.0, 150.0, 90.0, 0.0, 30.0, 45.0]);
    // D1 2024-01: (150 − 120) / 120 = 25 % on the month across the year boundary, (150 − 100) / 100 = 50 %
    // on the year. D1 2024-02: −40 % on the month, no 2023-02 to compare with. D2 2024-01 follows a
    // month of 0, so its growth is undefined; D2 2024-02 is +50 %.
    assert_close(&nullable(table, "mom_pct"), &[None, None, Some(25.0), Some(-40.0), None, None, Some(50.0)]);
    assert_close(&nullable(table, "yoy_pct"), &[None, None, Some(50.0), None, None, None, None]);
    assert_eq!(output.get_metric("groups").unwrap(), 2.0);
}

#[test]
fn rolls_up_every_level_sorted_by_level_group_and_month() {
    let output = run(directory(), &ROWS).run::<OutputGrowth>().unwrap();
    let table = output.get_table("growth").unwrap();
    let levels = strings(table, "level");
    let groups = strings(table, "group");
    let mut pairs: Vec<(String, String)> = levels.iter().cloned().zip(groups.iter().cloned()).collect();
    pairs.dedup();
    let expected = [
        ("district", "D1"),
        ("district", "D2"),
        ("industry", "C13"),
        ("industry", "C36"),
        ("park", "P1"),
        ("park", "P2"),
    ];
    assert_eq!(pairs, expected.map(|(l, g)| (l.to_string(), g.to_string())));
    assert_eq!(table.num_rows(), 7 + 8 + 8);
    assert_eq!(output.get_metric("groups").unwrap(), 6.0);

    let rows_of = |level: &str, group: &str| -> Vec<usize> {
        (0..table.num_rows()).filter(|&i| levels[i] == level && groups[i] == group).collect()
    };
    let pick = |rows: &[usize], column: &str| -> Vec<Option<f64>> {
        let all = nullable(table, column);
        rows.iter().map(|&i| all[i]).collect()
    };
    // Industry C36 = E1 + E3: 60, 80, 130, 120.
    let c36 = rows_of("industry", "C36");
    assert_eq!(pick(&c36, "output_value"), [Some(60.0), Some(80.0), Some(130.0), Some(120.0)]);
    assert_close(&pick(&c36, "mom_pct"), &[None, None, Some(62.5), Some(-10.0 / 130.0 * 100.0)]);
    assert_close(&pick(&c36, "yoy_pct"), &[None, None, Some(70.0 / 60.0 * 100.0), None]);
    // Park P2 = E2 + E3: 40, 40, 80, 60.
    let p2 = rows_of("park", "P2");
    assert_eq!(pick(&p2, "output_value"), [Some(40.0), Some(40.0), Some(80.0), Some(60.0)]);
    assert_close(&pick(&p2, "mom_pct"), &[None, None, Some(100.0), Some(-25.0)]);
    assert_close(&pick(&p2, "yoy_pct"), &[None, None, Some(100.0), None]);
}

#[test]
fn a_missing_previous_month_leaves_growth_null() {
    // 2024-03 is missing: 2024-04 has no month-on-month rate; 2025-04 compares with 2024-04 only.
    let rows = [
        ("E1", "2024-02", Some(10.0)),
        ("E1", "2024-04", Some(20.0)),
        ("E1", "2025-03", Some(30.0)),
        ("E1", "2025-04", Some(45.0)),
    ];
    let output = run(directory(), &rows).param("level", "park").run::<OutputGrowth>().unwrap();
    let table = output.get_table("growth").unwrap();
    assert_eq!(strings(table, "month"), ["2024-02", "2024-04", "2025-03", "2025-04"]);
    assert_close(&nullable(table, "mom_pct"), &[None, None, None, Some(50.0)]);
    assert_close(&nullable(table, "yoy_pct"), &[None, None, None, Some(125.0)]);
}

#[test]
fn skips_null_output_unknown_enterprises_and_null_group_keys() {
    let enterprises = Batch::new()
        .with_str("enterprise_id", vec!["E1", "E2"])
        .with_str("district_id", vec!["D1", "D1"])
        .with_nullable_str("park_id", vec![Some("P1".to_string()), None])
        .with_str("industry_code", vec!["C36", "C36"]);
    let rows = [
        ("E1", "2024-01", Some(10.0)),
        ("E2", "2024-01", Some(5.0)),
        ("E1", "2024-02", None),
        ("E9", "2024-01", Some(1000.0)),
    ];
    let (output, log) = run(enterprises, &rows).run_with_log::<OutputGrowth>();
    let output = output.unwrap();
    let table = output.get_table("growth").unwrap();
    assert_eq!(strings(table, "level"), ["district", "industry", "park"]);
    assert_eq!(strings(table, "group"), ["D1", "C36", "P1"]);
    // E2 has no park, so park P1 holds E1 only.
    assert_eq!(table.f64("output_value").unwrap(), &[15.0, 15.0, 10.0]);
    assert!(log.iter().any(|(_, line)| line.contains("1 rows of enterprises not in")), "{log:?}");
}

#[test]
fn reads_only_the_key_column_of_the_chosen_level() {
    // No district or industry column: fine when only parks are asked for.
    let enterprises = Batch::new().with_str("enterprise_id", vec!["E1", "E2"]).with_str("park_id", vec!["P1", "P1"]);
    let rows = [("E1", "2024-01", Some(10.0)), ("E2", "2024-01", Some(5.0))];
    let output = run(enterprises.clone(), &rows).param("level", "park").run::<OutputGrowth>().unwrap();
    assert_eq!(output.get_table("growth").unwrap().f64("output_value").unwrap(), &[15.0]);
    assert!(run(enterprises, &rows).param("level", "district").run::<OutputGrowth>().is_err());
}

#[test]
fn refuses_an_unknown_level() {
    for level in ["county", "", "District", "all,park"] {
        let err = run(directory(), &ROWS).param("level", level).run::<OutputGrowth>().unwrap_err();
        assert!(matches!(err, Error::InvalidParams(_)), "{level:?}: {err}");
    }
}

#[test]
fn refuses_duplicate_enterprises_and_malformed_months() {
    let duplicated = enterprises(&[("E1", "D1", "P1", "C36"), ("E1", "D2", "P2", "C13")]);
    let err = run(duplicated, &ROWS).run::<OutputGrowth>().unwrap_err();
    assert!(matches!(err, Error::InvalidData(_)), "{err}");
    let err = run(directory(), &[("E1", "2024-00", Some(1.0))]).run::<OutputGrowth>().unwrap_err();
    assert!(matches!(err, Error::InvalidData(_)), "{err}");
}

#[test]
fn empty_data_gives_an_empty_table() {
    let output = run(enterprises(&[]), &[]).run::<OutputGrowth>().unwrap();
    assert_eq!(output.get_table("growth").unwrap().num_rows(), 0);
    assert_eq!(output.get_metric("groups").unwrap(), 0.0);
}

/// Sixty enterprises in 4 districts, 7 parks and 5 industries over 26 months, random values.
fn generated(reverse: bool) -> (Batch, Batch) {
    let ids: Vec<String> = (1..=60).map(|i| format!("E{i:05}")).collect();
    let keys: Vec<(String, String, String)> =
        (0..60).map(|i| (format!("6101{:02}", i % 4), format!("P{:02}", i % 7), format!("C{}", 13 + i % 5))).collect();
    let directory: Vec<(&str, &str, &str, &str)> =
        ids.iter().zip(&keys).map(|(id, k)| (id.as_str(), k.0.as_str(), k.1.as_str(), k.2.as_str())).collect();
    let months: Vec<String> = (0..26).map(|m| format!("{}-{:02}", 2023 + m / 12, m % 12 + 1)).collect();
    let mut state = 0x1234_5678_u64;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    let mut rows = Vec::new();
    for id in &ids {
        for month in &months {
            let value = if next() < 0.02 { None } else { Some(1000.0 * next()) };
            rows.push((id.as_str(), month.as_str(), value));
        }
    }
    if reverse {
        rows.reverse();
    }
    (enterprises(&directory), monthly(&rows))
}

#[test]
fn same_result_for_any_batch_size_row_order_or_string_encoding() {
    let (directory, rows) = generated(false);
    let run =
        |rows: Batch| TestRun::new().dataset("enterprises", directory.clone()).dataset("monthly_indicators", rows);
    let whole: Output = run(rows.clone()).run::<OutputGrowth>().unwrap();
    assert_eq!(whole.get_metric("groups").unwrap(), 16.0);
    assert_eq!(whole.get_table("growth").unwrap().num_rows(), 16 * 26);
    assert_eq!(whole, run(rows).batch_rows(3).run::<OutputGrowth>().unwrap());
    let (_, reversed) = generated(true);
    assert_eq!(whole, run(reversed).batch_rows(7).run::<OutputGrowth>().unwrap());
    // Strings sent plain (a 0.1.0 host), or plain once a scan's dictionary passes 5 values.
    let (_, rows) = generated(false);
    assert_eq!(whole, run(rows.clone()).dictionary_bound(0).run::<OutputGrowth>().unwrap());
    assert_eq!(whole, run(rows).batch_rows(3).dictionary_bound(5).run::<OutputGrowth>().unwrap());
}

#[test]
fn accepts_whole_number_output_values_typed_as_integers() {
    // CSV files type whole numbers as s64; the SDK widens them to f64.
    let monthly = Batch::new()
        .with_str("enterprise_id", vec!["E1", "E2", "E1"])
        .with_str("month", vec!["2024-01", "2024-01", "2024-02"])
        .with_s64("output_value", vec![100, 60, 120]);
    let output = TestRun::new()
        .dataset("enterprises", directory())
        .dataset("monthly_indicators", monthly)
        .param("level", "district")
        .run::<OutputGrowth>()
        .unwrap();
    let table = output.get_table("growth").unwrap();
    assert_eq!(table.f64("output_value").unwrap(), &[160.0, 120.0]);
    assert_close(&nullable(table, "mom_pct"), &[None, Some(-25.0)]);
}
