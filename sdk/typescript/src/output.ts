/**
 * What a run returns: named tables and scalar metrics, and the host's check of them.
 * @module
 */

import { Batch } from "./batch";
import { PluginInfo } from "./info";

/** The longest table, column or metric name (and metric unit), in bytes, as the host allows. */
export const MAX_NAME_BYTES = 128;

/** A named result table. */
export interface Table {
  readonly name: string;
  readonly data: Batch;
}

/** A named scalar result with its unit (`""` for a pure number). */
export interface Metric {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

/**
 * The output of a run, built by chaining:
 *
 * ```ts
 * new Output().table("by_enterprise", new Batch().withStr(...).withF64(...)).metric("enterprises", 12)
 * ```
 */
export class Output {
  /** Result tables, in order. */
  readonly tables: Table[] = [];
  /** Scalar results, in order. */
  readonly metrics: Metric[] = [];

  /** Adds a table. */
  table(name: string, data: Batch): this {
    if (!(data instanceof Batch)) throw new TypeError(`table \`${name}\`: data must be a Batch`);
    this.tables.push({ name, data });
    return this;
  }

  /** Adds a metric (a bigint value is sent as a float). */
  metric(name: string, value: number | bigint, unit = ""): this {
    this.metrics.push({ name, value: Number(value), unit });
    return this;
  }

  /** The table called `name`; `Error` if there is none. */
  getTable(name: string): Batch {
    const found = this.tables.find((t) => t.name === name);
    if (found === undefined) throw new Error(`no output table \`${name}\``);
    return found.data;
  }

  /** The metric called `name`; `Error` if there is none. */
  getMetric(name: string): number {
    const found = this.metrics.find((m) => m.name === name);
    if (found === undefined) throw new Error(`no output metric \`${name}\``);
    return found.value;
  }
}

/** The length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Whether `text` holds a control character: Rust's `char::is_control`, the Unicode Cc category (C0, DEL, C1). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return true;
  }
  return false;
}

/** The host's rule for a name: non-empty, at most 128 bytes, printable, unique. */
function nameProblem(what: string, name: string, seen: Set<string>): string | undefined {
  if (name === "") return `a ${what} name is empty`;
  const bytes = utf8Length(name);
  if (bytes > MAX_NAME_BYTES) return `a ${what} name is ${bytes} bytes, over ${MAX_NAME_BYTES}`;
  if (hasControl(name)) return `${what} name ${JSON.stringify(name)} holds control characters`;
  if (seen.has(name)) return `${what} name \`${name}\` appears twice`;
  seen.add(name);
  return undefined;
}

/**
 * What the host would refuse in `output` (its `invalid-output`), or undefined.
 *
 * As `host/src/output.rs` `check()`: names non-empty, printable, at most 128 bytes and unique;
 * every table and metric declared as one; a table's columns the declared ones in name, order
 * and type, with nulls only where declared nullable. Batches built with {@link Batch} already
 * have equal lengths and in-range dictionary codes.
 */
export function checkOutput(info: PluginInfo, output: Output): string | undefined {
  // The host checks declarations only when a plugin declared any output (a plugin declaring
  // none is taken to be untyped, as contract 0.1.0 plugins are).
  const typed = info.outputs.length > 0;
  const tables = new Set<string>();
  for (const table of output.tables) {
    const problem = nameProblem("table", table.name, tables);
    if (problem !== undefined) return problem;
    const bad = `table \`${table.name}\`: `;
    const columns = new Set<string>();
    for (const c of table.data.columns) {
      const problem = nameProblem("column", c.name, columns);
      if (problem !== undefined) return bad + problem;
    }
    const spec = info.output(table.name);
    if (spec === undefined) {
      if (!typed) continue;
      return bad + "is not declared in describe()";
    }
    if (spec.columns === undefined) return bad + "is declared as a metric";
    const got = table.data.columns;
    const declared = spec.columns;
    if (got.length !== declared.length || got.some((c, i) => c.name !== declared[i].name)) {
      return bad + `has columns [${got.map((c) => c.name).join(", ")}], but describe() declares [${declared.map((d) => d.name).join(", ")}]`;
    }
    for (let i = 0; i < got.length; i++) {
      const c = got[i];
      const d = declared[i];
      if (c.type !== d.type) return bad + `column \`${c.name}\` is ${c.type.name}, but describe() declares ${d.type.name}`;
      if (!d.nullable && c.hasNulls()) return bad + `column \`${c.name}\` holds nulls, but describe() declares it not nullable`;
    }
  }
  const metrics = new Set<string>();
  for (const m of output.metrics) {
    const problem = nameProblem("metric", m.name, metrics);
    if (problem !== undefined) return problem;
    if (utf8Length(m.unit) > MAX_NAME_BYTES || hasControl(m.unit)) {
      return `metric \`${m.name}\`: a unit must be printable and at most ${MAX_NAME_BYTES} bytes`;
    }
    const spec = info.output(m.name);
    if (typed && (spec === undefined || spec.columns !== undefined)) return `metric \`${m.name}\` is not declared as a metric`;
  }
  return undefined;
}
