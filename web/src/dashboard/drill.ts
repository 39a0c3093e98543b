// The dashboard's drill-down, as plain data: where the user stands in the hierarchy (the path:
// a district, a park, an industry — any of them, in that order), which level of cells is shown
// below it, how that is written in the URL, the breadcrumb to climb back, and the CSV of the
// rows shown. No Vue here, so it is tested on its own.
import type { Schema } from "../api/client";

/** A level of the regional hierarchy. */
export type Level = Schema<"Level">;
/** A rollup cell, with the names of its places (the id itself where no name was imported). */
export type Cell = Schema<"Cell">;
/** The indicators of a cell. */
export type Indicators = Schema<"Indicators">;

/** The levels, from the whole region down to single enterprises. */
export const LEVELS: readonly Level[] = ["region", "district", "park", "industry", "enterprise"];

/** The levels a path can hold a key for, in drill order. */
export const KEYED: readonly ("district" | "park" | "industry")[] = ["district", "park", "industry"];

/**
 * Where the user stands: the keys chosen so far, a prefix of district → park → industry (a
 * rollup groups by every key down to its level, so a park's cells exist only within a
 * district, an industry's only within a park).
 */
export interface DrillPath {
  district?: string;
  park?: string;
  industry?: string;
}

/** What the dashboard shows: a month (undefined: the newest), a path, the level of the cells. */
export interface View {
  month?: string;
  path: DrillPath;
  level: Level;
}

/** The position of a level in the hierarchy (region 0 … enterprise 4). */
export function depth(level: Level): number {
  return LEVELS.indexOf(level);
}

/** The level one below `level`; null below enterprises. */
export function nextLevel(level: Level): Level | null {
  return LEVELS[depth(level) + 1] ?? null;
}

/** The deepest level the path holds a key for; `region` for the empty path. */
export function pathLevel(path: DrillPath): Level {
  let level: Level = "region";
  for (const key of KEYED) if (path[key] !== undefined) level = key;
  return level;
}

/** The level shown below a path: the one under its deepest key. */
export function levelBelow(path: DrillPath): Level {
  return nextLevel(pathLevel(path)) ?? "enterprise";
}

/** Whether a cell at `level` can be drilled into (everything above enterprises). */
export function canDrill(level: Level): boolean {
  return level !== "enterprise";
}

/** The key of a cell at its own level (its district for a district cell, and so on). */
export function cellKey(cell: Cell): string {
  const key = cell.level === "region" ? "" : cell[cell.level];
  return key ?? "";
}

/** A cell's identity: every key it has, so two cells of one list never share it. */
export function cellId(cell: Cell): string {
  return [cell.district, cell.park, cell.industry, cell.enterprise].map((k) => k ?? "").join("/");
}

/** The path after drilling into `cell`: its keys down to its level. */
export function drillInto(path: DrillPath, cell: Cell): DrillPath {
  if (cell.level === "region" || cell.level === "enterprise") return { ...path };
  const out: DrillPath = {};
  for (const key of KEYED) {
    const v = cell[key];
    if (depth(key) <= depth(cell.level) && v != null) out[key] = v;
  }
  return out;
}

/** The view after drilling into `cell`: its path, showing the level below it. */
export function drillView(view: View, cell: Cell): View | null {
  const below = nextLevel(cell.level);
  if (!canDrill(cell.level) || !below) return null;
  return { month: view.month, path: drillInto(view.path, cell), level: below };
}

/** The path cut back to the keys above and at `level` (`region` clears it). */
export function climb(path: DrillPath, level: Level): DrillPath {
  const out: DrillPath = {};
  const d = depth(level);
  for (const key of KEYED) if (depth(key) <= d && path[key] !== undefined) out[key] = path[key];
  return out;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function one(v: unknown): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" && s !== "" ? s : undefined;
}

/** The view a URL query names; anything malformed is dropped rather than sent on. */
export function viewFromQuery(query: Record<string, unknown>): View {
  const path: DrillPath = {};
  for (const key of KEYED) {
    const v = one(query[key]);
    if (v === undefined || !KEY.test(v)) break;
    path[key] = v;
  }
  const month = one(query.month);
  return { month: month && MONTH.test(month) ? month : undefined, path, level: levelBelow(path) };
}

/** The URL query of a view (only what is set, in a stable order). */
export function queryOfView(view: View): Record<string, string> {
  const q: Record<string, string> = {};
  if (view.month) q.month = view.month;
  for (const key of KEYED) if (view.path[key] !== undefined) q[key] = view.path[key] as string;
  q.level = view.level;
  return q;
}

/** The query of the rollup call that lists a view's cells. */
export function rollupQuery(month: string | undefined, path: DrillPath, level: Level): Record<string, string> {
  const q: Record<string, string> = { level };
  if (month) q.month = month;
  for (const key of KEYED) if (path[key] !== undefined) q[key] = path[key] as string;
  return q;
}

/** A stable cache key for a rollup query. */
export function queryKey(q: Record<string, string>): string {
  return Object.keys(q)
    .sort()
    .map((k) => `${k}=${q[k]}`)
    .join("&");
}

/**
 * The rollup query whose single cell is `cell` (the path down to it, at its level): a list's
 * cells answer those queries too, so a drill needs no second call for its headline.
 */
export function cellQuery(month: string, cell: Cell): Record<string, string> {
  const path: DrillPath = {};
  for (const key of KEYED) {
    const v = cell[key];
    if (v != null && depth(key) <= depth(cell.level)) path[key] = v;
  }
  return rollupQuery(month, path, cell.level === "enterprise" ? "enterprise" : cell.level);
}

/** The query of the one cell the path stands on (the region for the empty path). */
export function nodeQuery(month: string | undefined, path: DrillPath): Record<string, string> {
  return rollupQuery(month, path, pathLevel(path));
}

/** One step of the breadcrumb: the level to climb to and the id shown there. */
export interface Crumb {
  level: Level;
  id: string | null;
}

/** The breadcrumb of a path: the region, then each key it holds, in order. */
export function breadcrumb(path: DrillPath): Crumb[] {
  const crumbs: Crumb[] = [{ level: "region", id: null }];
  for (const key of KEYED) if (path[key] !== undefined) crumbs.push({ level: key, id: path[key] as string });
  return crumbs;
}

/** The numbers a cell shows; `suppressed` cells show none of them. */
export const METRICS = ["output_value", "energy_tce", "energy_intensity", "electricity_kwh", "employees", "growth"] as const;
/** One of the indicators. */
export type Metric = (typeof METRICS)[number];

/** A cell's value of `metric`, or null when suppressed or not defined (never a made-up 0). */
export function metricOf(cell: Cell | null | undefined, metric: Metric): number | null {
  if (!cell || cell.suppressed || !cell.indicators) return null;
  const v = cell.indicators[metric];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** What the CSV needs to label its rows and columns in the user's language. */
export interface CsvLabels {
  /** Column headers: name, id, enterprises, then one per metric, then the suppression reason. */
  headers: string[];
  /** The display name of a cell. */
  name: (cell: Cell) => string;
  /** The suppression reason shown for a hidden cell. */
  reason: (cell: Cell) => string;
}

const CSV_DIGITS: Record<Metric, number> = {
  output_value: 2,
  energy_tce: 3,
  energy_intensity: 4,
  electricity_kwh: 0,
  employees: 0,
  growth: 2,
};

/** A figure as the CSV writes it: rounded to what it means; growth in percent, as headed. */
export function csvValue(metric: Metric, v: number): string {
  const x = metric === "growth" ? v * 100 : v;
  return String(Number(x.toFixed(CSV_DIGITS[metric])));
}

/** Placeholder for a value that is not published. */
export const HIDDEN = "—";

function csvField(v: string): string {
  // Formulas are a spreadsheet's code: a leading =, +, - or @ is quoted with a ' so it is text.
  const text = /^[=+\-@]/.test(v) && !/^-?\d/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The CSV of the rows shown: a hidden cell's values are "—" (never a number) and its reason is
 * given. Starts with a BOM so spreadsheet programs read the Chinese names as UTF-8.
 */
export function buildCsv(cells: readonly Cell[], labels: CsvLabels): string {
  const lines = [labels.headers.map(csvField).join(",")];
  for (const cell of cells) {
    const values = METRICS.map((m) => {
      const v = metricOf(cell, m);
      return v === null ? HIDDEN : csvValue(m, v);
    });
    lines.push(
      [labels.name(cell), cellKey(cell), String(cell.enterprises), ...values, cell.suppressed ? labels.reason(cell) : ""]
        .map(csvField)
        .join(","),
    );
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}

/** Cells in display order: largest output first, hidden cells after the shown ones, then by key. */
export function sortCells(cells: readonly Cell[], metric: Metric = "output_value"): Cell[] {
  return [...cells].sort((a, b) => {
    const va = metricOf(a, metric);
    const vb = metricOf(b, metric);
    if (va === null && vb !== null) return 1;
    if (vb === null && va !== null) return -1;
    if (va !== null && vb !== null && va !== vb) return vb - va;
    return cellKey(a).localeCompare(cellKey(b));
  });
}
