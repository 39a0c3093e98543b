//! The GB/T 4754-2017 industry divisions used for Xi'an, with the economic parameters that
//! drive each division's monthly series and machines.

/// How a division's output moves through the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seasonality {
    /// Factories and services: Spring Festival dip, year-end push.
    Production,
    /// Power and heat supply: winter heating and summer air-conditioning peaks, no festival dip.
    Utility,
}

/// One GB/T 4754-2017 division and its parameters.
#[derive(Debug, PartialEq)]
pub(crate) struct Industry {
    /// Division code, e.g. "C36".
    pub code: &'static str,
    /// Official Chinese division name.
    pub name: &'static str,
    /// The division's English name, as the National Bureau of Statistics translates it.
    pub name_en: &'static str,
    /// Trend growth of output value per year (continuous rate, e.g. 0.08 ≈ +8 %/yr).
    pub trend: f64,
    /// Comprehensive energy intensity, tce per 10k CNY of output value.
    pub energy_intensity: f64,
    /// Share of energy taken as electricity (equivalent-value basis, 1.229 tce per 10⁴ kWh).
    pub electricity_share: f64,
    /// Water use, m³ per 10k CNY of output value.
    pub water_intensity: f64,
    /// Output value per employee per year, 10k CNY.
    pub productivity: f64,
    /// Typical profit margin on revenue.
    pub margin: f64,
    /// Capital-heavy division: more large plants, continuous (three-shift) production.
    pub heavy: bool,
    /// The division's seasonal profile.
    pub seasonality: Seasonality,
    /// Words describing the business, used in company names.
    pub name_words: &'static [&'static str],
    /// Range of a machine's ideal cycle time in seconds (manufacturing divisions only).
    pub cycle_s: (f64, f64),
}

impl Industry {
    /// Whether the division is manufacturing (section C), i.e. has machines with telemetry.
    pub(crate) fn is_manufacturing(&self) -> bool {
        self.code.starts_with('C')
    }
}

const fn division(code: &'static str, name: &'static str, name_en: &'static str) -> Industry {
    Industry {
        code,
        name,
        name_en,
        trend: 0.0,
        energy_intensity: 0.1,
        electricity_share: 0.5,
        water_intensity: 2.0,
        productivity: 100.0,
        margin: 0.06,
        heavy: false,
        seasonality: Seasonality::Production,
        name_words: &[],
        cycle_s: (10.0, 60.0),
    }
}

/// 农副食品加工业.
pub(crate) const C13: Industry = Industry {
    trend: 0.015,
    energy_intensity: 0.15,
    electricity_share: 0.35,
    water_intensity: 10.0,
    productivity: 150.0,
    margin: 0.05,
    name_words: &["粮油", "食品", "肉类加工", "面业", "农产品", "饲料"],
    cycle_s: (1.0, 6.0),
    ..division("C13", "农副食品加工业", "Processing of Food from Agricultural Products")
};
/// 化学原料和化学制品制造业.
pub(crate) const C26: Industry = Industry {
    trend: 0.0,
    energy_intensity: 0.9,
    electricity_share: 0.3,
    water_intensity: 15.0,
    productivity: 250.0,
    margin: 0.07,
    heavy: true,
    name_words: &["化工", "化学", "精细化工", "新材料", "涂料"],
    cycle_s: (20.0, 90.0),
    ..division("C26", "化学原料和化学制品制造业", "Manufacture of Raw Chemical Materials and Chemical Products")
};
/// 医药制造业.
pub(crate) const C27: Industry = Industry {
    trend: 0.03,
    energy_intensity: 0.12,
    electricity_share: 0.4,
    water_intensity: 8.0,
    productivity: 120.0,
    margin: 0.12,
    name_words: &["制药", "药业", "生物医药", "生物科技", "医药"],
    cycle_s: (1.0, 5.0),
    ..division("C27", "医药制造业", "Manufacture of Medicines")
};
/// 非金属矿物制品业.
pub(crate) const C30: Industry = Industry {
    trend: -0.03,
    energy_intensity: 1.3,
    electricity_share: 0.2,
    water_intensity: 3.0,
    productivity: 130.0,
    margin: 0.06,
    heavy: true,
    name_words: &["建材", "水泥", "玻璃", "陶瓷", "新型建材", "混凝土"],
    cycle_s: (30.0, 120.0),
    ..division("C30", "非金属矿物制品业", "Manufacture of Non-metallic Mineral Products")
};
/// 黑色金属冶炼和压延加工业.
pub(crate) const C31: Industry = Industry {
    trend: -0.015,
    energy_intensity: 1.6,
    electricity_share: 0.25,
    water_intensity: 20.0,
    productivity: 400.0,
    margin: 0.01,
    heavy: true,
    name_words: &["钢铁", "特钢", "金属材料", "冶金", "钢材"],
    cycle_s: (60.0, 240.0),
    ..division("C31", "黑色金属冶炼和压延加工业", "Smelting and Pressing of Ferrous Metals")
};
/// 金属制品业.
pub(crate) const C33: Industry = Industry {
    trend: 0.01,
    energy_intensity: 0.15,
    electricity_share: 0.5,
    water_intensity: 2.5,
    productivity: 90.0,
    margin: 0.05,
    name_words: &["金属制品", "五金", "钢结构", "紧固件", "金属科技"],
    cycle_s: (10.0, 60.0),
    ..division("C33", "金属制品业", "Manufacture of Metal Products")
};
/// 通用设备制造业.
pub(crate) const C34: Industry = Industry {
    trend: 0.015,
    energy_intensity: 0.08,
    electricity_share: 0.6,
    water_intensity: 1.5,
    productivity: 100.0,
    margin: 0.06,
    name_words: &["机械", "精密机械", "动力设备", "泵业", "阀门", "压缩机", "轴承"],
    cycle_s: (30.0, 240.0),
    ..division("C34", "通用设备制造业", "Manufacture of General Purpose Machinery")
};
/// 专用设备制造业.
pub(crate) const C35: Industry = Industry {
    trend: 0.02,
    energy_intensity: 0.08,
    electricity_share: 0.6,
    water_intensity: 1.5,
    productivity: 100.0,
    margin: 0.07,
    name_words: &["专用设备", "重工", "智能装备", "石油装备", "矿山机械", "医疗器械"],
    cycle_s: (60.0, 600.0),
    ..division("C35", "专用设备制造业", "Manufacture of Special Purpose Machinery")
};
/// 汽车制造业.
pub(crate) const C36: Industry = Industry {
    trend: 0.05,
    energy_intensity: 0.06,
    electricity_share: 0.6,
    water_intensity: 1.2,
    productivity: 200.0,
    margin: 0.05,
    name_words: &["汽车", "汽车零部件", "新能源汽车", "车桥", "汽车电子"],
    cycle_s: (30.0, 120.0),
    ..division("C36", "汽车制造业", "Manufacture of Automobiles")
};
/// 铁路、船舶、航空航天和其他运输设备制造业.
pub(crate) const C37: Industry = Industry {
    trend: 0.05,
    energy_intensity: 0.08,
    electricity_share: 0.6,
    water_intensity: 1.5,
    productivity: 110.0,
    margin: 0.06,
    name_words: &["航空", "航空零部件", "航空科技", "航天", "飞机部件", "轨道交通装备"],
    cycle_s: (300.0, 3600.0),
    ..division(
        "C37",
        "铁路、船舶、航空航天和其他运输设备制造业",
        "Manufacture of Railway, Ship, Aerospace and Other Transport Equipment",
    )
};
/// 电气机械和器材制造业.
pub(crate) const C38: Industry = Industry {
    trend: 0.04,
    energy_intensity: 0.05,
    electricity_share: 0.7,
    water_intensity: 1.0,
    productivity: 130.0,
    margin: 0.06,
    name_words: &["电气", "电器", "电力设备", "电缆", "光伏", "储能", "电机"],
    cycle_s: (10.0, 90.0),
    ..division("C38", "电气机械和器材制造业", "Manufacture of Electrical Machinery and Apparatus")
};
/// 计算机、通信和其他电子设备制造业.
pub(crate) const C39: Industry = Industry {
    trend: 0.06,
    energy_intensity: 0.05,
    electricity_share: 0.85,
    water_intensity: 2.0,
    productivity: 160.0,
    margin: 0.05,
    name_words: &["电子", "半导体", "微电子", "通信", "光电", "集成电路"],
    cycle_s: (2.0, 20.0),
    ..division(
        "C39",
        "计算机、通信和其他电子设备制造业",
        "Manufacture of Computers, Communication and Other Electronic Equipment",
    )
};
/// 仪器仪表制造业.
pub(crate) const C40: Industry = Industry {
    trend: 0.03,
    energy_intensity: 0.04,
    electricity_share: 0.8,
    water_intensity: 1.0,
    productivity: 80.0,
    margin: 0.08,
    name_words: &["仪器仪表", "仪表", "测控", "传感", "计量"],
    cycle_s: (20.0, 180.0),
    ..division("C40", "仪器仪表制造业", "Manufacture of Measuring Instruments and Meters")
};
/// 电力、热力生产和供应业.
pub(crate) const D44: Industry = Industry {
    trend: 0.015,
    energy_intensity: 3.0,
    electricity_share: 0.03,
    water_intensity: 40.0,
    productivity: 500.0,
    margin: 0.03,
    heavy: true,
    seasonality: Seasonality::Utility,
    name_words: &["热电", "热力", "电力", "能源", "供热"],
    ..division("D44", "电力、热力生产和供应业", "Production and Supply of Electric Power and Heat Power")
};
/// 软件和信息技术服务业.
pub(crate) const I65: Industry = Industry {
    trend: 0.06,
    energy_intensity: 0.02,
    electricity_share: 0.95,
    water_intensity: 0.5,
    productivity: 45.0,
    margin: 0.10,
    name_words: &["软件", "信息技术", "数据", "网络科技", "智能科技", "信息"],
    ..division("I65", "软件和信息技术服务业", "Software and Information Technology Services")
};

/// Every division the generator uses, in code order.
#[cfg(test)]
pub(crate) const ALL: [&Industry; 15] =
    [&C13, &C26, &C27, &C30, &C31, &C33, &C34, &C35, &C36, &C37, &C38, &C39, &C40, &D44, &I65];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisions_are_listed_once_in_code_order_with_sane_parameters() {
        for pair in ALL.windows(2) {
            assert!(pair[0].code < pair[1].code);
        }
        for ind in ALL {
            assert!(!ind.name.is_empty() && !ind.name_words.is_empty(), "{}", ind.code);
            assert!(ind.name_en.is_ascii() && !ind.name_en.is_empty(), "{}", ind.code);
            assert!(ind.energy_intensity > 0.0 && ind.productivity > 0.0);
            assert!((0.0..=1.0).contains(&ind.electricity_share));
            assert!(ind.cycle_s.0 < ind.cycle_s.1);
            assert!(ind.trend.abs() <= 0.1, "trends must stay moderate for anomaly detection");
        }
    }
}
