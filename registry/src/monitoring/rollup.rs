//! Regional rollups of enterprises' monthly indicators, with small cells suppressed.
//!
//! One month's reports are summed along the fixed hierarchy region → district → park → industry →
//! enterprise. To keep any single enterprise from being exposed (k-anonymity):
//! 1. *Primary*: a cell backed by fewer than `k` enterprises is hidden.
//! 2. Every descendant of a hidden cell is hidden, so the parent cannot be rebuilt from its children.
//! 3. *Complementary*: under a published parent, the hidden children must be at least two cells backing
//!    at least `k` enterprises together; otherwise the smallest published siblings are hidden too, and
//!    when none is left, the parent is. With one hidden child, child = parent − Σ published siblings;
//!    with two hidden children backing fewer than `k` firms, one firm subtracts its own value to learn
//!    the other's.
//!
//! Rules 2 and 3 are applied until nothing changes. Pure: no IO, no async. Cells come out
//! unnamed; [`super::label`] adds the names of their keys.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use crate::places::Name;

/// One enterprise's report for the month being rolled up.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Tenant id, e.g. `E00017`.
    pub enterprise: String,
    /// District, e.g. `yanta`.
    pub district: String,
    /// Park within the district, e.g. `high-tech-zone`, or `none`.
    pub park: String,
    /// GB/T 4754 industry code, e.g. `C39`.
    pub industry: String,
    /// Output value, in 10k CNY.
    pub output_value: f64,
    /// Energy consumption, in tonnes of coal equivalent.
    pub energy_tce: f64,
    /// Electricity consumption, in kWh.
    pub electricity_kwh: f64,
    /// Headcount.
    pub employees: f64,
    /// Output value of the same month a year earlier, when the enterprise reported it (for growth).
    pub prior_output_value: Option<f64>,
}

/// A level of the regional hierarchy, from the whole region down to single enterprises.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The whole region: every report.
    Region,
    /// One district.
    District,
    /// One park within a district.
    Park,
    /// One industry within a park.
    Industry,
    /// One enterprise.
    Enterprise,
}

impl Level {
    /// Top to bottom; a level's position here is also how many keys its cells have.
    const ALL: [Level; 5] = [Level::Region, Level::District, Level::Park, Level::Industry, Level::Enterprise];

    /// The name used in URLs and JSON, e.g. `"park"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Region => "region",
            Level::District => "district",
            Level::Park => "park",
            Level::Industry => "industry",
            Level::Enterprise => "enterprise",
        }
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL.into_iter().find(|level| level.as_str() == s).ok_or_else(|| {
            let valid: Vec<&str> = Level::ALL.iter().map(|level| level.as_str()).collect();
            format!("unknown level `{s}`; expected one of: {}", valid.join(", "))
        })
    }
}

/// The summed and derived indicators of a cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Indicators {
    /// Total output value, in 10k CNY.
    pub output_value: f64,
    /// Total energy consumption, in tonnes of coal equivalent.
    pub energy_tce: f64,
    /// energy_tce / output_value; None when output is 0.
    pub energy_intensity: Option<f64>,
    /// Total electricity consumption, in kWh.
    pub electricity_kwh: f64,
    /// Total headcount.
    pub employees: f64,
    /// sum(output)/sum(prior output) - 1 over the cell's enterprises that have a prior value; None when
    /// fewer than k enterprises have one (a growth figure over fewer than k firms would expose them) or prior sum is 0.
    pub growth: Option<f64>,
}

/// Why a cell is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Suppression {
    /// Fewer than k enterprises back the cell.
    Primary,
    /// Hidden so that it cannot be recovered by subtracting published cells from a published parent.
    Secondary,
}

/// One cell of the hierarchy. Keys above the cell's level are set; keys below are None.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Cell {
    /// The level the cell sits at.
    pub level: Level,
    /// District key; set from [`Level::District`] down.
    pub district: Option<String>,
    /// Park key; set from [`Level::Park`] down.
    pub park: Option<String>,
    /// Industry key; set from [`Level::Industry`] down.
    pub industry: Option<String>,
    /// Enterprise key; set only at [`Level::Enterprise`].
    pub enterprise: Option<String>,
    /// The district's names; set with `district` (the id itself where no name was imported).
    /// Names are reference data: they are given for suppressed cells too.
    pub district_name: Option<Name>,
    /// The park's names; set with `park`.
    pub park_name: Option<Name>,
    /// The industry's names (GB/T 4754); set with `industry`.
    pub industry_name: Option<Name>,
    /// The enterprise's name (the tenant's, in Chinese); set with `enterprise`.
    pub enterprise_name: Option<String>,
    /// Enterprises backing the cell (counts are published; values are what is protected).
    pub enterprises: u64,
    /// None exactly when suppressed.
    pub indicators: Option<Indicators>,
    /// Why the cell is hidden; None when it is published.
    pub suppressed: Option<Suppression>,
}

/// A cell's identity: its level and (district, park, industry, enterprise), unset below the level.
type Key<'a> = (Level, [Option<&'a str>; 4]);

/// Running sums of one cell.
#[derive(Default)]
struct Acc<'a> {
    /// Distinct ids, so a repeated report cannot make a cell look safer than it is.
    ids: BTreeSet<&'a str>,
    /// Distinct ids that reported a prior output value; growth needs k of them.
    with_prior: BTreeSet<&'a str>,
    output_value: f64,
    energy_tce: f64,
    electricity_kwh: f64,
    employees: f64,
    /// Output of the enterprises with a prior value only, so growth compares like with like.
    output_with_prior: f64,
    prior_output_value: f64,
}

impl<'a> Acc<'a> {
    fn add(&mut self, r: &'a Report) {
        self.ids.insert(&r.enterprise);
        self.output_value += r.output_value;
        self.energy_tce += r.energy_tce;
        self.electricity_kwh += r.electricity_kwh;
        self.employees += r.employees;
        if let Some(prior) = r.prior_output_value {
            self.with_prior.insert(&r.enterprise);
            self.output_with_prior += r.output_value;
            self.prior_output_value += prior;
        }
    }

    fn indicators(&self, k: u64) -> Indicators {
        let enough_prior = self.with_prior.len() as u64 >= k && self.prior_output_value != 0.0;
        Indicators {
            output_value: self.output_value,
            energy_tce: self.energy_tce,
            energy_intensity: (self.output_value != 0.0).then(|| self.energy_tce / self.output_value),
            electricity_kwh: self.electricity_kwh,
            employees: self.employees,
            growth: enough_prior.then(|| self.output_with_prior / self.prior_output_value - 1.0),
        }
    }
}

/// The numbers of a report, to order otherwise identical rows (duplicates) deterministically.
fn numbers(r: &Report) -> [f64; 5] {
    [r.output_value, r.energy_tce, r.electricity_kwh, r.employees, r.prior_output_value.unwrap_or(f64::NAN)]
}

/// Builds the whole hierarchy for one month's reports and applies primary and secondary suppression with threshold `k`.
/// Cells are sorted by (level, district, park, industry, enterprise).
/// Deterministic: same input (in any order) → same output.
///
/// Callers pass one report per enterprise (checked in debug builds). Should an id repeat anyway, it is counted once
/// per cell and its rows' values are summed.
pub fn rollup(reports: &[Report], k: u64) -> Vec<Cell> {
    debug_assert!(
        {
            let mut ids: Vec<&str> = reports.iter().map(|r| r.enterprise.as_str()).collect();
            ids.sort_unstable();
            ids.windows(2).all(|pair| pair[0] != pair[1])
        },
        "rollup expects one report per enterprise"
    );
    // Floating-point sums depend on order, so add reports in key order to make shuffled input give identical output.
    let mut sorted: Vec<&Report> = reports.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.district, &a.park, &a.industry, &a.enterprise)
            .cmp(&(&b.district, &b.park, &b.industry, &b.enterprise))
            .then_with(|| {
                let (x, y) = (numbers(a), numbers(b));
                x.iter().zip(&y).map(|(x, y)| x.total_cmp(y)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
            })
    });

    let mut sums: BTreeMap<Key, Acc> = BTreeMap::new();
    // The region exists even with no reports, so callers always get a top cell (primary-suppressed when k > 0).
    sums.entry((Level::Region, [None; 4])).or_default();
    for r in sorted {
        let path = [r.district.as_str(), r.park.as_str(), r.industry.as_str(), r.enterprise.as_str()];
        for (depth, level) in Level::ALL.into_iter().enumerate() {
            let mut keys = [None; 4];
            for (key, part) in keys.iter_mut().zip(path).take(depth) {
                *key = Some(part);
            }
            sums.entry((level, keys)).or_default().add(r);
        }
    }

    // BTreeMap order is the output order, and puts every parent before its children.
    let index: BTreeMap<Key, usize> = sums.keys().enumerate().map(|(i, key)| (*key, i)).collect();
    let parents: Vec<Option<usize>> = sums.keys().map(|key| parent(key).and_then(|p| index.get(&p).copied())).collect();
    let counts: Vec<u64> = sums.values().map(|acc| acc.ids.len() as u64).collect();
    let hidden = suppress(&counts, &parents, k);

    sums.iter()
        .zip(hidden)
        .map(|(((level, keys), acc), suppressed)| Cell {
            level: *level,
            district: keys[0].map(str::to_owned),
            park: keys[1].map(str::to_owned),
            industry: keys[2].map(str::to_owned),
            enterprise: keys[3].map(str::to_owned),
            district_name: None,
            park_name: None,
            industry_name: None,
            enterprise_name: None,
            enterprises: acc.ids.len() as u64,
            indicators: suppressed.is_none().then(|| acc.indicators(k)),
            suppressed,
        })
        .collect()
}

/// The key of the cell one level up; None for the region.
fn parent<'a>(&(level, mut keys): &Key<'a>) -> Option<Key<'a>> {
    let depth = level as usize;
    let up = *Level::ALL.get(depth.checked_sub(1)?)?;
    keys[depth - 1] = None;
    Some((up, keys))
}

/// Decides which cells to hide, given each cell's enterprise count and parent index (parents before children,
/// siblings in key order). Returns each cell's suppression, None for published.
fn suppress(counts: &[u64], parents: &[Option<usize>], k: u64) -> Vec<Option<Suppression>> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); counts.len()];
    for (child, parent) in parents.iter().enumerate() {
        if let Some(p) = *parent {
            children[p].push(child);
        }
    }
    let mut hidden: Vec<Option<Suppression>> =
        counts.iter().map(|&n| (n < k).then_some(Suppression::Primary)).collect();

    // Hiding only ever grows, so this reaches a fixpoint.
    loop {
        let mut changed = false;
        // Rule 2. Parents come first, so one pass carries hiding all the way down.
        for cell in 0..hidden.len() {
            if hidden[cell].is_none() && parents[cell].is_some_and(|p| hidden[p].is_some()) {
                hidden[cell] = Some(Suppression::Secondary);
                changed = true;
            }
        }
        // Rule 3, for every published parent.
        for p in 0..hidden.len() {
            while hidden[p].is_none() {
                let (cells, firms) = children[p]
                    .iter()
                    .filter(|&&c| hidden[c].is_some())
                    .fold((0u64, 0u64), |(cells, firms), &c| (cells + 1, firms + counts[c]));
                if cells == 0 || (cells >= 2 && firms >= k) {
                    break;
                }
                // Fewest enterprises first loses the least; `min_by_key` keeps the first (key order) on ties.
                let smallest = children[p].iter().copied().filter(|&c| hidden[c].is_none()).min_by_key(|&c| counts[c]);
                // Only reachable when counts do not add up (a repeated id); then the parent itself must go.
                hidden[smallest.unwrap_or(p)] = Some(Suppression::Secondary);
                changed = true;
            }
        }
        if !changed {
            return hidden;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn report(enterprise: &str, district: &str, park: &str, output: f64, prior: Option<f64>) -> Report {
        Report {
            enterprise: enterprise.into(),
            district: district.into(),
            park: park.into(),
            industry: "C39".into(),
            output_value: output,
            energy_tce: output / 10.0,
            electricity_kwh: output * 100.0,
            employees: 10.0,
            prior_output_value: prior,
        }
    }

    /// A district `d` whose parks (named p0, p1, ...) have the given numbers of enterprises.
    fn district_with_parks(sizes: &[usize]) -> Vec<Report> {
        let mut reports = Vec::new();
        for (p, &size) in sizes.iter().enumerate() {
            for e in 0..size {
                reports.push(report(&format!("E{p}{e}"), "d", &format!("p{p}"), 100.0, None));
            }
        }
        reports
    }

    fn find<'a>(cells: &'a [Cell], level: Level, district: Option<&str>, park: Option<&str>) -> &'a Cell {
        let found = cells.iter().find(|c| {
            c.level == level && c.district.as_deref() == district && c.park.as_deref() == park && c.industry.is_none()
        });
        found.unwrap_or_else(|| panic!("no {level:?} cell {district:?}/{park:?}"))
    }

    fn park_suppression(cells: &[Cell], park: &str) -> Option<Suppression> {
        find(cells, Level::Park, Some("d"), Some(park)).suppressed
    }

    fn key(c: &Cell) -> Key<'_> {
        (c.level, [c.district.as_deref(), c.park.as_deref(), c.industry.as_deref(), c.enterprise.as_deref()])
    }

    /// xorshift64: enough randomness for property tests without a dependency.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// 3 districts, up to 4 parks each, up to 4 industries each, 1..8 enterprises each, positive values.
    fn random_reports(rng: &mut Rng) -> Vec<Report> {
        let mut reports = Vec::new();
        for d in 0..3 {
            for p in 0..=rng.below(4) {
                for i in 0..=rng.below(4) {
                    for _ in 0..1 + rng.below(7) {
                        let output = 1.0 + rng.below(100_000) as f64 / 10.0;
                        let prior = (rng.below(3) > 0).then(|| 1.0 + rng.below(100_000) as f64 / 10.0);
                        let (id, district, park) = (format!("E{:05}", reports.len()), format!("d{d}"), format!("p{p}"));
                        let mut r = report(&id, &district, &park, output, prior);
                        r.industry = format!("C{i}");
                        reports.push(r);
                    }
                }
            }
        }
        reports
    }

    #[test]
    fn sums_and_derived_indicators_are_right() {
        let mut reports = vec![
            report("E1", "d", "p", 100.0, Some(80.0)),
            report("E2", "d", "p", 200.0, Some(160.0)),
            report("E3", "d", "p", 300.0, Some(240.0)),
            report("E4", "d", "p", 400.0, None),
        ];
        let cells = rollup(&reports, 3);
        let region = find(&cells, Level::Region, None, None);
        assert_eq!(region.enterprises, 4);
        let ind = region.indicators.as_ref().expect("region is published");
        assert_eq!((ind.output_value, ind.energy_tce, ind.employees), (1000.0, 100.0, 40.0));
        assert_eq!(ind.electricity_kwh, 100_000.0);
        assert_eq!(ind.energy_intensity, Some(0.1));
        // Growth over E1..E3 only: 600 / 480 - 1.
        assert_eq!(ind.growth, Some(0.25));

        reports[2].prior_output_value = None;
        let cells = rollup(&reports, 3);
        let ind = find(&cells, Level::Region, None, None).indicators.clone().expect("region is published");
        assert_eq!(ind.growth, None, "two prior values are fewer than k");
    }

    #[test]
    fn a_cell_with_two_enterprises_is_primary_suppressed_and_with_three_is_published() {
        let two = rollup(&district_with_parks(&[2]), 3);
        assert_eq!(find(&two, Level::Region, None, None).suppressed, Some(Suppression::Primary));
        assert_eq!(find(&two, Level::Region, None, None).indicators, None);
        let three = rollup(&district_with_parks(&[3]), 3);
        assert_eq!(find(&three, Level::Region, None, None).suppressed, None);
        assert_eq!(park_suppression(&three, "p0"), None);
    }

    #[test]
    fn enterprise_cells_are_always_suppressed_for_k3() {
        let cells = rollup(&random_reports(&mut Rng(7)), 3);
        let enterprises: Vec<&Cell> = cells.iter().filter(|c| c.level == Level::Enterprise).collect();
        assert!(!enterprises.is_empty());
        assert!(enterprises.iter().all(|c| c.enterprises == 1 && c.suppressed == Some(Suppression::Primary)));
    }

    #[test]
    fn single_small_park_is_hidden_with_its_smallest_sibling() {
        let cells = rollup(&district_with_parks(&[2, 5, 6]), 3);
        assert_eq!(park_suppression(&cells, "p0"), Some(Suppression::Primary));
        assert_eq!(park_suppression(&cells, "p1"), Some(Suppression::Secondary));
        assert_eq!(park_suppression(&cells, "p2"), None);
        assert_eq!(find(&cells, Level::District, Some("d"), None).suppressed, None);
    }

    #[test]
    fn two_hidden_parks_backing_k_firms_are_enough() {
        let cells = rollup(&district_with_parks(&[2, 3]), 3);
        assert_eq!(park_suppression(&cells, "p0"), Some(Suppression::Primary));
        assert_eq!(park_suppression(&cells, "p1"), Some(Suppression::Secondary));
        assert_eq!(find(&cells, Level::District, Some("d"), None).suppressed, None);
    }

    #[test]
    fn two_hidden_parks_backing_fewer_than_k_firms_pull_in_a_third() {
        let cells = rollup(&district_with_parks(&[1, 1, 5]), 3);
        assert_eq!(park_suppression(&cells, "p0"), Some(Suppression::Primary));
        assert_eq!(park_suppression(&cells, "p1"), Some(Suppression::Primary));
        assert_eq!(park_suppression(&cells, "p2"), Some(Suppression::Secondary));
        assert_eq!(find(&cells, Level::District, Some("d"), None).suppressed, None);
    }

    #[test]
    fn parent_is_hidden_when_no_sibling_is_left_and_that_propagates_up() {
        // Counts that do not add up (as with a repeated id): cell 1 (5 firms) has one child, which is primary.
        let hidden = suppress(&[9, 5, 4, 2], &[None, Some(0), Some(0), Some(1)], 3);
        let (p, s) = (Some(Suppression::Primary), Some(Suppression::Secondary));
        // Cell 1 goes, which leaves it alone under the region, so its sibling 2 goes too.
        assert_eq!(hidden, vec![None, s, s, p]);
        assert_eq!(suppress(&[5, 2], &[None, Some(0)], 3), vec![s, p]);
    }

    #[test]
    fn differencing_attacks_never_recover_a_hidden_cell() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut published_below_district = 0;
        for round in 0..300 {
            let k = 2 + round % 3;
            let reports = random_reports(&mut rng);
            let cells = rollup(&reports, k);
            let at: HashMap<Key, &Cell> = cells.iter().map(|c| (key(c), c)).collect();
            // True output per cell, straight from the reports.
            let mut truth: HashMap<Key, f64> = HashMap::new();
            for c in &cells {
                let matches = |r: &&Report| {
                    let path = [&r.district, &r.park, &r.industry, &r.enterprise];
                    key(c).1.iter().zip(path).all(|(want, have)| want.is_none_or(|w| w == have))
                };
                truth.insert(key(c), reports.iter().filter(matches).map(|r| r.output_value).sum());
            }
            let mut children: HashMap<Key, Vec<&Cell>> = HashMap::new();
            for c in &cells {
                assert_eq!(c.indicators.is_none(), c.suppressed.is_some());
                if c.enterprises < k {
                    assert_eq!(c.suppressed, Some(Suppression::Primary), "{c:?}");
                }
                if let Some(p) = parent(&key(c)) {
                    assert!(at[&p].suppressed.is_none() || c.suppressed.is_some(), "child of hidden cell shown: {c:?}");
                    children.entry(p).or_default().push(c);
                }
                if let Some(ind) = &c.indicators {
                    assert!((ind.output_value - truth[&key(c)]).abs() < 1e-6, "sum lost: {c:?}");
                    published_below_district += u64::from(c.level > Level::District);
                }
            }
            for (p, kids) in &children {
                let Some(parent_ind) = &at[p].indicators else { continue };
                let (hidden, shown): (Vec<&&Cell>, Vec<&&Cell>) = kids.iter().partition(|c| c.suppressed.is_some());
                let firms: u64 = hidden.iter().map(|c| c.enterprises).sum();
                assert!(hidden.is_empty() || (hidden.len() >= 2 && firms >= k), "weak group under {p:?}");
                // The attack: whatever is left after subtracting published children must not be one hidden child.
                let shown_sum: f64 = shown.iter().filter_map(|c| c.indicators.as_ref()).map(|i| i.output_value).sum();
                let residual = parent_ind.output_value - shown_sum;
                for c in &hidden {
                    assert!((residual - truth[&key(c)]).abs() > 0.5, "{c:?} recovered by subtraction");
                }
            }
        }
        assert!(published_below_district > 0, "the generator should leave something published below districts");
    }

    #[test]
    fn shuffled_input_gives_identical_output() {
        let mut rng = Rng(42);
        let mut reports = random_reports(&mut rng);
        let expected = rollup(&reports, 3);
        for i in (1..reports.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            reports.swap(i, j);
        }
        assert_eq!(rollup(&reports, 3), expected);
    }

    #[test]
    fn level_names_round_trip() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
        }
        let err = "county".parse::<Level>().expect_err("not a level");
        assert!(err.contains("county") && err.contains("region, district, park, industry, enterprise"), "{err}");
    }
}
