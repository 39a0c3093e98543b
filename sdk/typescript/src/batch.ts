/**
 * Columnar batches: how a plugin reads data and builds output tables.
 *
 * A column is a typed array where the contract has one (f64 → Float64Array, s64 and
 * timestamp → BigInt64Array, codes → Uint32Array), as the component's bindings hand them over,
 * so reading a batch copies nothing and creates no object per row. String columns from a scan
 * come dictionary-encoded: see {@link Dict}.
 * @module
 */

import { Dict, DictDelta, ScanDictionary, checkCodes } from "./dict";
import { InvalidData } from "./errors";
import { ValueType } from "./info";

/** Column kinds as the contract's `column-data` names them; `dict` holds strings. */
export type Kind = "f64" | "s64" | "string" | "bool" | "timestamp" | "dict";

/** What a column of each kind holds (a source's dict column holds a {@link DictDelta} until its scan resolves it). */
export type ColumnData = Float64Array | BigInt64Array | string[] | boolean[] | Dict | DictDelta;

/** The value type of a column kind (a `dict` column holds strings). */
export function kindType(kind: Kind): ValueType {
  return kind === "dict" ? ValueType.STRING : ValueType.of(kind);
}

/**
 * One named column: its kind, its values, and its validity: undefined when every row holds a
 * value, else one flag per row, false where the row is null (the value there is meaningless).
 */
export class Column {
  /** A column; {@link Batch}'s `with*` methods make them for plugins. */
  constructor(
    readonly name: string,
    readonly kind: Kind,
    public data: ColumnData,
    readonly validity: boolean[] | undefined = undefined,
  ) {}

  /** The column's value type. */
  get type(): ValueType {
    return kindType(this.kind);
  }

  /** The number of rows. */
  get length(): number {
    return this.data.length;
  }

  /** Whether any row is null. */
  hasNulls(): boolean {
    return this.validity !== undefined && this.validity.includes(false);
  }

  /** The rows as JS values, null where null (a dict column's strings looked up). */
  values(): (number | bigint | string | boolean | null)[] {
    const data = this.data;
    const rows: (number | bigint | string | boolean)[] =
      data instanceof Dict ? data.strings() : data instanceof DictDelta ? [...data.codes] : Array.from(data as unknown as ArrayLike<number | bigint | string | boolean>);
    const validity = this.validity;
    return validity === undefined ? rows : rows.map((v, i) => (validity[i] ? v : null));
  }
}

/** `values` without nulls (`fill` in their place), and the validity the nulls imply (or `validity` when given). */
function splitNulls<T>(values: ArrayLike<T | null | undefined>, fill: T, validity?: readonly boolean[]): [T[], boolean[] | undefined] {
  const out = new Array<T>(values.length);
  let flags: boolean[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      flags ??= new Array<boolean>(values.length).fill(true);
      flags[i] = false;
      out[i] = fill;
    } else {
      out[i] = v;
    }
  }
  return [out, validity !== undefined ? [...validity] : flags];
}

/** bigint or whole-number values as a BigInt64Array, and the nulls' validity. */
function int64s(name: string, values: BigInt64Array | ArrayLike<bigint | number | null | undefined>, validity?: readonly boolean[]) {
  if (values instanceof BigInt64Array) return { data: values, validity: validity && [...validity] };
  const [plain, flags] = splitNulls<bigint | number>(values, 0n, validity);
  const data = new BigInt64Array(plain.length);
  for (let i = 0; i < plain.length; i++) {
    const v = plain[i];
    if (typeof v === "number" && !Number.isSafeInteger(v)) throw new TypeError(`column \`${name}\`: ${v} at row ${i} is not a whole number`);
    data[i] = BigInt(v);
  }
  return { data, validity: flags };
}

/**
 * Columns of equal length: a slice of a dataset, or an output table.
 *
 * Read a scan's batch with the typed getters ({@link f64}, {@link s64}, {@link str},
 * {@link dict}, ...); build an output table by chaining `with*` calls:
 *
 * ```ts
 * new Batch().withDict("enterprise_id", names, codes).withF64("kwh", totals)
 * ```
 */
export class Batch {
  private readonly cols: Column[] = [];
  private readonly index = new Map<string, number>();
  private nRows = 0;
  // Worked out on first use, by column index: an s64 column widened to floats, a plain string
  // column's codes in the scan's dictionary.
  private readonly widened = new Map<number, Float64Array>();
  private readonly encoded = new Map<number, Dict>();
  /** The scan's dictionaries, which plain string columns encode into (undefined outside a scan; set by the scan). */
  dictionaries: Map<string, ScanDictionary> | undefined;

  /** A batch of `columns` (none: an empty batch to chain `with*` calls on). */
  constructor(columns: readonly Column[] = []) {
    for (const c of columns) this.push(c);
  }

  // -- reading ---------------------------------------------------------------------------

  /** The number of rows. */
  get rows(): number {
    return this.nRows;
  }

  /** The columns, in order. */
  get columns(): readonly Column[] {
    return this.cols;
  }

  /** The columns' names, in order. */
  get columnNames(): string[] {
    return this.cols.map((c) => c.name);
  }

  /** The column called `name`; {@link InvalidData} if there is none. */
  column(name: string): Column {
    return this.cols[this.at(name)];
  }

  private at(name: string): number {
    const at = this.index.get(name);
    if (at === undefined) throw new InvalidData(`no column \`${name}\` in batch`);
    return at;
  }

  private typed(name: string, wanted: string, ...kinds: Kind[]): Column {
    const column = this.column(name);
    if (!kinds.includes(column.kind)) throw new InvalidData(`column \`${name}\` is ${column.type.name}, not ${wanted}`);
    return column;
  }

  /**
   * The values of an f64 column. An s64 column is widened to floats (once, on first use), as
   * the Rust SDK does, since CSV files type whole numbers as integers.
   */
  f64(name: string): Float64Array {
    const at = this.at(name);
    const column = this.cols[at];
    if (column.kind === "f64") return column.data as Float64Array;
    if (column.kind === "s64") {
      let widened = this.widened.get(at);
      if (widened === undefined) {
        const ints = column.data as BigInt64Array;
        widened = new Float64Array(ints.length);
        // Number(bigint) rounds to nearest, ties to even: Rust's `as f64`.
        for (let i = 0; i < ints.length; i++) widened[i] = Number(ints[i]);
        this.widened.set(at, widened);
      }
      return widened;
    }
    throw new InvalidData(`column \`${name}\` is ${column.type.name}, not f64`);
  }

  /** The values of an s64 column. */
  s64(name: string): BigInt64Array {
    return this.typed(name, "s64", "s64").data as BigInt64Array;
  }

  /** The values of a timestamp column, in nanoseconds since the Unix epoch. */
  timestamp(name: string): BigInt64Array {
    return this.typed(name, "timestamp", "timestamp").data as BigInt64Array;
  }

  /** The values of a bool column. */
  bool(name: string): boolean[] {
    return this.typed(name, "bool", "bool").data as boolean[];
  }

  /** The rows of a string column as strings, whether it came plain or dictionary-encoded. */
  str(name: string): string[] {
    const column = this.typed(name, "string", "string", "dict");
    return column.data instanceof Dict ? column.data.strings() : (column.data as string[]);
  }

  /**
   * A string column as codes into the scan's dictionary (see {@link Dict}).
   *
   * Columns the host sends dictionary-encoded cost nothing here; a plain one (past the host's
   * dictionary bound) is encoded into the same scan dictionary on first call, so `dict()`
   * always works and a code never changes meaning within a scan.
   */
  dict(name: string): Dict {
    const at = this.at(name);
    const column = this.cols[at];
    if (column.data instanceof Dict) return column.data;
    if (column.kind !== "string") throw new InvalidData(`column \`${name}\` is ${column.type.name}, not string`);
    let encoded = this.encoded.get(at);
    if (encoded === undefined) {
      // Outside a scan, a dictionary of this batch alone.
      const dictionaries = this.dictionaries ?? new Map<string, ScanDictionary>();
      let dictionary = dictionaries.get(name);
      if (dictionary === undefined) dictionaries.set(name, (dictionary = new ScanDictionary(name)));
      encoded = dictionary.encode(column.data as string[]);
      this.encoded.set(at, encoded);
    }
    return encoded;
  }

  /** Column `name`'s validity: undefined without nulls, else false at each null row. */
  validity(name: string): boolean[] | undefined {
    return this.column(name).validity;
  }

  /** Whether row `row` of column `name` holds a value. */
  isValid(name: string, row: number): boolean {
    const validity = this.column(name).validity;
    return validity === undefined || validity[row];
  }

  /** Which rows hold a value in every one of `names`; undefined when none of them has nulls. */
  rowsWithoutNulls(names: readonly string[]): boolean[] | undefined {
    let usable: boolean[] | undefined;
    for (const name of names) {
      const validity = this.column(name).validity;
      if (validity === undefined) continue;
      if (usable === undefined) usable = [...validity];
      else for (let i = 0; i < usable.length; i++) usable[i] = usable[i] && validity[i];
    }
    return usable;
  }

  /** Every column as an array of JS values, null where null. */
  toObject(): Record<string, (number | bigint | string | boolean | null)[]> {
    return Object.fromEntries(this.cols.map((c) => [c.name, c.values()]));
  }

  // -- building --------------------------------------------------------------------------

  private push(column: Column): void {
    if (this.index.has(column.name)) throw new Error(`column \`${column.name}\` appears twice`);
    const rows = column.data.length;
    if (this.cols.length > 0 && rows !== this.nRows) {
      throw new Error(`column \`${column.name}\` has ${rows} rows but the batch has ${this.nRows}`);
    }
    if (column.validity !== undefined && column.validity.length !== rows) {
      throw new Error(`column \`${column.name}\` has ${column.validity.length} validity flags for ${rows} rows`);
    }
    this.nRows = rows;
    this.index.set(column.name, this.cols.length);
    this.cols.push(column);
  }

  /** Appends a column; `Error` if its length differs from the batch's. */
  withColumn(column: Column): this {
    this.push(column);
    return this;
  }

  /** Appends an f64 column; null entries (or `validity`) make nulls. A Float64Array is kept as it is. */
  withF64(name: string, values: Float64Array | ArrayLike<number | null | undefined>, validity?: readonly boolean[]): this {
    if (values instanceof Float64Array) return this.withColumn(new Column(name, "f64", values, validity && [...validity]));
    const [plain, flags] = splitNulls(values, 0, validity);
    return this.withColumn(new Column(name, "f64", Float64Array.from(plain), flags));
  }

  /** Appends an s64 column (bigints, or whole numbers); null entries (or `validity`) make nulls. */
  withS64(name: string, values: BigInt64Array | ArrayLike<bigint | number | null | undefined>, validity?: readonly boolean[]): this {
    const { data, validity: flags } = int64s(name, values, validity);
    return this.withColumn(new Column(name, "s64", data, flags));
  }

  /** Appends a timestamp column (nanoseconds, as bigints or whole numbers); null entries make nulls. */
  withTimestamp(name: string, values: BigInt64Array | ArrayLike<bigint | number | null | undefined>, validity?: readonly boolean[]): this {
    const { data, validity: flags } = int64s(name, values, validity);
    return this.withColumn(new Column(name, "timestamp", data, flags));
  }

  /** Appends a bool column; null entries (or `validity`) make nulls. */
  withBool(name: string, values: ArrayLike<boolean | null | undefined>, validity?: readonly boolean[]): this {
    const [plain, flags] = splitNulls(values, false, validity);
    return this.withColumn(new Column(name, "bool", plain, flags));
  }

  /** Appends a string column; null entries (or `validity`) make nulls. */
  withStr(name: string, values: ArrayLike<string | null | undefined>, validity?: readonly boolean[]): this {
    const [plain, flags] = splitNulls(values, "", validity);
    return this.withColumn(new Column(name, "string", plain, flags));
  }

  /**
   * Appends a string column as `codes` into `values`: each distinct string is sent once, so an
   * output repeating ids row after row carries each id once (the host expands it). `values` may
   * be a scan's dictionary. {@link InvalidData} on a code past `values`.
   */
  withDict(name: string, values: readonly string[], codes: Uint32Array | ArrayLike<number>, validity?: readonly boolean[]): this {
    const typed = codes instanceof Uint32Array ? codes : Uint32Array.from(codes as ArrayLike<number>);
    if (!(codes instanceof Uint32Array)) {
      // Uint32Array.from wraps a negative or fractional code silently: refuse it instead.
      for (let i = 0; i < codes.length; i++) {
        if (typed[i] !== codes[i]) throw new InvalidData(`column \`${name}\`: code ${codes[i]} at row ${i} is not a dictionary index`);
      }
    }
    checkCodes(name, typed, values.length);
    return this.withColumn(new Column(name, "dict", new Dict([...values], typed), validity && [...validity]));
  }

  // -- slicing ---------------------------------------------------------------------------

  /** Only `names`, in that order; {@link InvalidData} for a missing one. */
  project(names: readonly string[]): Batch {
    return new Batch(names.map((n) => this.column(n)));
  }

  /** Rows `start` to `end` (exclusive) as a new batch (typed arrays as views, dictionaries shared). */
  slice(start: number, end: number): Batch {
    return new Batch(
      this.cols.map((c) => {
        const d = c.data;
        const data =
          d instanceof Dict
            ? new Dict(d.values, d.codes.subarray(start, end))
            : d instanceof DictDelta
              ? new DictDelta(d.base, d.values, d.codes.subarray(start, end))
              : ArrayBuffer.isView(d)
                ? (d as Float64Array | BigInt64Array).subarray(start, end)
                : (d as unknown[]).slice(start, end);
        return new Column(c.name, c.kind, data as ColumnData, c.validity?.slice(start, end));
      }),
    );
  }
}
