// A run's output document (`{tables, metrics}`) read defensively, and a result table turned
// into an ECharts option: the table's numeric columns as series over its rows, each row named
// by its text columns. Bars for short tables, lines for long ones.

/** A column of a result table. */
export interface ResultColumn {
  name: string;
  type: string;
}

/** A result table. */
export interface ResultTable {
  name: string;
  columns: ResultColumn[];
  rows: unknown[][];
}

/** A result metric. */
export interface ResultMetric {
  name: string;
  unit: string;
  value: number | null;
}

/** A run's output document. */
export interface ResultDoc {
  tables: ResultTable[];
  metrics: ResultMetric[];
}

/** Reads an output document. */
export function readResult(raw: unknown): ResultDoc {
  const d = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const tables = Array.isArray(d.tables) ? d.tables : [];
  const metrics = Array.isArray(d.metrics) ? d.metrics : [];
  return {
    tables: tables.map((t) => {
      const o = (t && typeof t === "object" ? t : {}) as Record<string, unknown>;
      return {
        name: typeof o.name === "string" ? o.name : "",
        columns: (Array.isArray(o.columns) ? o.columns : []).map((c) => {
          const col = (c && typeof c === "object" ? c : {}) as Record<string, unknown>;
          return { name: String(col.name ?? ""), type: String(col.type ?? "") };
        }),
        rows: (Array.isArray(o.rows) ? o.rows : []).map((r) => (Array.isArray(r) ? r : [])),
      };
    }),
    metrics: metrics.map((m) => {
      const o = (m && typeof m === "object" ? m : {}) as Record<string, unknown>;
      return {
        name: String(o.name ?? ""),
        unit: typeof o.unit === "string" ? o.unit : "",
        value: typeof o.value === "number" ? o.value : null,
      };
    }),
  };
}

const NUMERIC = new Set(["f64", "s64", "f32", "s32", "u64", "u32"]);

/** The indexes of a table's numeric columns. */
export function numericColumns(table: ResultTable): number[] {
  return table.columns.flatMap((c, i) => (NUMERIC.has(c.type.toLowerCase()) ? [i] : []));
}

/** The indexes of a table's text columns (what names a row). */
export function labelColumns(table: ResultTable): number[] {
  return table.columns.flatMap((c, i) => (c.type.toLowerCase() === "string" ? [i] : []));
}

/** At most this many rows are drawn (the table and the CSV still have them all). */
export const CHART_ROWS = 500;
/** At most this many numeric columns are drawn. */
export const CHART_SERIES = 8;
/** Up to this many rows are drawn as bars; more as lines. */
export const BAR_ROWS = 40;

/**
 * The text columns that name rows: the fewest leading ones whose values tell the rows apart
 * (all of them when none do).
 */
export function namingColumns(table: ResultTable): number[] {
  const cols = labelColumns(table);
  for (let n = 1; n < cols.length; n++) {
    const keys = new Set(table.rows.map((row) => cols.slice(0, n).map((i) => String(row[i] ?? "")).join("\u0000")));
    if (keys.size === table.rows.length) return cols.slice(0, n);
  }
  return cols;
}

/** The name of row `r`: its naming text columns joined, else its position. */
export function rowLabel(table: ResultTable, r: number, cols: number[] = namingColumns(table)): string {
  const row = table.rows[r] ?? [];
  const parts = cols
    .map((i) => row[i])
    .filter((v) => v !== null && v !== undefined && v !== "")
    .map(String);
  return parts.length ? parts.join(" · ") : String(r + 1);
}

/** Series colours: the console's accent first, then calm, distinguishable hues. */
export const PALETTE = ["#b4441f", "#2f6db5", "#2f7d4f", "#d48806", "#6b4fa0", "#1b8a8a", "#c2185b", "#5b6475"];

/**
 * The y axis of each series: 0 (left) for all, unless some are over 5 times larger than others, when
 * the large ones go on a right-hand axis (0.66 next to 6 machines would be a flat line).
 */
export function axisOf(series: readonly (readonly (number | null)[])[]): number[] {
  const peak = series.map((d) => d.reduce<number>((m, v) => (v === null ? m : Math.max(m, Math.abs(v))), 0));
  const top = Math.max(0, ...peak);
  if (top === 0) return series.map(() => 0);
  const small = peak.map((p) => p * 5 < top);
  if (!small.some(Boolean)) return series.map(() => 0);
  return small.map((s) => (s ? 0 : 1));
}

/** The chart of a table's numeric columns; null when it has none or no rows. */
export function tableChart(table: ResultTable): { option: Record<string, unknown>; kind: "bar" | "line"; clipped: boolean } | null {
  const nums = numericColumns(table).slice(0, CHART_SERIES);
  if (!nums.length || !table.rows.length) return null;
  const rows = table.rows.slice(0, CHART_ROWS);
  const kind = rows.length > BAR_ROWS ? "line" : "bar";
  const naming = namingColumns(table);
  const categories = rows.map((_, r) => rowLabel(table, r, naming));
  const data = nums.map((i) =>
    rows.map((row) => {
      const v = row[i];
      return typeof v === "number" && Number.isFinite(v) ? v : null;
    }),
  );
  const axes = axisOf(data);
  const series = nums.map((i, k) => ({
    name: table.columns[i]!.name,
    type: kind,
    yAxisIndex: axes[k],
    showSymbol: kind === "bar" ? undefined : rows.length <= 40,
    connectNulls: false,
    data: data[k],
  }));
  const yAxis = { type: "value", scale: kind === "line", splitLine: { lineStyle: { color: "#e8ebf0" } } };
  const twoAxes = axes.includes(1);
  return {
    kind,
    clipped: table.rows.length > rows.length,
    option: {
      animation: false,
      color: PALETTE,
      tooltip: { trigger: "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 24, containLabel: true },
      xAxis: {
        type: "category",
        data: categories,
        axisLabel: { rotate: categories.length > 8 ? 40 : 0, hideOverlap: true, width: 160, overflow: "truncate" },
      },
      yAxis: twoAxes ? [yAxis, { ...yAxis, splitLine: { show: false } }] : yAxis,
      series,
    },
  };
}
