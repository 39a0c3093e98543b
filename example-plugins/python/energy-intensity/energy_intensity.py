"""energy-intensity, in Python: a port of ``example-plugins/energy-intensity`` (Rust).

Energy intensity of every enterprise and month, compared with the median intensity of its
industry in the same month, and a list of the enterprises furthest above their peers.

Formula::

    intensity        = energy_tce / output_value                (tce per 10k CNY)
    industry_median  = median of intensity over the enterprises with the same industry_code
                       in the same month (an even count takes the mean of the two middle values)
    ratio_to_median  = intensity / industry_median
    flagged          = intensity > ratio × industry_median
    mean_ratio       = mean of an enterprise's ratio_to_median over all its months

A row is skipped when any column read is null, when ``output_value <= 0``, when the intensity
is not a finite number, or when its enterprise is not in ``enterprises`` (or has no
``industry_code``); skipped rows count toward no median. A median of exactly 0 leaves
``ratio_to_median`` null and the row unflagged, and such rows do not enter ``mean_ratio``.

Parameters: ``ratio`` (f64, 1.5, > 0), ``top`` (s64, 20, >= 0). Datasets, outputs and their
order are the Rust plugin's, so that on the same data both produce the same output document,
byte for byte: the arithmetic is done in the same order (sums left to right in observation
order, medians of the same sorted values, the same sort keys and tie-breaks).
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

from kiln_sdk import Batch, InvalidData, InvalidParams, Output, Plugin, PluginInfo, ValueType, col, month, stats

ENTERPRISES = "enterprises"
ENTERPRISE_COLUMNS = ["enterprise_id", "industry_code"]
MONTHLY = "monthly_indicators"
MONTHLY_COLUMNS = ["enterprise_id", "month", "output_value", "energy_tce"]


class Observations:
    """The usable enterprise-months as parallel lists (one entry per observation): dense
    enterprise and industry indices, the month as ``year × 12 + month − 1``, the intensity."""

    __slots__ = ("enterprise", "industry", "month", "intensity")

    def __init__(self) -> None:
        self.enterprise: List[int] = []
        self.industry: List[int] = []
        self.month: List[int] = []
        self.intensity: List[float] = []

    def __len__(self) -> int:
        return len(self.enterprise)

    def reordered(self, order: List[int]) -> "Observations":
        """The observations at the indices ``order``, in that order."""
        out = Observations()
        out.enterprise = [self.enterprise[i] for i in order]
        out.industry = [self.industry[i] for i in order]
        out.month = [self.month[i] for i in order]
        out.intensity = [self.intensity[i] for i in order]
        return out


# -- the arithmetic (compute.rs) -------------------------------------------------------------


def month_span(months: List[int]) -> Tuple[int, int]:
    """The first month and the number of months from it to the last; ``(0, 0)`` when empty."""
    if not months:
        return 0, 0
    first = min(months)
    return first, max(months) - first + 1


def by_enterprise_and_month(observations: Observations) -> Observations:
    """The observations ordered by enterprise, then month, equal keys in input order (as the
    Rust plugin's two stable counting sorts)."""
    e, m = observations.enterprise, observations.month
    return observations.reordered(sorted(range(len(e)), key=lambda i: (e[i], m[i])))


def industry_medians(observations: Observations) -> List[float]:
    """For each observation, the median intensity of its industry and month."""
    groups: Dict[Tuple[int, int], List[float]] = {}
    keys = list(zip(observations.industry, observations.month))
    for key, intensity in zip(keys, observations.intensity):
        groups.setdefault(key, []).append(intensity)
    medians = {key: stats.median(values) for key, values in groups.items()}
    return [medians[key] for key in keys]


def assess(intensity: float, industry_median: float, ratio: float) -> Tuple[Optional[float], bool]:
    """``(ratio_to_median, flagged)``: flagged when ``intensity > ratio × median``; a zero
    median leaves the ratio undefined (``None``) and the observation unflagged."""
    if industry_median == 0.0:
        return None, False
    return intensity / industry_median, intensity > ratio * industry_median


class Standing:
    """One enterprise's record over all its months."""

    __slots__ = ("enterprise", "mean_ratio", "flagged_months")

    def __init__(self, enterprise: int, mean_ratio: Optional[float], flagged_months: int):
        self.enterprise = enterprise
        self.mean_ratio = mean_ratio
        self.flagged_months = flagged_months

    def __repr__(self) -> str:
        return f"Standing({self.enterprise}, {self.mean_ratio}, {self.flagged_months})"


def standings(enterprise: List[int], ratios: List[Optional[float]], flagged: List[bool],
              enterprises: int) -> List[Standing]:
    """Each enterprise's mean ratio and flagged months, in enterprise order, for enterprises
    with at least one observation."""
    months = [0] * enterprises
    rated = [0] * enterprises
    ratio_sum = [0.0] * enterprises
    flagged_months = [0] * enterprises
    # One float addition at a time, in observation order, as the Rust loop adds (sum() would
    # compensate rounding on CPython >= 3.12 and give other last bits).
    for e, ratio, flag in zip(enterprise, ratios, flagged):
        months[e] += 1
        if ratio is not None:
            rated[e] += 1
            ratio_sum[e] += ratio
        if flag:
            flagged_months[e] += 1
    return [Standing(e, ratio_sum[e] / rated[e] if rated[e] else None, flagged_months[e])
            for e in range(enterprises) if months[e]]


def worst(standings_: List[Standing], top: int) -> List[Standing]:
    """The ``top`` enterprises with the highest mean ratio, highest first, ties by enterprise
    index (which follows enterprise_id); enterprises without a mean ratio are left out."""
    ranked = [s for s in standings_ if s.mean_ratio is not None]
    ranked.sort(key=lambda s: (-s.mean_ratio, s.enterprise))
    return ranked[:top]


# -- the plugin (lib.rs) ---------------------------------------------------------------------


class Directory:
    """The ``enterprises`` dataset reduced to what the plugin needs: ids and industries."""

    def __init__(self, ids: List[str], industry: List[int], industries: List[str]):
        #: enterprise_id by enterprise index, sorted, so index order is id order.
        self.ids = ids
        #: enterprise_id → enterprise index.
        self.index = {id_: i for i, id_ in enumerate(ids)}
        #: Industry index by enterprise index.
        self.industry = industry
        #: industry_code by industry index: the scan's dictionary of the column.
        self.industries = industries

    @classmethod
    def read(cls, ctx) -> "Directory":
        """Reads ``enterprises``, leaving out rows without an id or industry; refuses duplicate ids."""
        rows: List[Tuple[int, int]] = []  # (enterprise_id code, industry_code code)
        incomplete = 0
        scan = ctx.scan(ENTERPRISES, ENTERPRISE_COLUMNS)
        for batch in scan:
            usable = batch.rows_without_nulls(ENTERPRISE_COLUMNS)
            pairs = zip(batch.dict("enterprise_id").codes, batch.dict("industry_code").codes)
            if usable is None:
                rows.extend(pairs)
                continue
            for ok, pair in zip(usable, pairs):
                if ok:
                    rows.append(pair)
                else:
                    incomplete += 1
        id_names = scan.dictionary("enterprise_id")
        industries = scan.dictionary("industry_code")
        if incomplete:
            ctx.warn(f"{incomplete} enterprises without enterprise_id or industry_code left out")
        rows.sort(key=lambda row: id_names[row[0]])
        for a, b in zip(rows, rows[1:]):
            if id_names[a[0]] == id_names[b[0]]:
                raise InvalidData(f"enterprise `{id_names[a[0]]}` appears twice in `{ENTERPRISES}`")
        return cls([id_names[i] for i, _ in rows], [code for _, code in rows], industries)


def _parse_month(text: str):
    """The month, or the error to raise if a usable row has it (as the Rust plugin, which
    fails only on a malformed month it actually uses)."""
    try:
        return month.parse(text)
    except InvalidData as e:
        return e


def read_observations(ctx, directory: Directory) -> Observations:
    """Streams ``monthly_indicators`` into one observation per usable row."""
    obs = Observations()
    unusable = unknown = 0
    # Looked up and parsed once per distinct id and month (per dictionary code), not per row.
    enterprise_of: List[Optional[int]] = []
    month_of: list = []
    index = directory.index
    for batch in ctx.scan(MONTHLY, MONTHLY_COLUMNS):
        usable = batch.rows_without_nulls(MONTHLY_COLUMNS)
        ids, months = batch.dict("enterprise_id"), batch.dict("month")
        enterprise_of.extend(index.get(v) for v in ids.values[len(enterprise_of):])
        month_of.extend(_parse_month(v) for v in months.values[len(month_of):])
        id_codes, month_codes = ids.codes, months.codes
        output, energy = batch.f64("output_value"), batch.f64("energy_tce")
        for row in range(batch.num_rows):
            out = output[row]
            if (usable is not None and not usable[row]) or out <= 0.0:
                unusable += 1
                continue
            intensity = energy[row] / out
            if not math.isfinite(intensity):
                unusable += 1
                continue
            enterprise = enterprise_of[id_codes[row]]
            if enterprise is None:
                unknown += 1
                continue
            m = month_of[month_codes[row]]
            if isinstance(m, InvalidData):
                raise m
            obs.enterprise.append(enterprise)
            obs.industry.append(directory.industry[enterprise])
            obs.month.append(m)
            obs.intensity.append(intensity)
    if unusable:
        ctx.info(f"{unusable} rows with nulls, no output value or no finite intensity skipped")
    if unknown:
        ctx.warn(f"{unknown} rows of enterprises without a known industry skipped")
    return obs


class EnergyIntensity(Plugin):
    """The energy-intensity plugin."""

    info = (
        PluginInfo("energy-intensity", "0.1.0")
        .description(
            "Energy intensity (tce per 10k CNY of output) per enterprise and month, compared with the "
            "median of its industry in that month; lists the enterprises furthest above their peers."
        )
        .param("ratio", 1.5, "Flag an enterprise-month when its intensity exceeds ratio × its industry median.")
        .param("top", 20, "How many enterprises the `worst` table lists.")
        .dataset(ENTERPRISES, ENTERPRISE_COLUMNS, "Each enterprise's industry, its peer group.")
        .dataset(MONTHLY, MONTHLY_COLUMNS, "Monthly output value and energy use.")
        .table(
            "intensity",
            "Each usable enterprise-month against its industry's median; by enterprise_id, month.",
            [
                col("enterprise_id", ValueType.STRING),
                col("month", ValueType.STRING, doc="YYYY-MM"),
                col("industry_code", ValueType.STRING),
                col("intensity", ValueType.F64, doc="tce per 10k CNY"),
                col("industry_median", ValueType.F64),
                col("ratio_to_median", ValueType.F64, nullable=True, doc="null when the median is 0"),
                col("flagged", ValueType.BOOL),
            ],
        )
        .table(
            "worst",
            "The `top` enterprises by mean ratio to their industry median, highest first.",
            [
                col("enterprise_id", ValueType.STRING),
                col("industry_code", ValueType.STRING),
                col("mean_ratio", ValueType.F64),
                col("flagged_months", ValueType.S64),
            ],
        )
        .metric("flagged_rows", "Enterprise-months above ratio × their industry median.")
        .metric("enterprises", "Enterprises with at least one usable month.")
    )

    def run(self, ctx, params):
        ratio, top = params.ratio, params.top
        if not (math.isfinite(ratio) and ratio > 0.0):
            raise InvalidParams(f"`ratio` must be a positive number, got {ratio}")
        if top < 0:
            raise InvalidParams(f"`top` must be zero or more, got {top}")

        directory = Directory.read(ctx)
        # Enterprise indices follow enterprise_id, so this is the output order.
        obs = by_enterprise_and_month(read_observations(ctx, directory))
        medians = industry_medians(obs)
        ratios: List[Optional[float]] = []
        flagged: List[bool] = []
        for intensity, median in zip(obs.intensity, medians):
            r, f = assess(intensity, median, ratio)
            ratios.append(r)
            flagged.append(f)
        standing = standings(obs.enterprise, ratios, flagged, len(directory.ids))
        ranked = worst(standing, top)
        flagged_rows = flagged.count(True)
        ctx.info(f"{len(obs)} enterprise-months of {len(standing)} enterprises, {flagged_rows} flagged")

        # The id, month and industry columns repeat a few values row after row: they go out as
        # codes into dictionaries of those values (the enterprise and industry indices already
        # are such codes, and a month's is its offset from the first).
        first_month, months = month_span(obs.month)
        month_names = [month.format(first_month + k) for k in range(months)]
        intensity_table = (
            Batch()
            .with_dict("enterprise_id", directory.ids, obs.enterprise)
            .with_dict("month", month_names, [m - first_month for m in obs.month])
            .with_dict("industry_code", directory.industries, obs.industry)
            .with_f64("intensity", obs.intensity)
            .with_f64("industry_median", medians)
            .with_f64("ratio_to_median", ratios)
            .with_bool("flagged", flagged)
        )
        # A few rows: plain strings, not the whole dictionaries.
        worst_table = (
            Batch()
            .with_str("enterprise_id", [directory.ids[s.enterprise] for s in ranked])
            .with_str("industry_code", [directory.industries[directory.industry[s.enterprise]] for s in ranked])
            .with_f64("mean_ratio", [s.mean_ratio for s in ranked])
            .with_s64("flagged_months", [s.flagged_months for s in ranked])
        )
        return (
            Output()
            .table("intensity", intensity_table)
            .table("worst", worst_table)
            .metric("flagged_rows", flagged_rows)
            .metric("enterprises", len(standing))
        )
