//! Enterprises: where they are, what they make, how big they are, and their names.

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::Error;
use crate::geography::{District, LOCATIONS, Park};
use crate::industries::Industry;
use crate::rng::{Rng, Stream};

/// Enterprise size class, after the NBS thresholds for industrial enterprises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SizeClass {
    /// ≥ 1000 employees.
    Large,
    /// 300–999 employees.
    Medium,
    /// 20–299 employees.
    Small,
    /// Fewer than 20 employees.
    Micro,
}

impl SizeClass {
    const ALL: [SizeClass; 4] = [Self::Large, Self::Medium, Self::Small, Self::Micro];

    /// The value written to the `size_class` column.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Large => "large",
            Self::Medium => "medium",
            Self::Small => "small",
            Self::Micro => "micro",
        }
    }

    /// Headcount range `[lo, hi)` at the start of the period.
    fn employees(self) -> (f64, f64) {
        match self {
            Self::Large => (1000.0, 8000.0),
            Self::Medium => (300.0, 1000.0),
            Self::Small => (20.0, 300.0),
            Self::Micro => (3.0, 20.0),
        }
    }

    /// Productivity relative to the division's typical enterprise.
    pub(crate) fn productivity(self) -> f64 {
        match self {
            Self::Large => 1.2,
            Self::Medium => 1.0,
            Self::Small => 0.8,
            Self::Micro => 0.5,
        }
    }

    /// Range of founding years (inclusive): big plants are older.
    fn founded(self) -> (i64, i64) {
        match self {
            Self::Large => (1950, 2008),
            Self::Medium => (1965, 2016),
            Self::Small => (1985, 2021),
            Self::Micro => (1998, 2022),
        }
    }

    /// Share of enterprises in each class: mostly small and micro; heavy industry skews large.
    fn weight(self, heavy: bool) -> f64 {
        match (self, heavy) {
            (Self::Large, false) => 2.0,
            (Self::Medium, false) => 9.0,
            (Self::Small, false) => 39.0,
            (Self::Micro, false) => 50.0,
            (Self::Large, true) => 12.0,
            (Self::Medium, true) => 28.0,
            (Self::Small, true) => 40.0,
            (Self::Micro, true) => 20.0,
        }
    }
}

/// One generated enterprise and the attributes other tables are drawn from.
#[derive(Debug, Clone)]
pub(crate) struct Enterprise {
    /// Position in the table, 0-based; keys the enterprise's random streams.
    pub index: u64,
    /// "E00001"-style id.
    pub id: String,
    /// Chinese company name, unique in the data set.
    pub name: String,
    /// District or county.
    pub district: District,
    /// Park, or `园区外`.
    pub park: Park,
    /// GB/T 4754 division.
    pub industry: &'static Industry,
    /// Size class.
    pub size: SizeClass,
    /// Year of founding.
    pub founded_year: i64,
    /// Whether the enterprise opted in to regional statistics.
    pub opted_in: bool,
    /// Headcount at the start of the period.
    pub employees: f64,
}

/// Two-character brand names common in Shaanxi company names (no real company's trademark).
const BRANDS: &[&str] = &[
    "秦川", "长安", "华山", "渭河", "盛唐", "汉唐", "曲江", "终南", "骊山", "灞河", "丝路", "泾渭", "未央", "三秦",
    "关中", "秦岭", "沣河", "大秦", "昆仑", "天元", "华星", "瑞丰", "宏远", "金泰", "恒通", "鼎盛", "中天", "宏达",
    "华信", "天宇", "鑫源", "博远", "科创", "启航", "凯航", "星火", "金鼎", "瑞德", "德润", "永盛", "兴华", "国瑞",
    "嘉禾", "润泽", "通达", "西岳", "太白", "浐河", "潏河", "沣京", "镐京", "周原", "秦源", "汉风", "唐韵", "长乐",
    "永宁", "安远", "明德", "华清", "紫阁", "翠华", "圭峰", "南山", "北辰", "东岳", "铭泰", "鸿运", "恒瑞", "信诚",
    "中和", "华创", "泰和", "盛华", "新源", "众诚", "万和", "锦程", "航宇", "天成", "卓越", "精工", "正元", "宝盛",
];
/// Characters that combine into further brands when the list above runs out for an industry.
const BRAND_HEADS: &[&str] = &["秦", "汉", "唐", "华", "宏", "恒", "鑫", "瑞", "中", "天", "金", "永"];
const BRAND_TAILS: &[&str] = &["源", "达", "泰", "盛", "丰", "远", "通", "信", "诚", "德", "昌", "宇"];

/// Draws the enterprise at `index` (0-based) under `seed`; `names` holds the names already taken.
pub(crate) fn draw(seed: u64, index: u64, names: &mut HashSet<String>) -> Enterprise {
    let mut rng = Rng::new(seed, Stream::Attributes, index);
    let location = &LOCATIONS[rng.weighted(&LOCATIONS, |l| l.weight)];
    let industry = location.mix[rng.weighted(location.mix, |m| m.1)].0;
    let size = SizeClass::ALL[rng.weighted(&SizeClass::ALL, |s| s.weight(industry.heavy))];
    let (lo, hi) = size.employees();
    let employees = rng.log_uniform(lo, hi);
    let (first, last) = size.founded();
    let first = if industry.code == "I65" { first.max(1992) } else { first };
    let founded_year = rng.int_between(first, last);
    let opted_in = rng.chance(0.85);
    let name = draw_name(&mut rng, industry, size, names);
    Enterprise {
        index,
        id: format!("E{:05}", index + 1),
        name,
        district: location.district,
        park: location.park,
        industry,
        size,
        founded_year,
        opted_in,
        employees,
    }
}

/// A unique name like "西安秦川精密机械有限公司", built from word lists.
fn draw_name(rng: &mut Rng, industry: &Industry, size: SizeClass, names: &mut HashSet<String>) -> String {
    let mut last = String::new();
    for attempt in 0..48 {
        let prefix = if rng.chance(0.75) { "西安" } else { "陕西" };
        let brand = if attempt < 24 {
            BRANDS[rng.below(BRANDS.len())].to_string()
        } else {
            let head = BRAND_HEADS[rng.below(BRAND_HEADS.len())];
            format!("{head}{}", BRAND_TAILS[rng.below(BRAND_TAILS.len())])
        };
        let word = industry.name_words[rng.below(industry.name_words.len())];
        let joint_stock = match size {
            SizeClass::Large | SizeClass::Medium => 0.4,
            SizeClass::Small | SizeClass::Micro => 0.08,
        };
        let u = rng.unit();
        let suffix = if u < joint_stock {
            "股份有限公司"
        } else if u < joint_stock + 0.12 {
            "有限责任公司"
        } else {
            "有限公司"
        };
        let name = format!("{prefix}{brand}{word}{suffix}");
        if names.insert(name.clone()) {
            return name;
        }
        last = name;
    }
    // Still taken after many tries (only with very many enterprises): register a branch office.
    (2..).map(|n| format!("{last}第{n}分公司")).find(|name| names.insert(name.clone())).unwrap_or(last)
}

/// The `enterprises` schema.
pub(crate) fn schema() -> SchemaRef {
    let utf8 = |name: &str| Field::new(name, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        utf8("enterprise_id"),
        utf8("name"),
        utf8("district"),
        utf8("district_en"),
        utf8("district_id"),
        utf8("park"),
        utf8("park_en"),
        utf8("park_id"),
        utf8("industry_code"),
        utf8("industry_name"),
        utf8("industry_name_en"),
        utf8("size_class"),
        Field::new("founded_year", DataType::Int64, false),
        Field::new("opted_in", DataType::Boolean, false),
    ]))
}

/// Column builders for the `enterprises` table.
pub(crate) struct EnterpriseColumns {
    strings: [StringBuilder; 12],
    founded_year: Int64Builder,
    opted_in: BooleanBuilder,
}

impl EnterpriseColumns {
    /// Empty builders sized for `n` enterprises.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            strings: std::array::from_fn(|_| StringBuilder::with_capacity(n, n * 16)),
            founded_year: Int64Builder::with_capacity(n),
            opted_in: BooleanBuilder::with_capacity(n),
        }
    }

    /// Appends one enterprise's row.
    pub(crate) fn push(&mut self, e: &Enterprise) {
        let values = [
            e.id.as_str(),
            e.name.as_str(),
            e.district.name,
            e.district.name_en,
            e.district.id,
            e.park.name,
            e.park.name_en,
            e.park.id,
            e.industry.code,
            e.industry.name,
            e.industry.name_en,
            e.size.as_str(),
        ];
        for (builder, value) in self.strings.iter_mut().zip(values) {
            builder.append_value(value);
        }
        self.founded_year.append_value(e.founded_year);
        self.opted_in.append_value(e.opted_in);
    }

    /// The finished `enterprises` batch.
    pub(crate) fn finish(mut self) -> Result<RecordBatch, Error> {
        let mut columns: Vec<ArrayRef> = self.strings.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
        columns.push(Arc::new(self.founded_year.finish()));
        columns.push(Arc::new(self.opted_in.finish()));
        Ok(RecordBatch::try_new(schema(), columns)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_unique_even_when_word_lists_run_out() {
        let mut names = HashSet::new();
        let mut rng = Rng::new(3, Stream::Attributes, 0);
        for _ in 0..20_000 {
            draw_name(&mut rng, &crate::industries::C31, SizeClass::Small, &mut names);
        }
        assert_eq!(names.len(), 20_000);
        assert!(names.iter().all(|n| n.ends_with("公司")));
    }

    #[test]
    fn an_enterprise_depends_only_on_seed_index_and_earlier_names() {
        let a = draw(5, 17, &mut HashSet::new());
        let b = draw(5, 17, &mut HashSet::new());
        assert_eq!((a.id.as_str(), &a.name, a.founded_year), ("E00018", &b.name, b.founded_year));
        assert!(a.name.starts_with("西安") || a.name.starts_with("陕西"));
    }
}
