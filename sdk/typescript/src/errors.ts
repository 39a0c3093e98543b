/**
 * Why a plugin declines to produce output: the WIT `plugin-error`, as exceptions.
 *
 * Throw {@link InvalidParams}, {@link InvalidData} or {@link Failed} (or the base
 * {@link PluginError}, which means failed) from `run`; the SDK hands the host the matching
 * `plugin-error` case. Anything else thrown out of `run` is reported as `failed` with its
 * message, and its stack goes to the run's log.
 * @module
 */

/** The WIT `plugin-error` case names. */
export type ErrorKind = "invalid-params" | "invalid-data" | "failed";

/** A run that declined to produce output; the host reports it with its `message`. Throwing the base class means `failed`. */
export class PluginError extends Error {
  /** The WIT `plugin-error` case this error maps to. */
  readonly kind: ErrorKind = "failed";

  /** An error reported to the host as `message`. */
  constructor(message: string) {
    super(String(message));
    // The subclass's name, so a stack or `String(e)` says which kind it is.
    this.name = new.target.name;
  }
}

/** A parameter is missing, unknown, mistyped or out of range. */
export class InvalidParams extends PluginError {
  override readonly kind = "invalid-params";
}

/** The granted data lacks what the plugin needs, or is malformed. */
export class InvalidData extends PluginError {
  override readonly kind = "invalid-data";
}

/** Anything else. */
export class Failed extends PluginError {
  override readonly kind = "failed";
}

/** The error for a WIT `plugin-error` case named `kind`. */
export function errorOfKind(kind: string, message: string): PluginError {
  if (kind === "invalid-params") return new InvalidParams(message);
  if (kind === "invalid-data") return new InvalidData(message);
  return new Failed(message);
}

/** `value` as a one-line description for an error message (an Error's message, else its text). */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
