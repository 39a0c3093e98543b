//! Native runs of the plugin on hand-built telemetry with answers worked out by hand.

use kiln_sdk::testing::TestRun;
use kiln_sdk::{Batch, Error};

use crate::Oee;

/// One telemetry row: machine, enterprise, planned_min, run_min, ideal_cycle_s, total, good.
type Row<'a> = (&'a str, &'a str, f64, f64, f64, i64, i64);

const DAY_NS: i64 = 86_400_000_000_000;

/// `equipment_telemetry` with every column the generator writes, including unread ones.
fn telemetry(rows: &[Row]) -> Batch {
    Batch::new()
        .with_str("machine_id", rows.iter().map(|r| r.0))
        .with_str("enterprise_id", rows.iter().map(|r| r.1))
        .with_timestamp("ts", (0..rows.len() as i64).map(|i| 1_704_067_200_000_000_000 + i * DAY_NS).collect())
        .with_str("state", vec!["running"; rows.len()])
        .with_f64("planned_min", rows.iter().map(|r| r.2).collect())
        .with_f64("run_min", rows.iter().map(|r| r.3).collect())
        .with_f64("ideal_cycle_s", rows.iter().map(|r| r.4).collect())
        .with_s64("total_count", rows.iter().map(|r| r.5).collect())
        .with_s64("good_count", rows.iter().map(|r| r.6).collect())
}

fn run(rows: &[Row]) -> TestRun {
    TestRun::new().dataset("equipment_telemetry", telemetry(rows))
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

/// M1 over two days: planned 960, run 840 → availability 0.875;
/// 1260 units at 30 s = 630 ideal minutes → performance 0.75; 1134 good → quality 0.9.
const M1: [Row; 2] = [("M1", "E1", 480.0, 400.0, 30.0, 600, 560), ("M1", "E1", 480.0, 440.0, 30.0, 660, 574)];

/// M2: planned 40, run 40 → 1.0; 20 units at 60 s = 20 minutes → 0.5; all good → 1.0.
const M2: Row = ("M2", "E1", 40.0, 40.0, 60.0, 20, 20);

#[test]
fn computes_oee_per_machine_from_summed_minutes_and_counts() {
    let output = run(&M1).run::<Oee>().unwrap();
    let table = output.get_table("by_machine").unwrap();
    assert_eq!(strings(table, "machine_id"), ["M1"]);
    assert_eq!(strings(table, "enterprise_id"), ["E1"]);
    assert_eq!(table.f64("availability").unwrap(), &[0.875]);
    assert_eq!(table.f64("performance").unwrap(), &[0.75]);
    assert_eq!(table.f64("quality").unwrap(), &[0.9]);
    assert_close(table.f64("oee").unwrap(), &[0.590_625]);
    assert_close(&[output.get_metric("fleet_oee").unwrap()], &[0.590_625]);
    assert_eq!(output.get_metric("machines").unwrap(), 1.0);
}

#[test]
fn enterprise_figures_pool_machine_sums_rather_than_averaging_ratios() {
    let output = run(&[M1[0], M2, M1[1]]).run::<Oee>().unwrap();
    let machines = output.get_table("by_machine").unwrap();
    assert_eq!(strings(machines, "machine_id"), ["M1", "M2"]);
    assert_eq!(machines.f64("availability").unwrap(), &[0.875, 1.0]);
    assert_eq!(machines.f64("performance").unwrap(), &[0.75, 0.5]);
    assert_eq!(machines.f64("quality").unwrap(), &[0.9, 1.0]);
    assert_close(machines.f64("oee").unwrap(), &[0.590_625, 0.5]);

    // Pooled: planned 1000, run 880, ideal 650 minutes, 1280 units of which 1154 good.
    let enterprises = output.get_table("by_enterprise").unwrap();
    assert_eq!(strings(enterprises, "enterprise_id"), ["E1"]);
    assert_eq!(enterprises.s64("machines").unwrap(), &[2]);
    let (a, p, q) = (880.0 / 1000.0, 650.0 / 880.0, 1154.0 / 1280.0);
    assert_close(enterprises.f64("availability").unwrap(), &[a]);
    assert_close(enterprises.f64("performance").unwrap(), &[p]);
    assert_close(enterprises.f64("quality").unwrap(), &[q]);
    assert_close(enterprises.f64("oee").unwrap(), &[a * p * q]);
    assert_close(&[output.get_metric("fleet_oee").unwrap()], &[a * p * q]);
}

#[test]
fn performance_is_capped_and_missing_time_or_output_gives_zero() {
    let output = run(&[
        // 20 units at 60 s is 20 ideal minutes in 10 run minutes: performance 2, capped at 1.
        ("M4", "E2", 10.0, 10.0, 60.0, 20, 15),
        // Planned but never ran or produced: availability, performance and quality all 0.
        ("M3", "E2", 30.0, 0.0, 60.0, 0, 0),
        // No planned time at all.
        ("M5", "E2", 0.0, 0.0, 60.0, 0, 0),
    ])
    .run::<Oee>()
    .unwrap();
    let table = output.get_table("by_machine").unwrap();
    assert_eq!(strings(table, "machine_id"), ["M3", "M4", "M5"]);
    assert_eq!(table.f64("availability").unwrap(), &[0.0, 1.0, 0.0]);
    assert_eq!(table.f64("performance").unwrap(), &[0.0, 1.0, 0.0]);
    assert_eq!(table.f64("quality").unwrap(), &[0.0, 0.75, 0.0]);
    assert_eq!(table.f64("oee").unwrap(), &[0.0, 0.75, 0.0]);
    // The enterprise: planned 40, run 10 → 0.25; performance 2 capped → 1; quality 0.75.
    let enterprises = output.get_table("by_enterprise").unwrap();
    assert_eq!(enterprises.s64("machines").unwrap(), &[3]);
    assert_eq!(enterprises.f64("oee").unwrap(), &[0.1875]);
}

#[test]
fn sorts_machines_and_enterprises_by_id() {
    let row = |m, e| (m, e, 60.0, 30.0, 60.0, 30, 30);
    let output = run(&[row("M9", "E3"), row("M10", "E1"), row("M2", "E3"), row("M1", "E2")]).run::<Oee>().unwrap();
    let machines = output.get_table("by_machine").unwrap();
    assert_eq!(strings(machines, "machine_id"), ["M1", "M10", "M2", "M9"]);
    assert_eq!(strings(machines, "enterprise_id"), ["E2", "E1", "E3", "E3"]);
    let enterprises = output.get_table("by_enterprise").unwrap();
    assert_eq!(strings(enterprises, "enterprise_id"), ["E1", "E2", "E3"]);
    assert_eq!(enterprises.s64("machines").unwrap(), &[1, 1, 2]);
    assert_eq!(enterprises.f64("oee").unwrap(), &[0.5; 3]);
}

#[test]
fn min_planned_min_leaves_machines_out_of_every_figure() {
    let rows = [M1[0], M1[1], M2, ("M7", "E7", 50.0, 25.0, 60.0, 25, 25)];
    let output = run(&rows).param("min_planned_min", 100.0).run::<Oee>().unwrap();
    assert_eq!(strings(output.get_table("by_machine").unwrap(), "machine_id"), ["M1"]);
    let enterprises = output.get_table("by_enterprise").unwrap();
    assert_eq!(strings(enterprises, "enterprise_id"), ["E1"]);
    assert_eq!(enterprises.s64("machines").unwrap(), &[1]);
    assert_eq!(enterprises.f64("availability").unwrap(), &[0.875]);
    assert_eq!(output.get_metric("machines").unwrap(), 1.0);
    assert_close(&[output.get_metric("fleet_oee").unwrap()], &[0.590_625]);

    // A machine with exactly the minimum stays.
    let output = run(&rows).param("min_planned_min", 40.0).run::<Oee>().unwrap();
    assert_eq!(output.get_metric("machines").unwrap(), 3.0);
}

#[test]
fn skips_rows_with_nulls() {
    let mut data = telemetry(&[M1[0], M1[1], ("M1", "E1", 480.0, 480.0, 30.0, 999, 999)]);
    // Null the third row's run_min: the row counts nowhere.
    let columns = data
        .into_columns()
        .into_iter()
        .map(|mut c| {
            if c.name == "run_min" {
                c.validity = Some(vec![true, true, false]);
            }
            c
        })
        .collect();
    data = Batch::from_columns(columns).unwrap();
    let output = TestRun::new().dataset("equipment_telemetry", data).run::<Oee>().unwrap();
    let table = output.get_table("by_machine").unwrap();
    assert_eq!(table.f64("availability").unwrap(), &[0.875]);
    assert_eq!(table.f64("quality").unwrap(), &[0.9]);
}

#[test]
fn null_machine_ids_are_skipped() {
    let data = Batch::new()
        .with_nullable_str("machine_id", vec![Some("M1".to_string()), None])
        .with_str("enterprise_id", vec!["E1", "E1"])
        .with_f64("planned_min", vec![100.0, 100.0])
        .with_f64("run_min", vec![50.0, 100.0])
        .with_f64("ideal_cycle_s", vec![60.0, 60.0])
        .with_s64("total_count", vec![50, 100])
        .with_s64("good_count", vec![50, 100]);
    let output = TestRun::new().dataset("equipment_telemetry", data).run::<Oee>().unwrap();
    assert_eq!(output.get_metric("machines").unwrap(), 1.0);
    assert_eq!(output.get_metric("fleet_oee").unwrap(), 0.5);
}

#[test]
fn refuses_a_machine_reported_under_two_enterprises() {
    let err = run(&[M1[0], ("M1", "E2", 480.0, 400.0, 30.0, 600, 560)]).run::<Oee>().unwrap_err();
    assert!(matches!(err, Error::InvalidData(_)), "{err}");
    assert!(err.to_string().contains("M1"), "{err}");
}

#[test]
fn refuses_a_negative_or_mistyped_min_planned_min() {
    let err = run(&M1).param("min_planned_min", -1.0).run::<Oee>().unwrap_err();
    assert!(matches!(err, Error::InvalidParams(_)), "{err}");
    let err = run(&M1).param("min_planned_min", 10_i64).run::<Oee>().unwrap_err();
    assert!(matches!(err, Error::InvalidParams(_)), "{err}");
}

#[test]
fn empty_telemetry_gives_empty_tables_and_zero_fleet_oee() {
    let output = run(&[]).run::<Oee>().unwrap();
    assert_eq!(output.get_table("by_machine").unwrap().num_rows(), 0);
    assert_eq!(output.get_table("by_enterprise").unwrap().num_rows(), 0);
    assert_eq!(output.get_metric("fleet_oee").unwrap(), 0.0);
    assert_eq!(output.get_metric("machines").unwrap(), 0.0);
}

/// Twenty machines of six enterprises over thirty days, in whole minutes and counts, so every
/// sum is exact whatever the row order.
fn generated(reverse: bool) -> Vec<(String, String, f64, f64, f64, i64, i64)> {
    let mut state = 0x9e37_79b9_u64;
    let mut next = |n: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let mut rows = Vec::new();
    for _day in 0..30 {
        for m in 0..20 {
            let planned = 480.0 + next(480) as f64;
            let run = planned - next(200) as f64;
            let total = next(900) as i64;
            rows.push((
                format!("M{m:03}"),
                format!("E{:05}", m % 6),
                planned,
                run,
                20.0 + (m % 5) as f64,
                total,
                total - next(30).min(total as u64) as i64,
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
    let owned = generated(false);
    let rows: Vec<Row> = owned.iter().map(|r| (r.0.as_str(), r.1.as_str(), r.2, r.3, r.4, r.5, r.6)).collect();
    let whole = run(&rows).run::<Oee>().unwrap();
    assert_eq!(whole.get_table("by_machine").unwrap().num_rows(), 20);
    assert_eq!(whole.get_table("by_enterprise").unwrap().num_rows(), 6);
    assert_eq!(whole, run(&rows).batch_rows(3).run::<Oee>().unwrap());
    let owned = generated(true);
    let reversed: Vec<Row> = owned.iter().map(|r| (r.0.as_str(), r.1.as_str(), r.2, r.3, r.4, r.5, r.6)).collect();
    assert_eq!(whole, run(&reversed).batch_rows(7).run::<Oee>().unwrap());
    // Strings sent plain (a 0.1.0 host), or plain once a scan's dictionary passes 5 values.
    assert_eq!(whole, run(&rows).dictionary_bound(0).run::<Oee>().unwrap());
    assert_eq!(whole, run(&rows).batch_rows(3).dictionary_bound(5).run::<Oee>().unwrap());
}
