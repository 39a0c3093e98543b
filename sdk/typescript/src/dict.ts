/**
 * Dictionary-encoded string columns: codes into a list of distinct values, and the per-scan
 * dictionary that keeps a code meaning the same string in every batch of a scan.
 * @module
 */

import { InvalidData } from "./errors";

/**
 * A string column as `codes` into `values`: row `i` is `values[codes[i]]`.
 *
 * In a scan, `values` is the scan's dictionary for the column so far (the same array in every
 * batch, growing as batches add values), so a code means the same string in every batch: keep
 * per-id state in an array indexed by code and sized by `values.length`.
 */
export class Dict {
  /** A column of `codes.length` rows; the SDK checks the codes when it builds one. */
  constructor(
    /** The dictionary: code `c` is `values[c]`. */
    readonly values: readonly string[],
    /** One code per row. */
    readonly codes: Uint32Array,
  ) {}

  /** The number of rows. */
  get length(): number {
    return this.codes.length;
  }

  /** The rows as strings. */
  strings(): string[] {
    const { values, codes } = this;
    const out = new Array<string>(codes.length);
    for (let i = 0; i < codes.length; i++) out[i] = values[codes[i]];
    return out;
  }
}

/**
 * A dictionary column as a source sends it (the contract's form): the `values` this batch adds
 * to the scan's dictionary, numbered from `base`, and `codes` into everything the scan has sent
 * on the column so far. Only sources and the scan see it.
 */
export class DictDelta {
  /** A batch's part of a scan's dictionary. */
  constructor(
    readonly base: number,
    readonly values: readonly string[],
    readonly codes: Uint32Array,
  ) {}

  /** The number of rows. */
  get length(): number {
    return this.codes.length;
  }
}

/** Refuses a code at or past `size`: `InvalidData` naming the row. */
export function checkCodes(name: string, codes: Uint32Array, size: number): void {
  for (let row = 0; row < codes.length; row++) {
    if (codes[row] >= size) {
      throw new InvalidData(`column \`${name}\`: code ${codes[row]} at row ${row} is past a dictionary of ${size} values`);
    }
  }
}

/** One string column's dictionary for a scan: every value seen, in order of first sight. */
export class ScanDictionary {
  /** Code `c` is `values[c]`; only ever appended to. */
  readonly values: string[] = [];
  // value → code, built only when a plain column must be encoded (most scans never need it).
  private index: Map<string, number> | undefined;

  /** The dictionary of column `name`. */
  constructor(readonly name: string) {}

  /** Adds a batch's new values and returns its column as codes into the whole dictionary. */
  apply(delta: DictDelta): Dict {
    const values = this.values;
    if (delta.base !== values.length) {
      throw new InvalidData(
        `column \`${this.name}\`: a dictionary batch starts at code ${delta.base}, but the scan holds ${values.length} values`,
      );
    }
    for (const value of delta.values) {
      // First sight wins, as the host's and the Rust SDK's dictionaries number values.
      if (this.index !== undefined && !this.index.has(value)) this.index.set(value, values.length);
      values.push(value);
    }
    checkCodes(this.name, delta.codes, values.length);
    return new Dict(values, delta.codes);
  }

  /** Codes for plain `strings`, adding the values not yet in the dictionary. */
  encode(strings: readonly string[]): Dict {
    const values = this.values;
    let index = this.index;
    if (index === undefined) {
      index = this.index = new Map();
      for (let code = 0; code < values.length; code++) if (!index.has(values[code])) index.set(values[code], code);
    }
    const codes = new Uint32Array(strings.length);
    for (let row = 0; row < strings.length; row++) {
      const s = strings[row];
      let code = index.get(s);
      if (code === undefined) {
        code = values.length;
        index.set(s, code);
        values.push(s);
      }
      codes[row] = code;
    }
    return new Dict(values, codes);
  }
}
