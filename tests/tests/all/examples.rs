//! The four example plugins on generated Xi'an data, through the host, checked against native
//! reference computations written independently here (straight from the Arrow tables).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use kiln_host::{Batch, ColumnData, DirSource, Grants, Output, RunError, RunRequest};

use crate::common::host;

/// Small generated data: the tables in memory, and the same written as Parquet.
struct Xian {
    tables: kiln_datagen::Tables,
    dir: tempfile::TempDir,
}

fn xian() -> &'static Xian {
    static XIAN: OnceLock<Xian> = OnceLock::new();
    XIAN.get_or_init(|| {
        let options = kiln_datagen::Options { seed: 7, enterprises: 300, months: 24 };
        let dir = tempfile::tempdir().unwrap();
        kiln_datagen::write_parquet(dir.path(), &options, &mut |_, _, _| {}).unwrap();
        Xian { tables: kiln_datagen::generate_tables(&options).unwrap(), dir }
    })
}

async fn run(wasm: &str, grants: Grants, params: &[(&str, &str)]) -> Result<Output, RunError> {
    let plugin = host().load(&kiln_test_guests::bytes(wasm)).await.unwrap();
    let params: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let params = kiln_host::params_from_text(plugin.info(), &params).unwrap();
    let source = Arc::new(DirSource::open(xian().dir.path()).unwrap());
    host().run(&plugin, RunRequest { params, data: Some((source, grants)), ..Default::default() }).await.result
}

fn table<'a>(output: &'a Output, name: &str) -> &'a Batch {
    &output.tables.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no table {name}")).data
}

fn metric(output: &Output, name: &str) -> f64 {
    output.metrics.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no metric {name}")).value
}

fn column<'a>(batch: &'a Batch, name: &str) -> &'a kiln_host::Column {
    batch.columns.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no column {name}"))
}

fn strs(batch: &Batch, name: &str) -> Vec<String> {
    match &column(batch, name).data {
        ColumnData::String(v) => kiln_host::strings::iter(v).map(str::to_string).collect(),
        other => panic!("{name} is {other:?}"),
    }
}

fn f64s<'a>(batch: &'a Batch, name: &str) -> &'a [f64] {
    match &column(batch, name).data {
        ColumnData::F64(v) => v,
        other => panic!("{name} is {other:?}"),
    }
}

/// `f64` cells with nulls as `None`.
fn nullable_f64s(batch: &Batch, name: &str) -> Vec<Option<f64>> {
    let c = column(batch, name);
    f64s(batch, name).iter().enumerate().map(|(i, v)| c.validity.as_ref().is_none_or(|m| m[i]).then_some(*v)).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn arrow_strs(rb: &RecordBatch, name: &str) -> Vec<String> {
    rb.column_by_name(name).unwrap().as_string::<i32>().iter().map(|s| s.unwrap().to_string()).collect()
}

fn arrow_f64s(rb: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    rb.column_by_name(name).unwrap().as_primitive::<Float64Type>().iter().collect()
}

fn arrow_i64s(rb: &RecordBatch, name: &str) -> Vec<i64> {
    let a = rb.column_by_name(name).unwrap().as_primitive::<Int64Type>();
    assert_eq!(a.null_count(), 0);
    a.values().to_vec()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn enterprise_attr(attr: &str) -> HashMap<String, String> {
    let e = &xian().tables.enterprises;
    arrow_strs(e, "enterprise_id").into_iter().zip(arrow_strs(e, attr)).collect()
}

#[tokio::test]
async fn energy_intensity_matches_native_reference() {
    let grants = Grants::none().dataset("monthly_indicators").dataset("enterprises");
    let output = run(kiln_test_guests::ENERGY_INTENSITY, grants, &[]).await.unwrap();

    let m = &xian().tables.monthly_indicators;
    let industry = enterprise_attr("industry_code");
    let rows: Vec<(String, String, f64)> = arrow_strs(m, "enterprise_id")
        .into_iter()
        .zip(arrow_strs(m, "month"))
        .zip(arrow_f64s(m, "output_value").into_iter().zip(arrow_f64s(m, "energy_tce")))
        .filter_map(|((e, month), (ov, tce))| match (ov, tce) {
            (Some(ov), Some(tce)) if ov > 0.0 => Some((e, month, tce / ov)),
            _ => None,
        })
        .collect();
    let mut by_group: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for (e, month, intensity) in &rows {
        by_group.entry((industry[e].clone(), month.clone())).or_default().push(*intensity);
    }
    let medians: HashMap<_, f64> = by_group.into_iter().map(|(k, mut v)| (k, median(&mut v))).collect();
    let expected: HashMap<(String, String), (f64, f64, bool)> = rows
        .iter()
        .map(|(e, month, i)| {
            let med = medians[&(industry[e].clone(), month.clone())];
            ((e.clone(), month.clone()), (*i, med, *i > 1.5 * med))
        })
        .collect();

    let t = table(&output, "intensity");
    assert_eq!(t.rows as usize, expected.len());
    let flagged = match &column(t, "flagged").data {
        ColumnData::Bool(v) => v.clone(),
        other => panic!("flagged is {other:?}"),
    };
    for (i, (e, month)) in strs(t, "enterprise_id").iter().zip(strs(t, "month")).enumerate() {
        let (intensity, med, flag) = expected[&(e.clone(), month.clone())];
        assert!(close(f64s(t, "intensity")[i], intensity), "{e} {month}");
        assert!(close(f64s(t, "industry_median")[i], med), "{e} {month}");
        assert_eq!(flagged[i], flag, "{e} {month}");
    }
    let expected_flagged = expected.values().filter(|v| v.2).count();
    assert_eq!(metric(&output, "flagged_rows") as usize, expected_flagged);
}

#[tokio::test]
async fn oee_matches_native_reference() {
    let output = run(kiln_test_guests::OEE, Grants::none().dataset("equipment_telemetry"), &[]).await.unwrap();
    let t = &xian().tables.equipment_telemetry;
    let mut machines: BTreeMap<String, [f64; 4]> = BTreeMap::new(); // planned, run, ideal·count, good, total
    let mut counts: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let ids = arrow_strs(t, "machine_id");
    let (planned, run_min, cycle) =
        (arrow_f64s(t, "planned_min"), arrow_f64s(t, "run_min"), arrow_f64s(t, "ideal_cycle_s"));
    let (total, good) = (arrow_i64s(t, "total_count"), arrow_i64s(t, "good_count"));
    for i in 0..ids.len() {
        let m = machines.entry(ids[i].clone()).or_default();
        m[0] += planned[i].unwrap();
        m[1] += run_min[i].unwrap();
        m[2] += cycle[i].unwrap() * total[i] as f64;
        let c = counts.entry(ids[i].clone()).or_default();
        c.0 += good[i];
        c.1 += total[i];
    }
    let by_machine = table(&output, "by_machine");
    assert_eq!(strs(by_machine, "machine_id"), machines.keys().cloned().collect::<Vec<_>>().as_slice());
    for (i, (id, m)) in machines.iter().enumerate() {
        let availability = m[0].max(f64::MIN_POSITIVE).recip() * m[1];
        let performance = if m[1] > 0.0 { (m[2] / 60.0 / m[1]).min(1.0) } else { 0.0 };
        let (g, tot) = counts[id];
        let quality = if tot > 0 { g as f64 / tot as f64 } else { 0.0 };
        assert!(close(f64s(by_machine, "oee")[i], availability * performance * quality), "{id}");
    }
    let fleet = metric(&output, "fleet_oee");
    assert!(fleet > 0.3 && fleet < 0.95, "fleet OEE {fleet} is not plausible");
}

#[tokio::test]
async fn anomaly_finds_the_injected_anomalies_and_matches_native_reference() {
    let output = run(kiln_test_guests::ANOMALY, Grants::none().dataset("monthly_indicators"), &[]).await.unwrap();
    let m = &xian().tables.monthly_indicators;
    let (ids, months) = (arrow_strs(m, "enterprise_id"), arrow_strs(m, "month"));
    let mut expected = BTreeSet::new();
    for indicator in ["output_value", "energy_tce", "electricity_kwh"] {
        let values = arrow_f64s(m, indicator);
        let mut series: HashMap<&str, Vec<(usize, f64)>> = HashMap::new();
        for (row, v) in values.iter().enumerate() {
            if let Some(v) = v {
                series.entry(&ids[row]).or_default().push((row, *v));
            }
        }
        for points in series.values() {
            let med = median(&mut points.iter().map(|p| p.1).collect::<Vec<_>>());
            let mad = median(&mut points.iter().map(|p| (p.1 - med).abs()).collect::<Vec<_>>());
            if mad == 0.0 {
                continue;
            }
            for (row, v) in points {
                if (0.6745 * (v - med) / mad).abs() > 3.5 {
                    expected.insert((ids[*row].clone(), months[*row].clone(), indicator.to_string()));
                }
            }
        }
    }
    let t = table(&output, "anomalies");
    let (ids, months, indicators) = (strs(t, "enterprise_id"), strs(t, "month"), strs(t, "indicator"));
    let found: BTreeSet<(String, String, String)> =
        (0..t.rows as usize).map(|i| (ids[i].clone(), months[i].clone(), indicators[i].clone())).collect();
    assert_eq!(found, expected);

    let a = &xian().tables.injected_anomalies;
    let injected: BTreeSet<(String, String, String)> = arrow_strs(a, "enterprise_id")
        .into_iter()
        .zip(arrow_strs(a, "month"))
        .zip(arrow_strs(a, "indicator"))
        .map(|((e, m), i)| (e, m, i))
        .collect();
    let hits = found.intersection(&injected).count() as f64;
    let (precision, recall) = (hits / found.len() as f64, hits / injected.len() as f64);
    println!(
        "anomaly: {} found, {} injected, precision {precision:.3}, recall {recall:.3}",
        found.len(),
        injected.len()
    );
    assert!(recall >= 0.9, "recall {recall}");
    assert!(precision >= 0.8, "precision {precision}");
}

#[tokio::test]
async fn output_growth_matches_native_reference() {
    let grants = Grants::none().dataset("monthly_indicators").dataset("enterprises");
    let output = run(kiln_test_guests::OUTPUT_GROWTH, grants.clone(), &[("level", "district")]).await.unwrap();
    // Built against the frozen 0.1.0 contract (plain strings in, no schema), it gives the same.
    let old = run(kiln_test_guests::OUTPUT_GROWTH_V0_1_0, grants, &[("level", "district")]).await.unwrap();
    assert_eq!(old, output, "the 0.1.0 build differs from the 0.2.0 build");
    let m = &xian().tables.monthly_indicators;
    let district = enterprise_attr("district_id");
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    for ((e, month), v) in
        arrow_strs(m, "enterprise_id").iter().zip(arrow_strs(m, "month")).zip(arrow_f64s(m, "output_value"))
    {
        *sums.entry((district[e].clone(), month)).or_default() += v.unwrap();
    }
    let t = table(&output, "growth");
    assert_eq!(t.rows as usize, sums.len());
    let (yoy, mom) = (nullable_f64s(t, "yoy_pct"), nullable_f64s(t, "mom_pct"));
    let (groups, months) = (strs(t, "group"), strs(t, "month"));
    for (i, ((group, month), value)) in sums.iter().enumerate() {
        assert_eq!(&groups[i], group);
        assert_eq!(&months[i], month);
        assert!(close(f64s(t, "output_value")[i], *value));
        let (year, mon): (i32, u32) = (month[..4].parse().unwrap(), month[5..].parse().unwrap());
        let last_year = sums.get(&(group.clone(), format!("{}-{mon:02}", year - 1)));
        match (yoy[i], last_year) {
            (Some(got), Some(prev)) => assert!(close(got, (value - prev) / prev * 100.0), "{group} {month}"),
            (None, None) => {}
            other => panic!("{group} {month}: yoy {other:?}"),
        }
        let previous = if mon == 1 { format!("{}-12", year - 1) } else { format!("{year}-{:02}", mon - 1) };
        assert_eq!(mom[i].is_some(), sums.contains_key(&(group.clone(), previous)), "{group} {month}");
    }
}

#[tokio::test]
async fn plugin_reading_an_ungranted_column_gets_the_typed_error() {
    // energy-intensity needs enterprises.industry_code; grant every other column of it.
    let grants = Grants::none().dataset("monthly_indicators").columns("enterprises", ["enterprise_id", "district"]);
    let err = run(kiln_test_guests::ENERGY_INTENSITY, grants, &[]).await.unwrap_err();
    assert_eq!(err.kind(), "ungranted", "{err}");
}
