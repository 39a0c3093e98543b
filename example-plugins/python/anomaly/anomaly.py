"""anomaly, in Python: a port of ``example-plugins/anomaly`` (Rust).

Unusual months in each enterprise's own history: a robust z-score of every monthly value of
the chosen indicators against the enterprise's series of that indicator.

For each enterprise and indicator, over the series ``x₁ … xₙ`` of its non-null values::

    median   = median(x)                       (an even count takes the mean of the two middle values)
    mad      = median(|xᵢ − median|)           (median absolute deviation)
    robust_z = 0.6745 × (xᵢ − median) / mad

A value is an anomaly when ``|robust_z| > threshold``. A series whose MAD is 0 flags nothing.
Null and non-finite values are skipped, as are rows whose ``enterprise_id`` or ``month`` is null.

Parameters: ``threshold`` (f64, 3.5, >= 0) and ``indicators`` (comma-separated, default
``output_value,energy_tce,electricity_kwh``). Info, outputs and their order are the Rust
plugin's, so that both produce the same output document on the same data.
"""

from __future__ import annotations

import math
from typing import List, Optional, Tuple

from kiln_sdk import Batch, InvalidData, InvalidParams, Output, Plugin, PluginInfo, ValueType, col, month, stats

MONTHLY = "monthly_indicators"

#: The `monthly_indicators` columns that can be screened.
INDICATORS = ["output_value", "revenue", "profit", "energy_tce", "electricity_kwh", "water_m3", "employees"]

KEY_COLUMNS = ["enterprise_id", "month"]

#: Scales the MAD to estimate the standard deviation of normally distributed data
#: (0.6745 ≈ Φ⁻¹(0.75)), as in Iglewicz and Hoaglin's modified z-score.
MAD_SCALE = 0.6745


# -- the arithmetic (compute.rs) -------------------------------------------------------------


def robust_z(value: float, median: float, mad: float) -> float:
    """The robust z-score of ``value`` in a series with this median and MAD."""
    # Evaluated as Rust does: (MAD_SCALE × (value − median)) / mad.
    return MAD_SCALE * (value - median) / mad


class Finding:
    """A value whose robust z-score exceeds the threshold."""

    __slots__ = ("indicator", "enterprise", "month", "value", "median", "mad", "robust_z")

    def __init__(self, indicator, enterprise, month_, value, median, mad, z):
        self.indicator, self.enterprise, self.month = indicator, enterprise, month_
        self.value, self.median, self.mad, self.robust_z = value, median, mad, z


def flag_series(indicator: int, enterprise: int, months: List[int], values: List[float], threshold: float,
                found: List[Finding]) -> None:
    """Appends the points of one series whose |robust z| exceeds ``threshold`` to ``found``,
    in series order; a series whose MAD is 0 flags nothing."""
    center = stats.median(values)
    if center is None:
        return
    mad = stats.median([abs(v - center) for v in values])
    if mad == 0.0:
        return
    for m, v in zip(months, values):
        z = robust_z(v, center, mad)
        if abs(z) > threshold:
            found.append(Finding(indicator, enterprise, m, v, center, mad, z))


def flag_indicator(indicator: int, enterprises: List[int], months: List[int], values: List[float],
                   threshold: float, found: List[Finding]) -> int:
    """Flags anomalies in every enterprise's series of one indicator (points given as parallel
    lists); returns the number of series (enterprises with at least one point)."""
    series: dict = {}  # enterprise → (months, values), each in point order
    for e, m, v in zip(enterprises, months, values):
        one = series.get(e)
        if one is None:
            one = series[e] = ([], [])
        one[0].append(m)
        one[1].append(v)
    # Enterprise order, as the Rust plugin's counting sort groups them.
    for e in sorted(series):
        flag_series(indicator, e, series[e][0], series[e][1], threshold, found)
    return len(series)


# -- the plugin (lib.rs) ---------------------------------------------------------------------


def parse_indicators(text: str) -> List[str]:
    """The ``indicators`` parameter as known column names, deduplicated and sorted."""
    chosen: List[str] = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        if name not in INDICATORS:
            raise InvalidParams(f"unknown indicator `{name}`; choose from {', '.join(INDICATORS)}")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise InvalidParams("`indicators` names no indicator")
    return sorted(chosen)


def _parse_month(text: str):
    """The month, or the error to raise if a usable row has it."""
    try:
        return month.parse(text)
    except InvalidData as e:
        return e


def read_points(ctx, indicators: List[str]) -> Tuple[List[str], List[Tuple[List[int], List[int], List[float]]]]:
    """Streams ``monthly_indicators`` into points per indicator, each as parallel lists
    (enterprise code, month, value). Enterprises are numbered by their codes in the scan's
    dictionary of ``enterprise_id``, returned with the points."""
    points = [([], [], []) for _ in indicators]
    skipped_rows = 0
    month_of: list = []  # parsed once per distinct month (dictionary code), not once per row
    scan = ctx.scan(MONTHLY, KEY_COLUMNS + indicators)
    for batch in scan:
        usable = batch.rows_without_nulls(KEY_COLUMNS)
        ids = batch.dict("enterprise_id").codes
        months = batch.dict("month")
        month_of.extend(_parse_month(v) for v in months.values[len(month_of):])
        # Each row's month, or None when the row's enterprise_id or month is null; shared by
        # the indicators.
        keys: List[Optional[int]] = []
        for row, code in enumerate(months.codes):
            if usable is not None and not usable[row]:
                skipped_rows += 1
                keys.append(None)
                continue
            m = month_of[code]
            if isinstance(m, InvalidData):
                raise m
            keys.append(m)
        for name, (p_enterprise, p_month, p_value) in zip(indicators, points):
            # `employees` is s64: the SDK widens it to f64 here.
            values = batch.f64(name)
            validity = batch.validity(name)
            isfinite = math.isfinite
            if validity is None:
                for e, m, v in zip(ids, keys, values):
                    if m is not None and isfinite(v):
                        p_enterprise.append(e)
                        p_month.append(m)
                        p_value.append(v)
            else:
                for e, m, v, ok in zip(ids, keys, values, validity):
                    if m is not None and ok and isfinite(v):
                        p_enterprise.append(e)
                        p_month.append(m)
                        p_value.append(v)
    enterprise_ids = scan.dictionary("enterprise_id")
    if skipped_rows:
        ctx.info(f"{skipped_rows} rows without enterprise_id or month skipped")
    return enterprise_ids, points


def ranks(ids: List[str]) -> List[int]:
    """Each index's position when the ids are sorted."""
    rank = [0] * len(ids)
    for r, i in enumerate(sorted(range(len(ids)), key=ids.__getitem__)):
        rank[i] = r
    return rank


class Anomaly(Plugin):
    """The anomaly plugin."""

    info = (
        PluginInfo("anomaly", "0.1.0")
        .description(
            "Flags months where an enterprise's indicator departs from its own history, by the robust "
            "z-score 0.6745 × (x − median) / MAD."
        )
        .param("threshold", 3.5, "Flag a value when |robust z| exceeds this.")
        .param(
            "indicators",
            "output_value,energy_tce,electricity_kwh",
            "Comma-separated indicators to screen, from: output_value, revenue, profit, energy_tce, "
            "electricity_kwh, water_m3, employees.",
        )
        .dataset(
            MONTHLY,
            KEY_COLUMNS + INDICATORS,
            "Monthly indicators; only enterprise_id, month and the chosen indicators are read.",
        )
        .table(
            "anomalies",
            "Values whose |robust z| exceeds the threshold; by enterprise_id, month, indicator.",
            [
                col("enterprise_id", ValueType.STRING),
                col("month", ValueType.STRING, doc="YYYY-MM"),
                col("indicator", ValueType.STRING),
                col("value", ValueType.F64),
                col("median", ValueType.F64, doc="of the enterprise's series of the indicator"),
                col("mad", ValueType.F64, doc="median absolute deviation of that series"),
                col("robust_z", ValueType.F64),
            ],
        )
        .metric("anomaly_count", "Rows of `anomalies`.")
        .metric("series", "Enterprise-indicator series screened.")
    )

    def run(self, ctx, params):
        threshold = params.threshold
        if not (math.isfinite(threshold) and threshold >= 0.0):
            raise InvalidParams(f"`threshold` must be zero or more, got {threshold}")
        # Sorted by name, so an indicator's index is its place in the output order.
        indicators = parse_indicators(params.indicators)
        enterprise_ids, points = read_points(ctx, indicators)

        series = 0
        found: List[Finding] = []
        for indicator, (enterprises, months, values) in enumerate(points):
            series += flag_indicator(indicator, enterprises, months, values, threshold, found)

        rank = ranks(enterprise_ids)
        # By enterprise_id, month, indicator; equal keys are the same point (same value).
        found.sort(key=lambda f: (rank[f.enterprise], f.month, f.indicator, f.value))
        ctx.info(f"{len(found)} anomalies in {series} series")

        table = (
            Batch()
            .with_str("enterprise_id", [enterprise_ids[f.enterprise] for f in found])
            .with_str("month", [month.format(f.month) for f in found])
            .with_str("indicator", [indicators[f.indicator] for f in found])
            .with_f64("value", [f.value for f in found])
            .with_f64("median", [f.median for f in found])
            .with_f64("mad", [f.mad for f in found])
            .with_f64("robust_z", [f.robust_z for f in found])
        )
        return (
            Output()
            .table("anomalies", table)
            .metric("anomaly_count", len(found))
            .metric("series", series)
        )
