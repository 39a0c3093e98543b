// The dashboard's charts as pure functions: the cells (or a cell's months) and the words to
// draw them with in, an ECharts option out. Names, units and number formats are passed in, so
// the option depends on nothing but its input (and the tests need no locale or ECharts).
import type { ChartOption } from "../charts";
import { cellId, metricOf, type Cell, type Metric } from "./drill";
import type { Point } from "./rollups";

/** At most this many bars are drawn; the table has the rest. */
export const CHART_MAX = 30;

/** The treemap's colours, in turn. */
export const COLORS = ["#b4441f", "#d06a3c", "#e39465", "#2f6f8f", "#4f8fae", "#7fb0c8", "#5b7a3a", "#86a25c", "#a98b3f", "#7a5a8c"];

/** A figure of `metric` in words (number only, no unit). */
export type FormatFigure = (metric: Metric, value: number) => string;

/** What the drill chart draws. */
export interface DrillChartInput {
  /** The cells with a figure for `metric`, in the order the table shows them. */
  cells: readonly Cell[];
  metric: Metric;
  kind: "bar" | "treemap";
  /** Whether clicking a bar drills down (the cells' level has a level below). */
  drillable: boolean;
  /** The unit of `metric`, in words. */
  unit: string;
  /** A cell's name. */
  name: (cell: Cell) => string;
  format: FormatFigure;
}

/** The figure drawn for a cell: growth in percent (two decimals), the rest as they are. */
function drawnValue(cell: Cell, metric: Metric): number {
  const v = metricOf(cell, metric) as number;
  return metric === "growth" ? Number((v * 100).toFixed(2)) : v;
}

/**
 * The chart of a level's cells: a treemap of their shares when asked for (never of growth,
 * which has no shares), otherwise horizontal bars, the first `CHART_MAX` cells top down. Every
 * data item carries its cell's id as `key`, which clicks and hovers are matched by.
 */
export function drillChartOption(input: DrillChartInput): ChartOption {
  const { metric: m, unit, name, format } = input;
  const pct = m === "growth";
  if (input.kind === "treemap" && !pct) {
    return {
      animation: false,
      tooltip: { formatter: (p: { name: string; value: number }) => `${p.name}<br/>${format(m, p.value)} ${unit}` },
      series: [
        {
          type: "treemap",
          roam: false,
          nodeClick: false,
          breadcrumb: { show: false },
          width: "100%",
          height: "100%",
          label: { show: true, formatter: "{b}" },
          itemStyle: { borderColor: "#fff", borderWidth: 2, gapWidth: 2 },
          levels: [{ color: COLORS }],
          data: input.cells.map((c) => ({ name: name(c), value: drawnValue(c, m), key: cellId(c) })),
        },
      ],
    };
  }
  const reversed = input.cells.slice(0, CHART_MAX).reverse();
  return {
    animation: false,
    grid: { left: 8, right: 56, top: 8, bottom: 24, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v: number) => `${format(m, pct ? v / 100 : v)} ${pct ? "" : unit}` },
    xAxis: { type: "value", name: unit, nameLocation: "end", splitLine: { lineStyle: { color: "#eceff4" } } },
    yAxis: { type: "category", data: reversed.map(name), axisTick: { show: false }, axisLabel: { width: 160, overflow: "truncate" } },
    series: [
      {
        type: "bar",
        barMaxWidth: 22,
        cursor: input.drillable ? "pointer" : "default",
        itemStyle: { color: "#b4441f", borderRadius: [0, 3, 3, 0] },
        emphasis: { itemStyle: { color: "#8f3316" } },
        label: { show: true, position: "right", color: "#5b6475", formatter: (p: { value: number }) => (pct ? `${p.value.toFixed(1)}%` : format(m, p.value)) },
        data: reversed.map((c) => ({ value: drawnValue(c, m), key: cellId(c) })),
      },
    ],
  };
}

/** The drill chart's height in pixels: a fixed box for the treemap, a row per bar otherwise. */
export function drillChartHeight(kind: "bar" | "treemap", cells: number): number {
  return kind === "treemap" ? 420 : Math.max(240, Math.min(cells, CHART_MAX) * 28 + 48);
}

/** What the series chart draws. */
export interface SeriesChartInput {
  /** A cell's months, oldest first. */
  points: readonly Point[];
  /** The month shown above (its bar is drawn darker). */
  month: string | undefined;
  /** The two series' names and the output's unit, in words. */
  labels: { output: string; growth: string; outputUnit: string };
}

/**
 * A cell over the months: its output as bars (the shown month's darker; clicking one shows
 * that month) and its growth in percent as a line on a second axis, with gaps where there is
 * no figure.
 */
export function seriesChartOption(input: SeriesChartInput): ChartOption {
  const ps = input.points;
  const { output, growth: growthName, outputUnit } = input.labels;
  const out = ps.map((p) => metricOf(p.cell, "output_value"));
  const growth = ps.map((p) => {
    const g = metricOf(p.cell, "growth");
    return g === null ? null : Number((g * 100).toFixed(2));
  });
  return {
    animation: false,
    color: ["#b4441f", "#2f6f8f"],
    legend: { top: 0, data: [output, growthName] },
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: ps.map((p) => p.month), axisTick: { alignWithLabel: true } },
    yAxis: [
      { type: "value", name: outputUnit, splitLine: { lineStyle: { color: "#eceff4" } } },
      { type: "value", name: "%", splitLine: { show: false } },
    ],
    series: [
      {
        name: output,
        type: "bar",
        barMaxWidth: 14,
        cursor: "pointer",
        itemStyle: { color: "#e8b49c" },
        data: out.map((v, i) => (ps[i]?.month === input.month ? { value: v, itemStyle: { color: "#b4441f" } } : v)),
      },
      { name: growthName, type: "line", yAxisIndex: 1, data: growth, connectNulls: false, symbolSize: 5, itemStyle: { color: "#2f6f8f" }, lineStyle: { width: 2, color: "#2f6f8f" } },
    ],
  };
}
