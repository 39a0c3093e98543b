/**
 * A run's parameters: checked against the declared ones, defaults applied.
 * @module
 */

import { InvalidParams } from "./errors";
import { PluginInfo, Timestamp, ValueType, typeOf } from "./info";

/** A parameter value as a run sees it: number (f64), bigint (s64 and timestamp), string, boolean. */
export type ParamValue = number | bigint | string | boolean;

/**
 * Every declared parameter with its value, defaults applied: `params.get("level")`, or a typed
 * getter (`params.f64("ratio")`, `.s64`, `.string`, `.bool`, `.timestamp`) that also checks the
 * declared type. Read-only: a run sees exactly the values the host passed.
 *
 * `T` optionally names the parameters' types, for `get`:
 * `class P extends Plugin<Params<{ level: string }>>`.
 */
export class Params<T extends Record<string, ParamValue> = Record<string, ParamValue>> {
  private readonly values: ReadonlyMap<string, ParamValue>;
  private readonly types: ReadonlyMap<string, ValueType>;

  /** Parameters with these values and declared types (the SDK makes them; see {@link parseParams}). */
  constructor(values: ReadonlyMap<string, ParamValue>, types: ReadonlyMap<string, ValueType>) {
    this.values = values;
    this.types = types;
  }

  /** The value of parameter `name`; `Error` if it is not declared (a plugin bug). */
  get<K extends keyof T & string>(name: K): T[K] {
    if (!this.values.has(name)) throw new Error(`no parameter \`${name}\``);
    return this.values.get(name) as T[K];
  }

  /** Whether a parameter `name` is declared. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The names, in declaration order. */
  names(): string[] {
    return [...this.values.keys()];
  }

  /** Every parameter as a plain object, in declaration order. */
  toObject(): T {
    return Object.fromEntries(this.values) as T;
  }

  private typed(name: string, type: ValueType): ParamValue {
    const declared = this.types.get(name);
    if (declared === undefined) throw new Error(`no parameter \`${name}\``);
    if (declared !== type) throw new Error(`parameter \`${name}\` is ${declared.name}, not ${type.name}`);
    return this.values.get(name) as ParamValue;
  }

  /** The value of f64 parameter `name`. */
  f64(name: keyof T & string): number {
    return this.typed(name, ValueType.F64) as number;
  }

  /** The value of s64 parameter `name`. */
  s64(name: keyof T & string): bigint {
    return this.typed(name, ValueType.S64) as bigint;
  }

  /** The value of string parameter `name`. */
  string(name: keyof T & string): string {
    return this.typed(name, ValueType.STRING) as string;
  }

  /** The value of bool parameter `name`. */
  bool(name: keyof T & string): boolean {
    return this.typed(name, ValueType.BOOL) as boolean;
  }

  /** The value of timestamp parameter `name`, in nanoseconds since the Unix epoch. */
  timestamp(name: keyof T & string): bigint {
    return this.typed(name, ValueType.TIMESTAMP) as bigint;
  }
}

/**
 * `value` as a value of `declared`, or undefined when it may not stand for one. Besides the
 * exact type: a bigint for an f64, a whole number for an s64 (JS literals are numbers), and a
 * bigint for a timestamp. A boolean never stands for a number.
 */
export function coerce(declared: ValueType, value: unknown): ParamValue | undefined {
  let given: ValueType;
  try {
    given = typeOf(value);
  } catch {
    return undefined;
  }
  switch (declared) {
    case ValueType.F64:
      if (given === ValueType.F64) return value as number;
      return given === ValueType.S64 ? Number(value as bigint) : undefined;
    case ValueType.S64:
      if (given === ValueType.S64) return value as bigint;
      return given === ValueType.F64 && Number.isSafeInteger(value) ? BigInt(value as number) : undefined;
    case ValueType.TIMESTAMP:
      if (value instanceof Timestamp) return value.ns;
      if (given === ValueType.S64) return value as bigint;
      return given === ValueType.F64 && Number.isSafeInteger(value) ? BigInt(value as number) : undefined;
    default:
      return given === declared ? (value as ParamValue) : undefined;
  }
}

/** A value for an error message (`"x"` quoted, `5n` marked). */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}

/**
 * The run's {@link Params}: `given` checked against `info.params` and completed from the
 * defaults, refusing unknown, mistyped and missing parameters as the host does (a parameter
 * given twice takes the last value).
 */
export function parseParams(info: PluginInfo, given: Iterable<readonly [string, unknown]>): Params {
  const values = new Map<string, ParamValue>();
  for (const [name, value] of given) {
    const spec = info.paramSpec(name);
    if (spec === undefined) throw new InvalidParams(`unknown parameter \`${name}\``);
    const typed = coerce(spec.type, value);
    if (typed === undefined) throw new InvalidParams(`parameter \`${name}\` must be ${spec.type.name}, got ${shown(value)}`);
    values.set(name, typed);
  }
  // Declaration order, whatever order they were given in.
  const ordered = new Map<string, ParamValue>();
  const types = new Map<string, ValueType>();
  for (const spec of info.params) {
    types.set(spec.name, spec.type);
    if (values.has(spec.name)) {
      ordered.set(spec.name, values.get(spec.name) as ParamValue);
    } else if (spec.default === undefined) {
      throw new InvalidParams(`missing parameter \`${spec.name}\``);
    } else {
      ordered.set(spec.name, coerce(spec.type, spec.default) as ParamValue);
    }
  }
  return new Params(ordered, types);
}
