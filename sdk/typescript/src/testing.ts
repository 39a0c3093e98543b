/**
 * Run a plugin against sample data: natively under Node, or as its built component.
 *
 * ```ts
 * import { TestRun } from "@kiln/sdk/testing";
 *
 * const result = new TestRun()
 *   .dataset("monthly_indicators", { enterprise_id: ["E2", "E1", "E1"], electricity_kwh: [1.0, 10.0, 5.0] })
 *   .param("min_kwh", 2.0)
 *   .run(Electricity);
 * assert.deepEqual(result.table("by_enterprise").column("kwh"), [15]);
 * ```
 *
 * A native run applies what the host applies: only granted datasets and columns can be read (by
 * default what the plugin's info declares, as `kiln plugin run` grants; asking for more throws
 * {@link Ungranted}), parameters are typed and completed from the declared ones (unknown,
 * missing or mistyped ones throw `InvalidParams`), scans come in batches of bounded size with
 * string columns dictionary-encoded, and the output is checked against the declared output
 * schemas ({@link InvalidOutput}). The result is read as the host's output document: tables of
 * rows, nulls (and non-finite floats) as null.
 *
 * With `KILN_COMPONENT=path/to/plugin.wasm` in the environment, or `new TestRun({ component })`,
 * {@link TestRun.run} instead writes the datasets to a temporary directory as CSV and runs
 * `kiln plugin run PATH --data DIR --json` (`kiln` from `KILN_BIN`, else `PATH`), returning the
 * same result, and throwing the same errors, from the host's report.
 *
 * Node only (it reads files and starts processes): never import it from a plugin's code.
 * @module
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, join } from "node:path";

import { Batch, Column, Kind } from "./batch";
import { Grant, Level } from "./context";
import { Dict, DictDelta } from "./dict";
import { Failed, InvalidData, InvalidParams, PluginError } from "./errors";
import { Timestamp, ValueType } from "./info";
import { Output, checkOutput } from "./output";
import { parseParams } from "./params";
import { HostAbort, PluginClass, pluginInfo, runPlugin } from "./plugin";
import { BatchSource } from "./scan";

/** Rows per batch of a native run's scans unless {@link TestRun.batchRows} says otherwise: small, so tests cross batch boundaries (the host sends up to 64Ki). */
export const DEFAULT_BATCH_ROWS = 1024;

/** The host ended the run for a reason of its own (`kind` as `kiln plugin run --json` reports it: `ungranted`, `invalid-output`, `timeout`, `memory`, ...). */
export class HostError extends Error {
  /** The host's reason `kind`, and its message. */
  constructor(
    readonly kind: string,
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = new.target.name;
  }
}

/** The plugin asked for a dataset or column that was not granted: the host ends the run. */
export class Ungranted extends HostError {
  /** Ungranted access to what `detail` names. */
  constructor(detail: string) {
    super("ungranted", detail);
  }
}

/** The output breaks the contract or its declared schemas: the host refuses it. */
export class InvalidOutput extends HostError {
  /** An output refused for `detail`. */
  constructor(detail: string) {
    super("invalid-output", detail);
  }
}

// -- results ---------------------------------------------------------------------------------

/** A cell of the output document: null for a null or a non-finite float. */
export type Cell = number | string | boolean | null;

/** The host's output document (registry `OutputDocument`), as `kiln plugin run --json` prints it under `output`. */
export interface OutputDocument {
  tables: { name: string; columns: { name: string; type: string }[]; rows: Cell[][] }[];
  metrics: { name: string; value: number | null; unit: string }[];
}

/** One table of a run's output document. */
export class ResultTable {
  /** The table's name. */
  readonly name: string;
  /** Column names, in order. */
  readonly columns: string[];
  /** Column types by name, as the document writes them (`"f64"`, `"string"`...). */
  readonly types: Record<string, string>;
  /** The rows, each an array of cells in column order. */
  readonly rows: Cell[][];

  /** The table `document` (one entry of the document's `tables`). */
  constructor(document: OutputDocument["tables"][number]) {
    this.name = document.name;
    this.columns = document.columns.map((c) => c.name);
    this.types = Object.fromEntries(document.columns.map((c) => [c.name, c.type]));
    this.rows = document.rows;
  }

  /** The number of rows. */
  get numRows(): number {
    return this.rows.length;
  }

  /** Column `name`'s cells, null where null (or a non-finite float); `Error` if there is no such column. */
  column(name: string): Cell[] {
    const at = this.columns.indexOf(name);
    if (at < 0) throw new Error(`table \`${this.name}\` has no column \`${name}\` (it has ${this.columns.join(", ")})`);
    return this.rows.map((row) => row[at]);
  }
}

/** A successful run's output, read as the host's output document, with its log. */
export class RunResult {
  /** A result of `document` and `log` lines as `[source, message]`. */
  constructor(
    /** `{"tables": [{"name", "columns": [{"name", "type"}], "rows"}], "metrics": [{"name", "value", "unit"}]}` */
    readonly document: OutputDocument,
    /** The run's log lines as `[source, message]`; source `"info"`, `"warn"`... or `"stdout"`. */
    readonly log: [string, string][],
  ) {}

  /** The output table called `name`; `Error` if the run did not return it. */
  table(name: string): ResultTable {
    const found = this.document.tables.find((t) => t.name === name);
    if (found === undefined) throw new Error(`no output table \`${name}\``);
    return new ResultTable(found);
  }

  /** The names of the tables returned, in order. */
  get tableNames(): string[] {
    return this.document.tables.map((t) => t.name);
  }

  /** The value of metric `name` (null if it was not finite); `Error` if absent. */
  metric(name: string): number | null {
    const found = this.document.metrics.find((m) => m.name === name);
    if (found === undefined) throw new Error(`no output metric \`${name}\``);
    return found.value;
  }

  /** The unit of metric `name`. */
  unit(name: string): string {
    const found = this.document.metrics.find((m) => m.name === name);
    if (found === undefined) throw new Error(`no output metric \`${name}\``);
    return found.unit;
  }

  /** Whether any log line contains `text`. */
  logged(text: string): boolean {
    return this.log.some(([, message]) => message.includes(text));
  }
}

/** A column's cells as the host's document writes them: dict columns as their strings, non-finite floats and nulls as null, 64-bit integers as numbers. */
function cells(column: Column): Cell[] {
  const d = column.data;
  let out: Cell[];
  if (d instanceof Dict) out = d.strings();
  else if (column.kind === "f64") out = Array.from(d as Float64Array, (v) => (Number.isFinite(v) ? v : null));
  else if (column.kind === "s64" || column.kind === "timestamp") out = Array.from(d as BigInt64Array, Number);
  else out = [...(d as (string | boolean)[])];
  const validity = column.validity;
  return validity === undefined ? out : out.map((v, i) => (validity[i] ? v : null));
}

/** `output` as the host's output document: dict columns expanded to strings, nulls and non-finite floats as null. */
export function outputDocument(output: Output): OutputDocument {
  return {
    tables: output.tables.map((t) => {
      const columns = t.data.columns;
      // Column by column, then transposed.
      const byColumn = columns.map(cells);
      const rows: Cell[][] = [];
      for (let r = 0; r < t.data.rows; r++) rows.push(byColumn.map((c) => c[r]));
      return { name: t.name, columns: columns.map((c) => ({ name: c.name, type: c.type.name })), rows };
    }),
    metrics: output.metrics.map((m) => ({ name: m.name, value: Number.isFinite(m.value) ? m.value : null, unit: m.unit })),
  };
}

// -- sample data -----------------------------------------------------------------------------

/** Sample column values: an array (null is a null) or a typed array. */
export type SampleValues = ArrayLike<number | bigint | string | boolean | Timestamp | null | undefined> | Float64Array | BigInt64Array;

function inferKind(name: string, values: SampleValues): Kind {
  if (values instanceof Float64Array) return "f64";
  if (values instanceof BigInt64Array) return "s64";
  const kinds = new Set<string>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    kinds.add(v instanceof Timestamp ? "timestamp" : typeof v === "number" ? "f64" : typeof v === "bigint" ? "s64" : typeof v === "string" ? "string" : typeof v === "boolean" ? "bool" : typeof v);
  }
  if (kinds.size === 2 && kinds.has("f64") && kinds.has("s64")) return "f64";
  if (kinds.size === 1) {
    const kind = [...kinds][0];
    if (["f64", "s64", "string", "bool", "timestamp"].includes(kind)) return kind as Kind;
  }
  if (kinds.size === 0) throw new Error(`column \`${name}\`: no values to tell its type from; give its type ({ ${name}: ValueType... })`);
  throw new Error(`column \`${name}\`: values of several types [${[...kinds].sort().join(", ")}]`);
}

/**
 * A batch from `{column: values}`; types inferred from the values (number → f64, bigint → s64,
 * string, boolean, {@link Timestamp}; a Float64Array is f64, a BigInt64Array s64) unless `types`
 * names them; null is a null.
 */
export function batchFromColumns(columns: Record<string, SampleValues>, types: Record<string, ValueType> = {}): Batch {
  const batch = new Batch();
  for (const [name, values] of Object.entries(columns)) {
    const kind: Kind = types[name] !== undefined ? types[name].name : inferKind(name, values);
    const list = Array.from(values as ArrayLike<unknown>, (v) => (v instanceof Timestamp ? v.ns : v));
    switch (kind) {
      case "f64":
        batch.withF64(name, list.map((v) => (v === null || v === undefined ? null : Number(v))));
        break;
      case "s64":
        batch.withS64(name, list as (bigint | number | null)[]);
        break;
      case "timestamp":
        batch.withTimestamp(name, list as (bigint | number | null)[]);
        break;
      case "bool":
        batch.withBool(name, list as (boolean | null)[]);
        break;
      default:
        batch.withStr(name, list as (string | null)[]);
    }
  }
  return batch;
}

/** CSV text as rows of fields (RFC 4180: quoted fields may hold commas, quotes doubled, newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark is not part of the header
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const INT = /^-?\d+$/;
const FLOAT = /^[-+]?(\d+\.\d*|\d*\.\d+|\d+)([eE][-+]?\d+)?$|^[-+]?(nan|NaN|inf|INF|infinity)$/;
const DATE = /^\d{4}-\d\d-\d\d$/;
const DATETIME = /^(\d{4}-\d\d-\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?(Z|[+-]\d\d:?\d\d)?$/;

/** The kind the host's CSV reader infers for a column of `texts` (bool, then integer, float, date/time, else string). */
function csvKind(texts: readonly string[]): Kind {
  const present = texts.filter((v) => v !== "");
  if (present.length === 0) return "string";
  if (present.every((v) => v.toLowerCase() === "true" || v.toLowerCase() === "false")) return "bool";
  if (present.every((v) => INT.test(v))) return "s64";
  if (present.every((v) => FLOAT.test(v))) return "f64";
  if (present.every((v) => DATE.test(v) || DATETIME.test(v))) return "timestamp";
  return "string";
}

/** A float as CSV text: as `float()` in Python reads it (nan, inf). */
function parseFloatText(text: string): number {
  const lower = text.toLowerCase().replace(/^\+/, "");
  if (lower === "nan" || lower === "-nan") return NaN;
  if (lower === "inf" || lower === "infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  return Number(text);
}

/** A date or date-time as nanoseconds since the epoch (UTC when no offset is given). */
export function timestampNs(text: string): bigint {
  if (DATE.test(text)) return BigInt(Date.parse(`${text}T00:00:00Z`)) * 1_000_000n;
  const m = DATETIME.exec(text);
  if (m === null) throw new InvalidData(`\`${text}\` is not a date or date-time`);
  const [, day, hh, mm, ss = "00", fraction = "", zone = "Z"] = m;
  const offset = zone === "Z" ? "Z" : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${day}T${hh}:${mm}:${ss}${offset}`);
  if (Number.isNaN(ms)) throw new InvalidData(`\`${text}\` is not a date or date-time`);
  return BigInt(ms) * 1_000_000n + BigInt((fraction + "000000000").slice(0, 9));
}

/** A CSV file with a header row as one batch, typed the way the host's CSV reader infers types; an empty cell is a null. */
export function readCsv(path: string): Batch {
  const [header = [], ...rows] = parseCsv(readFileSync(path, "utf8"));
  const batch = new Batch();
  header.forEach((name, at) => {
    const texts = rows.map((row) => row[at] ?? "");
    const kind = csvKind(texts);
    const nulls = <T>(convert: (v: string) => T) => texts.map((v) => (v === "" ? null : convert(v)));
    if (kind === "bool") batch.withBool(name, nulls((v) => v.toLowerCase() === "true"));
    else if (kind === "s64") batch.withS64(name, nulls((v) => BigInt(v)));
    else if (kind === "f64") batch.withF64(name, nulls(parseFloatText));
    else if (kind === "timestamp") batch.withTimestamp(name, nulls(timestampNs));
    else batch.withStr(name, nulls((v) => v));
  });
  return batch;
}

/** A float as CSV text that reads back as a float (a whole number gets `.0`). */
function floatText(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const text = String(v);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** Nanoseconds as an ISO 8601 date-time in UTC (with the fraction only when there is one). */
function timestampText(ns: bigint): string {
  const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n);
  const secondsPart = new Date(Number(ms)).toISOString().slice(0, 19);
  const fraction = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  return `${secondsPart}${fraction === 0n ? "" : "." + fraction.toString().padStart(9, "0")}+00:00`;
}

/** A field quoted when it must be (comma, quote, line break, or empty so it is not read as a null). */
function csvField(text: string): string {
  return text === "" || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes `batch` as CSV (a null as an empty cell; floats written so they read back as floats).
 * Types survive only as far as the host's CSV inference recovers them.
 */
export function writeCsv(batch: Batch, path: string): void {
  const columns = batch.columns.map((c) => ({ kind: c.kind, values: c.values() }));
  const lines = [batch.columnNames.map(csvField).join(",")];
  for (let row = 0; row < batch.rows; row++) {
    lines.push(
      columns
        .map(({ kind, values }) => {
          const v = values[row];
          if (v === null) return "";
          if (kind === "f64") return floatText(v as number);
          if (kind === "bool") return v ? "true" : "false";
          if (kind === "timestamp") return timestampText(v as bigint);
          return csvField(String(v));
        })
        .join(","),
    );
  }
  writeFileSync(path, lines.join("\n") + "\n");
}

// -- the native backend ----------------------------------------------------------------------

/** A string column's scan dictionary on the sending side, as the host keeps it. */
class Encoder {
  private readonly codes = new Map<string, number>();
  // Set once the dictionary would pass the bound: the rest of the scan goes plain.
  private plain = false;

  constructor(private readonly bound: number | undefined) {}

  send(column: Column): Column {
    if (column.kind !== "string" && column.kind !== "dict") return column;
    const rows = column.data instanceof Dict ? column.data.strings() : (column.data as string[]);
    if (!this.plain) {
      const codes = this.codes;
      const added: string[] = [];
      const seen = new Set<string>();
      for (const r of rows) if (!codes.has(r) && !seen.has(r)) (seen.add(r), added.push(r));
      if (this.bound === undefined || codes.size + added.length <= this.bound) {
        const base = codes.size;
        added.forEach((value, i) => codes.set(value, base + i));
        return new Column(column.name, "dict", new DictDelta(base, added, Uint32Array.from(rows, (r) => codes.get(r) as number)), column.validity);
      }
      this.plain = true;
    }
    return new Column(column.name, "string", [...rows], column.validity);
  }
}

/** A native scan's batch source: slices of the projected dataset. */
class Chunks implements BatchSource {
  private at = 0;
  private readonly encoders: Encoder[];

  constructor(
    private batch: Batch | undefined,
    private readonly rows: number,
    bound: number | undefined,
    private readonly error: PluginError | undefined,
  ) {
    this.encoders = (batch?.columns ?? []).map(() => new Encoder(bound));
  }

  nextBatch(): Batch | undefined {
    // The host reports a missing dataset or column on reading.
    if (this.error !== undefined) throw this.error;
    const batch = this.batch;
    if (batch === undefined || this.at >= batch.rows) return undefined;
    const end = Math.min(this.at + this.rows, batch.rows);
    const chunk = batch.slice(this.at, end);
    this.at = end;
    return new Batch(chunk.columns.map((c, i) => this.encoders[i].send(c)));
  }

  close(): void {
    this.batch = undefined;
  }
}

/** A grant: a dataset, and its granted columns (undefined: all of them). */
type GrantSpec = [string, string[] | undefined];

class NativeBackend {
  readonly logLines: [string, string][] = [];
  /** The host's stop, kept even if the plugin catches what was thrown. */
  abort: HostAbort | undefined;

  constructor(
    private readonly run: TestRun,
    private readonly grantSpecs: GrantSpec[],
  ) {}

  private granted(dataset: string): [boolean, Set<string> | undefined] {
    let found = false;
    const columns = new Set<string>();
    for (const [name, cols] of this.grantSpecs) {
      if (name !== dataset) continue;
      found = true;
      if (cols === undefined) return [true, undefined];
      cols.forEach((c) => columns.add(c));
    }
    return [found, columns];
  }

  grants(): Grant[] {
    const out: Grant[] = [];
    for (const dataset of new Set(this.grantSpecs.map(([name]) => name))) {
      const data = this.run.datasets.get(dataset);
      if (data === undefined) continue; // as the host: a granted dataset that is not there is left out
      const [, columns] = this.granted(dataset);
      out.push({
        dataset,
        columns: data.columns
          .filter((c) => columns === undefined || columns.has(c.name))
          .map((c) => ({ name: c.name, type: c.type, nullable: c.validity !== undefined })),
      });
    }
    return out;
  }

  private stop(kind: string, detail: string): never {
    this.abort ??= new HostAbort(kind, detail);
    throw this.abort;
  }

  open(dataset: string, columns: string[]): BatchSource {
    const [found, granted] = this.granted(dataset);
    if (!found) this.stop("ungranted", `dataset \`${dataset}\``);
    for (const c of columns) if (granted !== undefined && !granted.has(c)) this.stop("ungranted", `column \`${c}\` of dataset \`${dataset}\``);
    const { batchRowsValue: rows, dictionaryBoundValue: bound } = this.run;
    const failing = (message: string) => new Chunks(undefined, rows, bound, new InvalidData(message));
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c)) return failing(`column \`${c}\` is named more than once`);
      seen.add(c);
    }
    const data = this.run.datasets.get(dataset);
    if (data === undefined) return failing(`no dataset \`${dataset}\``);
    const wanted = columns.length > 0 ? columns : data.columnNames.filter((c) => granted === undefined || granted.has(c));
    const missing = wanted.find((c) => !data.columnNames.includes(c));
    if (missing !== undefined) return failing(`dataset \`${dataset}\` has no column \`${missing}\``);
    return new Chunks(data.project(wanted), rows, bound, undefined);
  }

  log(level: Level, message: string): void {
    this.logLines.push([level, message]);
  }
}

// -- the run ---------------------------------------------------------------------------------

/** The `kiln` binary: `$KILN_BIN`, else `kiln` on `PATH`. */
export function kilnBinary(): string {
  return process.env.KILN_BIN || "kiln";
}

/** Options of a {@link TestRun}. */
export interface TestRunOptions {
  /** Run this component (a .wasm) through `kiln plugin run` instead of the class; default `$KILN_COMPONENT`. */
  component?: string;
}

/** One run of a plugin against sample data; configure it by chaining, then {@link run}. */
export class TestRun {
  /** The datasets by name. */
  readonly datasets = new Map<string, Batch>();
  private readonly params: [string, unknown][] = [];
  private grants: GrantSpec[] | undefined;
  /** Rows per native batch. */
  batchRowsValue = DEFAULT_BATCH_ROWS;
  /** The native dictionary bound (undefined: none). */
  dictionaryBoundValue: number | undefined;
  private readonly component: string | undefined;

  /** A run with no data yet; `options.component` (or `$KILN_COMPONENT`) runs a built component instead of the class. */
  constructor(options: TestRunOptions = {}) {
    this.component = options.component ?? (process.env.KILN_COMPONENT || undefined);
  }

  /** Whether {@link run} runs a component through `kiln plugin run`, not the class natively. */
  get componentMode(): boolean {
    return this.component !== undefined;
  }

  /** Adds dataset `name`: a {@link Batch}, or `{column: values}` (types inferred unless `types` gives them; null is a null). */
  dataset(name: string, data: Batch | Record<string, SampleValues>, types: Record<string, ValueType> = {}): this {
    this.datasets.set(name, data instanceof Batch ? data : batchFromColumns(data, types));
    return this;
  }

  /**
   * Adds every `*.csv` file in `dir` as the dataset named by its file's stem, as `kiln plugin run
   * --data` does (`kiln data generate --out DIR` writes such a directory). Parquet files are not
   * readable natively: convert them to CSV.
   */
  loadDir(dir: string): this {
    for (const file of readdirSync(dir).sort()) {
      const ext = extname(file);
      if (ext === ".csv") this.datasets.set(basename(file, ext), readCsv(join(dir, file)));
      else if (ext === ".parquet") {
        throw new Error(`${join(dir, file)}: Parquet is not readable natively by @kiln/sdk/testing; convert it to CSV`);
      }
    }
    return this;
  }

  /**
   * Grants `dataset` (`columns` of it, or every column), or a `--grant` spec `"DATASET:COL,COL"`.
   * Without any grant, a run is granted what the plugin declares.
   */
  grant(dataset: string, columns?: readonly string[]): this {
    let cols = columns === undefined ? undefined : [...columns];
    if (cols === undefined && dataset.includes(":")) {
      const at = dataset.indexOf(":");
      cols = dataset.slice(at + 1).split(",").map((c) => c.trim());
      dataset = dataset.slice(0, at);
    }
    (this.grants ??= []).push([dataset, cols]);
    return this;
  }

  /** Sets a parameter; the others take their declared defaults. */
  param(name: string, value: number | bigint | string | boolean | Timestamp): this {
    this.params.push([name, value]);
    return this;
  }

  /** Native runs: splits scans into batches of at most `rows` rows (default 1024). */
  batchRows(rows: number): this {
    this.batchRowsValue = Math.max(1, Math.floor(rows));
    return this;
  }

  /**
   * Native runs: sends a string column dictionary-encoded only while its scan dictionary holds
   * at most `values` values, plain for the rest of the scan, as the host does past its bound.
   * `0` sends every string column plain.
   */
  dictionaryBound(values: number): this {
    this.dictionaryBoundValue = Math.max(0, Math.floor(values));
    return this;
  }

  private effectiveGrants(plugin: PluginClass): GrantSpec[] {
    if (this.grants !== undefined) return this.grants;
    // As `kiln plugin run` without --grant: what describe() declares.
    return pluginInfo(plugin).datasets.map((d) => [d.name, d.columns.length > 0 ? [...d.columns] : undefined]);
  }

  /**
   * Runs `plugin` (or the component standing for it) and returns its checked output; throws the
   * `PluginError` the run ended with, or a {@link HostError} where the host would have stopped it.
   */
  run(plugin: PluginClass): RunResult {
    if (this.component !== undefined) return this.runComponent(plugin, this.component);
    const backend = new NativeBackend(this, this.effectiveGrants(plugin));
    let output: Output;
    try {
      output = runPlugin(plugin, backend, this.params);
    } catch (e) {
      throw backend.abort !== undefined ? hostErrorOf(backend.abort) : e;
    }
    // The plugin may have caught the host's stop; the host would have ended the run anyway.
    if (backend.abort !== undefined) throw hostErrorOf(backend.abort);
    const problem = checkOutput(pluginInfo(plugin), output);
    if (problem !== undefined) throw new InvalidOutput(problem);
    return new RunResult(outputDocument(output), backend.logLines);
  }

  // -- through the kiln binary -----------------------------------------------------------

  private runComponent(plugin: PluginClass, component: string): RunResult {
    const info = pluginInfo(plugin);
    // Refused here as natively; the host would refuse them too, before starting the run.
    parseParams(info, this.params);
    const dir = mkdtempSync(join(tmpdir(), "kiln-test-"));
    const args = ["plugin", "run", component, "--data", dir, "--json"];
    let done;
    try {
      for (const [name, batch] of this.datasets) writeCsv(batch, join(dir, `${name}.csv`));
      for (const [dataset, columns] of this.grants ?? []) args.push("--grant", columns === undefined ? dataset : `${dataset}:${columns.join(",")}`);
      for (const [name, value] of this.params) args.push("--param", `${name}=${paramText(value)}`);
      done = spawnSync(kilnBinary(), args, { encoding: "utf8", maxBuffer: 1 << 30 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const command = `${kilnBinary()} ${args.join(" ")}`;
    if (done.error !== undefined) throw new HostError("cli", `\`${command}\` did not start: ${done.error.message}`);
    let report;
    try {
      report = JSON.parse(done.stdout);
    } catch {
      throw new HostError("cli", `\`${command}\` exited ${done.status}: ${done.stderr.trim()}`);
    }
    if (report?.plugin?.name !== info.name) {
      throw new HostError("cli", `component ${component} is plugin \`${report?.plugin?.name}\`, not \`${info.name}\``);
    }
    const log: [string, string][] = (report.log?.lines ?? []).map((l: { source: string; message: string }) => [l.source, l.message]);
    if (report.ok) return new RunResult(report.output as OutputDocument, log);
    throw errorFromReport(report.error.kind, report.error.message);
  }
}

function hostErrorOf(abort: HostAbort): HostError {
  return abort.kind === "ungranted" ? new Ungranted(abort.detail) : new HostError(abort.kind, abort.detail);
}

/** A parameter value as `kiln plugin run --param NAME=TEXT` parses it. */
export function paramText(value: unknown): string {
  if (typeof value === "boolean") return value ? "true" : "false";
  // String(number) is the shortest text that reads back as the same float ("1e+21", "Infinity": Rust parses both).
  return String(value);
}

function strip(message: string, prefix: string): string {
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** The error a native run throws for the host's `error` `{kind, message}`. */
export function errorFromReport(kind: string, message: string): Error {
  if (kind === "guest-error") {
    message = strip(message, "plugin error: ");
    if (message.startsWith("invalid parameters: ")) return new InvalidParams(strip(message, "invalid parameters: "));
    if (message.startsWith("invalid data: ")) return new InvalidData(strip(message, "invalid data: "));
    return new Failed(message);
  }
  if (kind === "params") return new InvalidParams(strip(message, "invalid parameters: "));
  if (kind === "ungranted") return new Ungranted(strip(message, "ungranted data: "));
  if (kind === "invalid-output") return new InvalidOutput(strip(message, "malformed output: "));
  return new HostError(kind, message);
}
