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

/** The name of row `r`: its text columns joined, else its position. */
export function rowLabel(table: ResultTable, r: number): string {
  const row = table.rows[r] ?? [];
  const parts = labelColumns(table)
    .map((i) => row[i])
    .filter((v) => v !== null && v !== undefined && v !== "")
    .map(String);
  return parts.length ? parts.join(" · ") : String(r + 1);
}

/** The chart of a table's numeric columns; null when it has none or no rows. */
export function tableChart(table: ResultTable): { option: Record<string, unknown>; kind: "bar" | "line"; clipped: boolean } | null {
  const nums = numericColumns(table).slice(0, CHART_SERIES);
  if (!nums.length || !table.rows.length) return null;
  const rows = table.rows.slice(0, CHART_ROWS);
  const kind = rows.length > BAR_ROWS ? "line" : "bar";
  const categories = rows.map((_, r) => rowLabel(table, r));
  const series = nums.map((i) => ({
    name: table.columns[i]!.name,
    type: kind,
    showSymbol: kind === "line" && rows.length <= 120,
    connectNulls: false,
    data: rows.map((row) => {
      const v = row[i];
      return typeof v === "number" && Number.isFinite(v) ? v : null;
    }),
  }));
  return {
    kind,
    clipped: table.rows.length > rows.length,
    option: {
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 24, containLabel: true },
      xAxis: {
        type: "category",
        data: categories,
        axisLabel: { rotate: categories.length > 8 ? 40 : 0, hideOverlap: true, width: 160, overflow: "truncate" },
      },
      yAxis: { type: "value", scale: true },
      series,
    },
  };
}
