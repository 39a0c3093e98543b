/**
 * A scan: the batches of one dataset, with each string column's dictionary kept for the whole
 * scan so that its codes mean the same string in every batch.
 * @module
 */

import { Batch } from "./batch";
import { DictDelta, ScanDictionary } from "./dict";

/** Where a scan's batches come from: the host, or the native test harness. */
export interface BatchSource {
  /** The next batch (dictionary columns as {@link DictDelta}), or undefined at the end. */
  nextBatch(): Batch | undefined;
  /** Releases the source; called once the scan is done. */
  close(): void;
}

/**
 * An iterable over the batches of one dataset (from `ctx.scan`), read once:
 *
 * ```ts
 * const scan = ctx.scan("monthly_indicators", ["enterprise_id", "output_value"]);
 * for (const batch of scan) { ... }
 * const names = scan.dictionary("enterprise_id");
 * ```
 *
 * String columns come dictionary-encoded (see {@link Batch.dict}) into one dictionary per column
 * held here; {@link dictionary} gives it, also once the scan is done. The scan releases its host
 * resource when exhausted, or when a `for...of` loop over it is left early; {@link close}
 * releases it at once.
 */
export class Scan implements Iterable<Batch>, IterableIterator<Batch> {
  private source: BatchSource | undefined;
  private readonly dictionaries = new Map<string, ScanDictionary>();

  /** A scan reading `source`. */
  constructor(source: BatchSource) {
    this.source = source;
  }

  /** The scan itself: it is its own (single-pass) iterator. */
  [Symbol.iterator](): this {
    return this;
  }

  /** The next batch, or done at the end of the dataset. */
  next(): IteratorResult<Batch, undefined> {
    const source = this.source;
    if (source === undefined) return { done: true, value: undefined };
    const batch = source.nextBatch();
    if (batch === undefined) {
      this.close();
      return { done: true, value: undefined };
    }
    return { done: false, value: this.resolve(batch) };
  }

  /** Called by `for...of` when the loop is left early (break, return, throw): releases the scan. */
  return(): IteratorResult<Batch, undefined> {
    this.close();
    return { done: true, value: undefined };
  }

  private dictionaryOf(name: string): ScanDictionary {
    let dictionary = this.dictionaries.get(name);
    if (dictionary === undefined) this.dictionaries.set(name, (dictionary = new ScanDictionary(name)));
    return dictionary;
  }

  /** Applies a source batch's dictionary columns to the scan's dictionaries and links its plain string columns to them. */
  private resolve(batch: Batch): Batch {
    for (const column of batch.columns) {
      if (column.data instanceof DictDelta) column.data = this.dictionaryOf(column.name).apply(column.data);
      else if (column.kind === "string") this.dictionaryOf(column.name);
    }
    batch.dictionaries = this.dictionaries;
    return batch;
  }

  /**
   * The dictionary of string column `column` so far: every value any batch of the scan has
   * coded, code `c` at index `c`. Empty before the column has been seen. It is the scan's own
   * array: do not modify it.
   */
  dictionary(column: string): readonly string[] {
    return this.dictionaries.get(column)?.values ?? [];
  }

  /** Releases the scan's source (the host's scan resource). */
  close(): void {
    const source = this.source;
    this.source = undefined;
    source?.close();
  }
}
