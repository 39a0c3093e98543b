/**
 * The run's view of the host: granted data and the log.
 * @module
 */

import { ValueType } from "./info";
import { BatchSource, Scan } from "./scan";

/** Severity of a log line (the contract's `level`). */
export type Level = "trace" | "debug" | "info" | "warn" | "error";

/** A granted column and its type. */
export interface GrantColumn {
  readonly name: string;
  readonly type: ValueType;
  readonly nullable: boolean;
}

/** A dataset this run may read, with its granted columns. */
export interface Grant {
  readonly dataset: string;
  readonly columns: readonly GrantColumn[];
}

/** Where a {@link Context} gets its data: the Wasm host, or the native test harness. */
export interface Backend {
  /** The datasets and columns the run may read. */
  grants(): Grant[];
  /** Opens a scan of `columns` of `dataset` (every granted column when empty). */
  open(dataset: string, columns: string[]): BatchSource;
  /** Records a log line. */
  log(level: Level, message: string): void;
}

/**
 * What a plugin's `run` gets: granted data ({@link scan}) and the run's log.
 *
 * `console.log/info/debug/warn/error` also reach the run's log while the run lasts (at the
 * matching level; `console.log` is info).
 */
export class Context {
  /** A context over `backend`; the SDK makes one per run. */
  constructor(private readonly backend: Backend) {}

  /** The datasets and columns this run may read, with their types. */
  grants(): Grant[] {
    return this.backend.grants();
  }

  /**
   * Scans `dataset`, yielding batches of `columns` in that order (every granted column when
   * empty). Under the host, asking for a dataset or column that was not granted ends the run.
   */
  scan(dataset: string, columns: readonly string[] = []): Scan {
    if (typeof columns === "string") throw new TypeError("columns must be a list of names, not one string");
    return new Scan(this.backend.open(dataset, [...columns]));
  }

  /** Writes a line to the run's log. */
  log(level: Level, message: string): void {
    this.backend.log(level, String(message));
  }

  /** Writes a trace line to the run's log. */
  trace(message: string): void {
    this.log("trace", message);
  }

  /** Writes a debug line to the run's log. */
  debug(message: string): void {
    this.log("debug", message);
  }

  /** Writes an info line to the run's log. */
  info(message: string): void {
    this.log("info", message);
  }

  /** Writes a warning to the run's log. */
  warn(message: string): void {
    this.log("warn", message);
  }

  /** Writes an error line to the run's log. */
  error(message: string): void {
    this.log("error", message);
  }
}
