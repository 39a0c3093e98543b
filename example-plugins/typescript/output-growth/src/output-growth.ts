/**
 * # output-growth
 *
 * Month-on-month and year-on-year growth of industrial output value, rolled up by district,
 * industrial park and industry: a port of the Rust example plugin `example-plugins/output-growth`
 * whose output document is byte-identical to the Rust plugin's on the same data.
 *
 * Each `monthly_indicators` row is joined with `enterprises` on `enterprise_id`; the group of an
 * enterprise is its `district_id` (level `district`), `park_id` (level `park`) or `industry_code`
 * (level `industry`). For each level, group and month:
 *
 * ```text
 * output_value = Σ output_value of the group's enterprises that month
 * mom_pct      = (v − v[month − 1]) / v[month − 1] × 100
 * yoy_pct      = (v − v[month − 12]) / v[month − 12] × 100
 * ```
 *
 * A growth rate is null when the group has no rows in the month compared against, or its output
 * value there is 0. Rows with a null `enterprise_id`, `month` or `output_value`, and rows of
 * enterprises not in `enterprises`, are skipped; an enterprise with a null group key counts in
 * no group of that level.
 * @module
 */

import { Batch, Context, InvalidData, InvalidParams, Output, Params, Plugin, PluginInfo, ValueType, col, month } from "@kiln/sdk";

import { Contributions, Growth, growth } from "./compute";

/** A roll-up level: its name in the output and the `enterprises` column holding the group key. */
export interface Level {
  /** The level's name, as in the `level` parameter and output column. */
  readonly name: string;
  /** The `enterprises` column that names an enterprise's group at this level. */
  readonly keyColumn: string;
}

/** Every level, in output order (by name). */
export const LEVELS: readonly Level[] = [
  { name: "district", keyColumn: "district_id" },
  { name: "industry", keyColumn: "industry_code" },
  { name: "park", keyColumn: "park_id" },
];

const ENTERPRISES = "enterprises";
const MONTHLY = "monthly_indicators";
const MONTHLY_COLUMNS = ["enterprise_id", "month", "output_value"];

/** Compares strings by their UTF-8 bytes, as Rust's `str::cmp` does (UTF-16 order differs above U+FFFF). */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF, which UTF-8 orders after
    // U+E000–FFFF; any other unit pair compares as its code points, the same order as bytes.
    const surrogate = (u: number) => u >= 0xd800 && u <= 0xdfff;
    if (surrogate(x) !== surrogate(y) && Math.max(x, y) >= 0xe000) return surrogate(x) ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** The output-growth plugin. */
export class OutputGrowth extends Plugin<Params<{ level: string }>> {
  /** What describe() returns: the Rust plugin's info, word for word. */
  static info = new PluginInfo("output-growth", "0.1.0")
    .description("Month-on-month and year-on-year growth of output value, summed by district, industrial park and industry.")
    .param("level", "all", "Roll-up to compute: all, district, park or industry.")
    .dataset(
      ENTERPRISES,
      ["enterprise_id", "district_id", "park_id", "industry_code"],
      "Each enterprise's district, park and industry; only the chosen levels' columns are read.",
    )
    .dataset(MONTHLY, MONTHLY_COLUMNS, "Monthly output value per enterprise.")
    .table("growth", "Output value and its growth per group and month; by level, group, month.", [
      col("level", ValueType.STRING, { doc: "district, industry or park" }),
      col("group", ValueType.STRING, { doc: "the group's key at that level" }),
      col("month", ValueType.STRING, { doc: "YYYY-MM" }),
      col("output_value", ValueType.F64, { doc: "10k CNY" }),
      col("mom_pct", ValueType.F64, { nullable: true, doc: "null without a nonzero base" }),
      col("yoy_pct", ValueType.F64, { nullable: true, doc: "null without a nonzero base" }),
    ])
    .metric("groups", "Distinct (level, group) pairs in `growth`.");

  run(ctx: Context, params: Params<{ level: string }>): Output {
    const levels = parseLevel(params.get("level"));
    const directory = readDirectory(ctx, levels);
    const contributions = readContributions(ctx, directory);

    // Levels, groups and months repeat row after row: they go out as codes into dictionaries
    // holding each once (a group's code is its index after the groups of the levels before it;
    // a month's, its offset from the first month).
    const rows: Growth[][] = levels.map((_, l) => growth(contributions[l], directory.groupNames[l].length, directory.index.size));
    let firstMonth = Infinity;
    let lastMonth = -Infinity;
    for (const g of rows.flat()) {
      firstMonth = Math.min(firstMonth, g.month);
      lastMonth = Math.max(lastMonth, g.month);
    }
    if (firstMonth === Infinity) firstMonth = lastMonth = 0;
    const monthNames: string[] = [];
    for (let m = firstMonth; m <= lastMonth; m++) monthNames.push(month.format(m));
    const levelNames = levels.map((l) => l.name);
    const groupNames = directory.groupNames.flat();

    const total = rows.reduce((n, r) => n + r.length, 0);
    const levelCol = new Uint32Array(total);
    const groupCol = new Uint32Array(total);
    const monthCol = new Uint32Array(total);
    const valueCol = new Float64Array(total);
    const momCol: (number | null)[] = new Array(total);
    const yoyCol: (number | null)[] = new Array(total);
    let groups = 0;
    let groupBase = 0;
    let at = 0;
    rows.forEach((levelRows, level) => {
      for (let i = 0; i < levelRows.length; i++) {
        const g = levelRows[i];
        if (i === 0 || levelRows[i - 1].group !== g.group) groups++;
        levelCol[at] = level;
        groupCol[at] = groupBase + g.group;
        monthCol[at] = g.month - firstMonth;
        valueCol[at] = g.outputValue;
        momCol[at] = g.momPct;
        yoyCol[at] = g.yoyPct;
        at++;
      }
      groupBase += directory.groupNames[level].length;
    });
    ctx.info(`${total} group-months in ${groups} groups`);

    const table = new Batch()
      .withDict("level", levelNames, levelCol)
      .withDict("group", groupNames, groupCol)
      .withDict("month", monthNames, monthCol)
      .withF64("output_value", valueCol)
      .withF64("mom_pct", momCol)
      .withF64("yoy_pct", yoyCol);
    return new Output().table("growth", table).metric("groups", groups, "");
  }
}

/** The levels the `level` parameter selects, in output order. */
export function parseLevel(level: string): Level[] {
  if (level === "all") return [...LEVELS];
  const found = LEVELS.find((l) => l.name === level);
  if (found === undefined) throw new InvalidParams(`\`level\` must be all, district, park or industry, got \`${level}\``);
  return [found];
}

/** The `enterprises` dataset reduced to each enterprise's group at each chosen level. */
interface Directory {
  /** enterprise_id → enterprise index. */
  index: Map<string, number>;
  /** By level, then enterprise index: the group index, null when the key is null. */
  groupOf: (number | null)[][];
  /** By level, then group index: the group key. Sorted, so index order is key order. */
  groupNames: string[][];
}

/** Reads `enterprises`, only the key columns of `levels`; refuses duplicate ids. */
function readDirectory(ctx: Context, levels: readonly Level[]): Directory {
  const columns = ["enterprise_id", ...levels.map((l) => l.keyColumn)];
  const index = new Map<string, number>();
  // By level, then enterprise index: the key's code in the scan's dictionary of the column.
  const keyOf: (number | null)[][] = levels.map(() => []);
  let withoutId = 0;

  const scan = ctx.scan(ENTERPRISES, columns);
  for (const batch of scan) {
    const ids = batch.str("enterprise_id");
    const idValid = batch.validity("enterprise_id");
    const keys = levels.map((l) => batch.dict(l.keyColumn).codes);
    const keyValid = levels.map((l) => batch.validity(l.keyColumn));
    for (let row = 0; row < ids.length; row++) {
      if (idValid !== undefined && !idValid[row]) {
        withoutId++;
        continue;
      }
      const id = ids[row];
      if (index.has(id)) throw new InvalidData(`enterprise \`${id}\` appears twice in \`${ENTERPRISES}\``);
      index.set(id, index.size);
      for (let l = 0; l < levels.length; l++) {
        const valid = keyValid[l];
        keyOf[l].push(valid === undefined || valid[row] ? keys[l][row] : null);
      }
    }
  }
  const dictionaries = levels.map((l) => scan.dictionary(l.keyColumn));
  if (withoutId > 0) ctx.warn(`${withoutId} enterprises without enterprise_id left out`);

  // Number each level's groups in key order, so sorting by index sorts by key. Only keys of
  // enterprises kept count: the dictionary may also hold keys of rows left out.
  const groupOf: (number | null)[][] = [];
  const groupNames: string[][] = [];
  keyOf.forEach((keys, l) => {
    const dictionary = dictionaries[l];
    const used = new Uint8Array(dictionary.length);
    for (const k of keys) if (k !== null) used[k] = 1;
    const order: number[] = [];
    for (let k = 0; k < dictionary.length; k++) if (used[k]) order.push(k);
    order.sort((a, b) => compareBytes(dictionary[a], dictionary[b]));
    const rank = new Uint32Array(dictionary.length);
    order.forEach((k, r) => (rank[k] = r));
    groupOf.push(keys.map((k) => (k === null ? null : rank[k])));
    groupNames.push(order.map((k) => dictionary[k]));
  });
  return { index, groupOf, groupNames };
}

/** Streams `monthly_indicators` into one list of contributions per chosen level. */
function readContributions(ctx: Context, directory: Directory): Contributions[] {
  const contributions = directory.groupOf.map(() => new Contributions());
  let unusable = 0;
  let unknown = 0;
  // Looked up and parsed once per distinct id and month, not once per row; a malformed month
  // fails only when a row that uses it is reached, as in the Rust plugin.
  const enterpriseOf: (number | null)[] = [];
  const monthOf: (number | InvalidData)[] = [];
  for (const batch of ctx.scan(MONTHLY, MONTHLY_COLUMNS)) {
    const usable = batch.rowsWithoutNulls(MONTHLY_COLUMNS);
    const ids = batch.dict("enterprise_id");
    const months = batch.dict("month");
    for (let code = enterpriseOf.length; code < ids.values.length; code++) enterpriseOf.push(directory.index.get(ids.values[code]) ?? null);
    for (let code = monthOf.length; code < months.values.length; code++) {
      try {
        monthOf.push(month.parse(months.values[code]));
      } catch (e) {
        if (!(e instanceof InvalidData)) throw e;
        monthOf.push(e);
      }
    }
    const idCodes = ids.codes;
    const monthCodes = months.codes;
    const values = batch.f64("output_value");
    for (let row = 0; row < batch.rows; row++) {
      if (usable !== undefined && !usable[row]) {
        unusable++;
        continue;
      }
      const enterprise = enterpriseOf[idCodes[row]];
      if (enterprise === null) {
        unknown++;
        continue;
      }
      const m = monthOf[monthCodes[row]];
      if (m instanceof InvalidData) throw m;
      for (let l = 0; l < contributions.length; l++) {
        const group = directory.groupOf[l][enterprise];
        if (group !== null) contributions[l].push(enterprise, group, m, values[row]);
      }
    }
  }
  if (unusable > 0) ctx.info(`${unusable} rows with nulls skipped`);
  if (unknown > 0) ctx.warn(`${unknown} rows of enterprises not in \`${ENTERPRISES}\` skipped`);
  return contributions;
}
