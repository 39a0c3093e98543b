//! Names of districts, parks and industries, in Chinese and English.
//!
//! Tenants and rollups key places by id (`yanta`, `high-tech-zone`, `C39`); people read them by
//! name (雁塔区 / Yanta District). The registry learns the names from what operators import
//! ([`crate::routes::tenants::import`]) and keeps them in the `places` table
//! ([`crate::store::places`]). Names are public reference data, never indicators: attaching
//! them to a suppressed rollup cell reveals nothing the cell's id did not.

use std::collections::HashMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The longest id or name of a place, in characters; a tenant's name, district, park and industry
/// are held to the same.
pub const NAME_MAX_LEN: usize = 200;

/// What a place is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlaceKind {
    /// A district or county, keyed like a tenant's `district`.
    District,
    /// An industrial park or development zone, keyed like a tenant's `park`.
    Park,
    /// A GB/T 4754 industry division, keyed like a tenant's `industry` (`C39`).
    Industry,
}

impl PlaceKind {
    /// Every kind, in hierarchy order.
    pub const ALL: [PlaceKind; 3] = [PlaceKind::District, PlaceKind::Park, PlaceKind::Industry];

    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::District => "district",
            PlaceKind::Park => "park",
            PlaceKind::Industry => "industry",
        }
    }
}

impl FromStr for PlaceKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlaceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown place kind `{s}`; expected district, park or industry"))
    }
}

/// A name in both languages of the console: render `name[lang]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Name {
    /// Chinese, e.g. `雁塔区`.
    pub zh: String,
    /// English, e.g. `Yanta District`; the Chinese name where no English one was imported.
    pub en: String,
}

impl Name {
    /// The name shown for an id the registry has no name for: the id itself, in both languages.
    pub fn of_id(id: &str) -> Name {
        Name { zh: id.to_string(), en: id.to_string() }
    }
}

/// A named place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Place {
    /// District, park or industry.
    pub kind: PlaceKind,
    /// Its id, as tenants carry it.
    pub id: String,
    /// Its names.
    pub name: Name,
}

/// A place's names as an import gives them.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlace {
    /// District, park or industry.
    pub kind: PlaceKind,
    /// Its id, as tenants carry it (`yanta`, `high-tech-zone`, `C39`).
    pub id: String,
    /// The Chinese name.
    pub zh: String,
    /// The English name; absent or blank means "use the Chinese one".
    pub en: Option<String>,
}

/// Checks an import's places and turns them into records: each text 1 to [`NAME_MAX_LEN`]
/// characters and not only spaces, a missing English name replaced by the Chinese one, and
/// one name per (kind, id) — the same place twice with the same names is accepted once.
pub fn check(places: Vec<NewPlace>) -> Result<Vec<Place>, String> {
    let mut seen: HashMap<(PlaceKind, String), Name> = HashMap::new();
    let mut out = Vec::new();
    for p in places {
        let en = p.en.filter(|en| !en.trim().is_empty()).unwrap_or_else(|| p.zh.clone());
        for (field, value) in [("id", &p.id), ("zh", &p.zh), ("en", &en)] {
            if value.trim().is_empty() || value.chars().count() > NAME_MAX_LEN {
                return Err(format!(
                    "{} `{}`: `{field}` must be 1 to {NAME_MAX_LEN} characters, not all spaces",
                    p.kind.as_str(),
                    p.id
                ));
            }
        }
        let name = Name { zh: p.zh, en };
        match seen.get(&(p.kind, p.id.clone())) {
            Some(before) if *before == name => continue,
            Some(_) => return Err(format!("{} `{}` is given two different names", p.kind.as_str(), p.id)),
            None => {}
        }
        seen.insert((p.kind, p.id.clone()), name.clone());
        out.push(Place { kind: p.kind, id: p.id, name });
    }
    Ok(out)
}

/// Every known name, for labelling many ids at once.
#[derive(Debug, Clone, Default)]
pub struct Names {
    by_id: HashMap<(PlaceKind, String), Name>,
}

impl Names {
    /// A lookup over `places`.
    pub fn new(places: impl IntoIterator<Item = Place>) -> Self {
        Names { by_id: places.into_iter().map(|p| ((p.kind, p.id), p.name)).collect() }
    }

    /// The names of `id`, or the id itself ([`Name::of_id`]) when none was imported.
    pub fn name(&self, kind: PlaceKind, id: &str) -> Name {
        self.by_id.get(&(kind, id.to_string())).cloned().unwrap_or_else(|| Name::of_id(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(kind: PlaceKind, id: &str, zh: &str, en: Option<&str>) -> NewPlace {
        NewPlace { kind, id: id.into(), zh: zh.into(), en: en.map(String::from) }
    }

    #[test]
    fn a_missing_or_blank_english_name_falls_back_to_the_chinese_one() {
        let places = check(vec![
            new(PlaceKind::District, "yanta", "雁塔区", Some("Yanta District")),
            new(PlaceKind::Park, "qujiang", "曲江新区", None),
            new(PlaceKind::Industry, "C39", "计算机、通信和其他电子设备制造业", Some("  ")),
        ])
        .unwrap();
        assert_eq!(places[0].name.en, "Yanta District");
        assert_eq!(places[1].name.en, "曲江新区");
        assert_eq!(places[2].name.en, "计算机、通信和其他电子设备制造业");
    }

    #[test]
    fn a_place_named_twice_alike_is_kept_once_and_named_differently_is_refused() {
        let yanta = || new(PlaceKind::District, "yanta", "雁塔区", Some("Yanta District"));
        assert_eq!(check(vec![yanta(), yanta()]).unwrap().len(), 1);
        let other = new(PlaceKind::District, "yanta", "雁塔", None);
        assert!(check(vec![yanta(), other]).unwrap_err().contains("two different names"));
        // The same id as another kind is another place.
        assert_eq!(check(vec![yanta(), new(PlaceKind::Park, "yanta", "x", None)]).unwrap().len(), 2);
    }

    #[test]
    fn empty_and_overlong_names_are_refused() {
        for bad in [new(PlaceKind::Park, "", "x", None), new(PlaceKind::Park, "p", " ", None)] {
            assert!(check(vec![bad]).is_err());
        }
        let long = "名".repeat(NAME_MAX_LEN + 1);
        assert!(check(vec![new(PlaceKind::Park, "p", &long, None)]).is_err());
        assert!(check(vec![new(PlaceKind::Park, "p", &"名".repeat(NAME_MAX_LEN), None)]).is_ok());
    }

    #[test]
    fn unknown_ids_are_named_by_themselves() {
        let names = Names::new([Place {
            kind: PlaceKind::District,
            id: "yanta".into(),
            name: Name { zh: "雁塔区".into(), en: "Yanta District".into() },
        }]);
        assert_eq!(names.name(PlaceKind::District, "yanta").en, "Yanta District");
        assert_eq!(names.name(PlaceKind::Park, "yanta"), Name::of_id("yanta"));
        assert_eq!(names.name(PlaceKind::District, "d9"), Name::of_id("d9"));
    }
}
