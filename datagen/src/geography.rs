//! Xi'an's districts and counties, its industrial parks and development zones, and the
//! (district, park) locations enterprises are placed in, each with its industry mix.

use crate::industries::{C13, C26, C27, C30, C31, C33, C34, C35, C36, C37, C38, C39, C40, D44, I65, Industry};

/// A district or county of Xi'an.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct District {
    /// Stable English id, e.g. "yanta".
    pub id: &'static str,
    /// Chinese name, e.g. "雁塔区".
    pub name: &'static str,
    /// English name, e.g. "Yanta District".
    pub name_en: &'static str,
}

/// An industrial park or development zone (or [`NO_PARK`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Park {
    /// Stable English id, e.g. "high-tech-zone".
    pub id: &'static str,
    /// Chinese name, e.g. "西安高新技术产业开发区".
    pub name: &'static str,
    /// English name, e.g. "Xi'an High-tech Industries Development Zone".
    pub name_en: &'static str,
}

const fn district(id: &'static str, name: &'static str, name_en: &'static str) -> District {
    District { id, name, name_en }
}

const XINCHENG: District = district("xincheng", "新城区", "Xincheng District");
const BEILIN: District = district("beilin", "碑林区", "Beilin District");
const LIANHU: District = district("lianhu", "莲湖区", "Lianhu District");
const BAQIAO: District = district("baqiao", "灞桥区", "Baqiao District");
const WEIYANG: District = district("weiyang", "未央区", "Weiyang District");
const YANTA: District = district("yanta", "雁塔区", "Yanta District");
const YANLIANG: District = district("yanliang", "阎良区", "Yanliang District");
const LINTONG: District = district("lintong", "临潼区", "Lintong District");
const CHANGAN: District = district("changan", "长安区", "Chang'an District");
const GAOLING: District = district("gaoling", "高陵区", "Gaoling District");
const HUYI: District = district("huyi", "鄠邑区", "Huyi District");
const LANTIAN: District = district("lantian", "蓝田县", "Lantian County");
const ZHOUZHI: District = district("zhouzhi", "周至县", "Zhouzhi County");

/// All 13 districts and counties of Xi'an.
#[cfg(test)]
pub(crate) const DISTRICTS: [District; 13] =
    [XINCHENG, BEILIN, LIANHU, BAQIAO, WEIYANG, YANTA, YANLIANG, LINTONG, CHANGAN, GAOLING, HUYI, LANTIAN, ZHOUZHI];

const fn park(id: &'static str, name: &'static str, name_en: &'static str) -> Park {
    Park { id, name, name_en }
}

const HIGH_TECH: Park = park("high-tech-zone", "西安高新技术产业开发区", "Xi'an High-tech Industries Development Zone");
const ECON_DEV: Park =
    park("economic-development-zone", "西安经济技术开发区", "Xi'an Economic and Technological Development Zone");
const CHANBA: Park = park("chanba", "西安浐灞生态区", "Xi'an Chanba Ecological District");
const INTL_PORT: Park =
    park("intl-trade-logistics-park", "西安国际港务区", "Xi'an International Trade and Logistics Park");
const AEROSPACE: Park = park("aerospace-base", "西安航天基地", "Xi'an National Civil Aerospace Industrial Base");
const AVIATION: Park = park("aviation-base", "西安航空基地", "Xi'an National Aviation High-tech Industrial Base");
const QUJIANG: Park = park("qujiang", "曲江新区", "Qujiang New District");
const XIXIAN: Park = park("xixian", "西咸新区", "Xixian New Area");
/// Not in any park: "园区外", "Outside industrial parks".
pub(crate) const NO_PARK: Park = park("none", "园区外", "Outside industrial parks");

/// Relative weights of divisions among a location's enterprises.
type Mix = &'static [(&'static Industry, f64)];

/// A place an enterprise can sit: a district, a park in it (or none), how many enterprises
/// are there, and which divisions they belong to.
#[derive(Debug)]
pub(crate) struct Location {
    /// The district or county.
    pub district: District,
    /// The park or development zone, or [`NO_PARK`].
    pub park: Park,
    /// Relative share of all enterprises.
    pub weight: f64,
    /// Industry mix of the location.
    pub mix: Mix,
}

const MIX_HIGH_TECH: Mix = &[
    (&I65, 30.0),
    (&C39, 20.0),
    (&C27, 8.0),
    (&C38, 8.0),
    (&C40, 8.0),
    (&C35, 4.0),
    (&C34, 3.0),
    (&C33, 2.0),
    (&C36, 2.0),
    (&C37, 2.0),
    (&C13, 1.0),
    (&C26, 1.0),
];
const MIX_QUJIANG: Mix = &[(&I65, 30.0), (&C13, 3.0), (&C39, 3.0), (&C27, 2.0), (&C40, 1.0)];
const MIX_AEROSPACE: Mix =
    &[(&C37, 20.0), (&C39, 10.0), (&I65, 10.0), (&C40, 6.0), (&C38, 5.0), (&C34, 4.0), (&C33, 3.0), (&C35, 3.0)];
const MIX_ECON_DEV: Mix = &[
    (&C36, 20.0),
    (&C34, 14.0),
    (&C35, 10.0),
    (&C38, 10.0),
    (&C33, 8.0),
    (&C39, 6.0),
    (&C13, 4.0),
    (&C27, 4.0),
    (&C26, 3.0),
    (&C37, 3.0),
    (&C40, 3.0),
    (&I65, 3.0),
    (&C31, 2.0),
    (&C30, 2.0),
];
const MIX_XIXIAN: Mix = &[
    (&C39, 12.0),
    (&I65, 12.0),
    (&C38, 8.0),
    (&C36, 4.0),
    (&C35, 4.0),
    (&C34, 3.0),
    (&C13, 3.0),
    (&C27, 3.0),
    (&C40, 3.0),
];
const MIX_CHANBA: Mix = &[(&I65, 20.0), (&C13, 4.0), (&C27, 4.0), (&C39, 3.0), (&C40, 2.0)];
const MIX_INTL_PORT: Mix =
    &[(&C13, 10.0), (&I65, 6.0), (&C33, 5.0), (&C34, 4.0), (&C39, 4.0), (&C36, 3.0), (&C38, 3.0)];
const MIX_AVIATION: Mix = &[(&C37, 30.0), (&C34, 8.0), (&C33, 6.0), (&C35, 4.0), (&C38, 3.0), (&C40, 3.0), (&C39, 2.0)];
/// Outside parks in the old city: services and light industry.
const MIX_URBAN: Mix = &[(&I65, 20.0), (&C13, 4.0), (&C27, 4.0), (&C33, 2.0), (&C39, 2.0), (&C40, 2.0), (&D44, 1.0)];
/// Outside parks in the inner suburbs: a broad manufacturing base.
const MIX_SUBURBAN: Mix = &[
    (&C13, 6.0),
    (&C33, 6.0),
    (&I65, 6.0),
    (&C34, 5.0),
    (&C35, 4.0),
    (&C38, 4.0),
    (&C26, 3.0),
    (&C27, 3.0),
    (&C30, 3.0),
    (&C36, 3.0),
    (&C39, 3.0),
    (&D44, 2.0),
    (&C31, 1.0),
];
/// Outside parks in the outer districts and counties: food, building materials, heavy industry.
const MIX_OUTER: Mix = &[
    (&C13, 12.0),
    (&C30, 8.0),
    (&C33, 5.0),
    (&C26, 4.0),
    (&C27, 4.0),
    (&C34, 3.0),
    (&D44, 3.0),
    (&C31, 2.0),
    (&C35, 2.0),
    (&C38, 2.0),
];

const fn at(district: District, park: Park, weight: f64, mix: Mix) -> Location {
    Location { district, park, weight, mix }
}

/// Every (district, park) location with its share of enterprises (weights sum to 100).
pub(crate) static LOCATIONS: [Location; 25] = [
    at(YANTA, HIGH_TECH, 15.0, MIX_HIGH_TECH),
    at(CHANGAN, HIGH_TECH, 6.0, MIX_HIGH_TECH),
    at(YANTA, QUJIANG, 3.0, MIX_QUJIANG),
    at(CHANGAN, AEROSPACE, 5.0, MIX_AEROSPACE),
    at(WEIYANG, ECON_DEV, 11.0, MIX_ECON_DEV),
    at(GAOLING, ECON_DEV, 6.0, MIX_ECON_DEV),
    at(WEIYANG, XIXIAN, 2.0, MIX_XIXIAN),
    at(CHANGAN, XIXIAN, 2.0, MIX_XIXIAN),
    at(HUYI, XIXIAN, 1.0, MIX_XIXIAN),
    at(BAQIAO, CHANBA, 4.0, MIX_CHANBA),
    at(BAQIAO, INTL_PORT, 4.0, MIX_INTL_PORT),
    at(YANLIANG, AVIATION, 5.0, MIX_AVIATION),
    at(XINCHENG, NO_PARK, 2.0, MIX_URBAN),
    at(BEILIN, NO_PARK, 2.0, MIX_URBAN),
    at(LIANHU, NO_PARK, 3.0, MIX_URBAN),
    at(YANTA, NO_PARK, 3.0, MIX_URBAN),
    at(WEIYANG, NO_PARK, 3.0, MIX_SUBURBAN),
    at(BAQIAO, NO_PARK, 2.0, MIX_SUBURBAN),
    at(CHANGAN, NO_PARK, 4.0, MIX_SUBURBAN),
    at(GAOLING, NO_PARK, 3.0, MIX_SUBURBAN),
    at(YANLIANG, NO_PARK, 2.0, MIX_OUTER),
    at(LINTONG, NO_PARK, 5.0, MIX_OUTER),
    at(HUYI, NO_PARK, 3.0, MIX_OUTER),
    at(LANTIAN, NO_PARK, 2.0, MIX_OUTER),
    at(ZHOUZHI, NO_PARK, 2.0, MIX_OUTER),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_district_has_enterprises_and_weights_sum_to_one_hundred() {
        let total: f64 = LOCATIONS.iter().map(|l| l.weight).sum();
        assert!((total - 100.0).abs() < 1e-9, "total {total}");
        let used: HashSet<_> = LOCATIONS.iter().map(|l| l.district.id).collect();
        for d in DISTRICTS {
            assert!(used.contains(d.id), "{} has no location", d.id);
        }
    }

    #[test]
    fn ids_and_names_map_one_to_one() {
        let ids: HashSet<_> = DISTRICTS.iter().map(|d| d.id).collect();
        let names: HashSet<_> = DISTRICTS.iter().map(|d| d.name).collect();
        assert_eq!((ids.len(), names.len()), (13, 13));
        let parks: HashSet<_> = LOCATIONS.iter().map(|l| (l.park.id, l.park.name)).collect();
        let park_ids: HashSet<_> = parks.iter().map(|p| p.0).collect();
        let park_names: HashSet<_> = parks.iter().map(|p| p.1).collect();
        assert_eq!(parks.len(), park_ids.len());
        assert_eq!(parks.len(), park_names.len());
    }
}
