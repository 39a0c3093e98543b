/**
 * The plugin base class, and the run driver shared by the component glue and the native harness.
 * @module
 */

import { Backend, Context, Level } from "./context";
import { Failed, PluginError, describeThrown } from "./errors";
import { PluginInfo } from "./info";
import { Output } from "./output";
import { Params, parseParams } from "./params";

/**
 * A Kiln plugin: its self-description and its computation. Subclass it, give the class a
 * static `info` (a {@link PluginInfo}, or a static method returning one) and implement `run`:
 *
 * ```ts
 * export class Electricity extends Plugin {
 *   static info = new PluginInfo("electricity", "0.1.0").param("min_kwh", 0.0, "...");
 *
 *   run(ctx: Context, params: Params): Output {
 *     ...
 *     return new Output().metric("enterprises", n);
 *   }
 * }
 * ```
 *
 * Each run gets a fresh instance, so fields set in `run` never leak into another run.
 */
export abstract class Plugin<P extends Params<any> = Params> {
  /** Computes the output from the granted data; throw a {@link PluginError} to decline. */
  abstract run(ctx: Context, params: P): Output;
}

/** A plugin class: what `exportPlugin` and `TestRun.run` take. */
export interface PluginClass {
  /** Makes the instance for one run. */
  new (): Plugin<any>;
  /** What `describe()` returns, or a function making it. */
  readonly info: PluginInfo | (() => PluginInfo);
  /** The class's name, for messages. */
  readonly name: string;
}

/** `plugin`'s {@link PluginInfo}, whether its static `info` is a value or a method. */
export function pluginInfo(plugin: PluginClass): PluginInfo {
  const raw = (plugin as { info?: unknown }).info;
  const info = typeof raw === "function" ? (raw as () => unknown).call(plugin) : raw;
  if (!(info instanceof PluginInfo)) throw new TypeError(`${plugin.name}.info must be a PluginInfo (or a static method making one)`);
  return info;
}

/**
 * The host ending a run from inside a host call (ungranted data, a limit). Natively a plugin's
 * `catch` could swallow it, so the native backend also remembers it and the harness reports it
 * whatever the plugin did.
 */
export class HostAbort extends Error {
  /** The host ending the run: `kind` as `kiln plugin run --json` reports it (`ungranted`, ...). */
  constructor(
    readonly kind: string,
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = "HostAbort";
  }
}

/** One `console` argument as text: strings as they are, errors with their stack, the rest as JSON where possible. */
function formatArg(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (value !== null && typeof value === "object") {
    try {
      return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
    } catch {
      return String(value);
    }
  }
  return typeof value === "bigint" ? `${value}n` : String(value);
}

/** The `console` methods routed to the run's log, and the level each writes at. */
const CONSOLE_LEVELS: readonly [keyof Console & string, Level][] = [
  ["log", "info"],
  ["info", "info"],
  ["debug", "debug"],
  ["trace", "trace"],
  ["warn", "warn"],
  ["error", "error"],
];

/** Points `console.*` at `backend`'s log; returns the function that puts the originals back. */
function routeConsole(backend: Backend): () => void {
  const target = console as unknown as Record<string, unknown>;
  const saved = CONSOLE_LEVELS.map(([method]) => [method, target[method]] as const);
  for (const [method, level] of CONSOLE_LEVELS) {
    target[method] = (...args: unknown[]) => backend.log(level, args.map(formatArg).join(" "));
  }
  return () => {
    for (const [method, original] of saved) target[method] = original;
  };
}

/**
 * Runs `plugin` against `backend` as the host would: parameters checked and completed,
 * `console` routed to the run's log, and anything thrown other than a {@link PluginError} (or
 * the host's {@link HostAbort}) turned into {@link Failed}, with its stack logged.
 */
export function runPlugin(plugin: PluginClass, backend: Backend, given: Iterable<readonly [string, unknown]>): Output {
  const info = pluginInfo(plugin);
  const params = parseParams(info, given);
  const restore = routeConsole(backend);
  let output: unknown;
  try {
    output = new plugin().run(new Context(backend), params);
  } catch (e) {
    if (e instanceof PluginError || e instanceof HostAbort) throw e;
    backend.log("error", e instanceof Error && e.stack ? e.stack : describeThrown(e));
    throw new Failed(describeThrown(e));
  } finally {
    restore();
  }
  if (!(output instanceof Output)) {
    const what = output instanceof Promise ? "a Promise (run must be synchronous)" : String(output);
    throw new Failed(`run() must return an Output, not ${what}`);
  }
  return output;
}
