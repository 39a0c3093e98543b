/**
 * A plugin's self-description: parameters, datasets, outputs (what `describe()` returns).
 * @module
 */

/** The contract's name of a value type, as the WIT enum `value-type` spells it. */
export type TypeName = "f64" | "s64" | "string" | "bool" | "timestamp";

/**
 * The type of a parameter or a column. An object, not a string, so that
 * `.param("x", ValueType.F64, doc)` (required, typed) cannot be mistaken for a string default.
 */
export class ValueType {
  /** 64-bit IEEE float: a JS `number`. */
  static readonly F64 = new ValueType("f64");
  /** 64-bit signed integer: a JS `bigint`. */
  static readonly S64 = new ValueType("s64");
  /** UTF-8 text. */
  static readonly STRING = new ValueType("string");
  /** true or false. */
  static readonly BOOL = new ValueType("bool");
  /** Nanoseconds since 1970-01-01T00:00:00Z: a `bigint` (a {@link Timestamp} as a parameter default). */
  static readonly TIMESTAMP = new ValueType("timestamp");

  private constructor(
    /** The contract's name: `f64`, `s64`, `string`, `bool` or `timestamp`. */
    readonly name: TypeName,
  ) {}

  /** The value type called `name` (as the contract names it). */
  static of(name: TypeName): ValueType {
    const found = ALL_TYPES.find((t) => t.name === name);
    if (found === undefined) throw new TypeError(`no value type \`${name}\``);
    return found;
  }

  /** The contract's name. */
  toString(): string {
    return this.name;
  }
}

const ALL_TYPES = [ValueType.F64, ValueType.S64, ValueType.STRING, ValueType.BOOL, ValueType.TIMESTAMP];

/**
 * Nanoseconds since 1970-01-01T00:00:00Z, as a parameter default or value: a `bigint` marked
 * as a timestamp, so `.param("since", new Timestamp(0n), doc)` declares a timestamp parameter
 * where `0n` would declare an s64.
 */
export class Timestamp {
  /** The nanoseconds. */
  readonly ns: bigint;

  /** A timestamp `ns` nanoseconds after the Unix epoch. */
  constructor(ns: bigint | number) {
    this.ns = BigInt(ns);
  }

  /** The nanoseconds, as text. */
  toString(): string {
    return this.ns.toString();
  }
}

/** A parameter's value: number (f64), bigint (s64), string, boolean, or {@link Timestamp}. */
export type Value = number | bigint | string | boolean | Timestamp;

/** The contract type of a parameter value; `TypeError` for anything else. */
export function typeOf(value: unknown): ValueType {
  switch (typeof value) {
    case "number":
      return ValueType.F64;
    case "bigint":
      return ValueType.S64;
    case "string":
      return ValueType.STRING;
    case "boolean":
      return ValueType.BOOL;
  }
  if (value instanceof Timestamp) return ValueType.TIMESTAMP;
  throw new TypeError(`a parameter value must be a number, bigint, string, boolean or Timestamp, not ${String(value)}`);
}

/** A parameter the plugin accepts; `default` undefined makes it required. */
export interface ParamSpec {
  readonly name: string;
  readonly type: ValueType;
  readonly default: Value | undefined;
  readonly doc: string;
}

/** A dataset the plugin reads and the columns it needs from it. */
export interface DatasetSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly doc: string;
}

/** A column of a declared output table; make one with {@link col}. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ValueType;
  readonly nullable: boolean;
  readonly doc: string;
}

/** Options of {@link col}. */
export interface ColumnOptions {
  /** Whether the column may hold nulls (default false). */
  nullable?: boolean;
  /** What the column holds. */
  doc?: string;
}

/** A declared output column called `name` of type `type`; `nullable` lets it hold nulls. */
export function col(name: string, type: ValueType, options: ColumnOptions = {}): ColumnSpec {
  if (!(type instanceof ValueType)) throw new TypeError(`column \`${name}\`: the type must be a ValueType, not ${String(type)}`);
  return { name, type, nullable: options.nullable ?? false, doc: options.doc ?? "" };
}

/** A declared output: a table (`columns` set) or a metric (`columns` undefined). */
export interface OutputSpec {
  readonly name: string;
  readonly doc: string;
  readonly columns: readonly ColumnSpec[] | undefined;
}

/**
 * What `describe()` returns, built by chaining:
 *
 * ```ts
 * new PluginInfo("electricity", "0.1.0")
 *   .description("Total electricity per enterprise.")
 *   .param("min_kwh", 0.0, "Leave out enterprises below this total.")
 *   .dataset("monthly_indicators", ["enterprise_id", "electricity_kwh"], "Monthly reports.")
 *   .table("by_enterprise", "kWh per enterprise.",
 *          [col("enterprise_id", ValueType.STRING), col("kwh", ValueType.F64)])
 *   .metric("enterprises", "Enterprises kept.")
 * ```
 */
export class PluginInfo {
  /** The one- or two-sentence description. */
  descriptionText = "";
  /** Declared parameters, in order. */
  readonly params: ParamSpec[] = [];
  /** Declared datasets, in order. */
  readonly datasets: DatasetSpec[] = [];
  /** Declared outputs, in order. */
  readonly outputs: OutputSpec[] = [];

  /** A plugin called `name` at semver `version`. */
  constructor(
    readonly name: string,
    readonly version: string,
  ) {}

  /** Sets the one- or two-sentence description. */
  description(text: string): this {
    this.descriptionText = text;
    return this;
  }

  /**
   * Declares a parameter. Given a value (`1.5`, `20n`, `"a,b"`, `true`, `new Timestamp(0n)`), it
   * is the default and its JS type the parameter's type (number → f64, bigint → s64). Given a
   * {@link ValueType}, the parameter is required and has that type.
   */
  param(name: string, defaultOrType: Value | ValueType, doc = ""): this {
    if (defaultOrType instanceof ValueType) return this.requiredParam(name, defaultOrType, doc);
    this.checkNewParam(name);
    this.params.push({ name, type: typeOf(defaultOrType), default: defaultOrType, doc });
    return this;
  }

  /** Declares a parameter the caller must give. */
  requiredParam(name: string, type: ValueType, doc = ""): this {
    this.checkNewParam(name);
    this.params.push({ name, type, default: undefined, doc });
    return this;
  }

  private checkNewParam(name: string): void {
    if (this.params.some((p) => p.name === name)) throw new Error(`parameter \`${name}\` is declared twice`);
  }

  /** Declares a dataset and the columns read from it. */
  dataset(name: string, columns: readonly string[], doc = ""): this {
    if (typeof columns === "string") throw new TypeError(`dataset \`${name}\`: columns must be a list of names, not one string`);
    this.datasets.push({ name, columns: [...columns], doc });
    return this;
  }

  /**
   * Declares an output table and its columns, in order. The host refuses a run whose table of
   * this name has other columns, other types, or nulls in a column not declared nullable.
   */
  table(name: string, doc: string, columns: readonly ColumnSpec[]): this {
    this.outputs.push({ name, doc, columns: [...columns] });
    return this;
  }

  /** Declares an output metric (a named scalar). */
  metric(name: string, doc = ""): this {
    this.outputs.push({ name, doc, columns: undefined });
    return this;
  }

  /** The declared output called `name`, if any. */
  output(name: string): OutputSpec | undefined {
    return this.outputs.find((o) => o.name === name);
  }

  /** The declared parameter called `name`, if any. */
  paramSpec(name: string): ParamSpec | undefined {
    return this.params.find((p) => p.name === name);
  }
}
