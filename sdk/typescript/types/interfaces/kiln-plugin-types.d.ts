declare module 'kiln:plugin/types@0.2.0' {
  /**
   * The type of a column or a parameter.
   * # Variants
   * 
   * ## `"f64"`
   * 
   * 64-bit IEEE float.
   * ## `"s64"`
   * 
   * 64-bit signed integer.
   * ## `"string"`
   * 
   * UTF-8 text.
   * ## `"bool"`
   * 
   * true or false.
   * ## `"timestamp"`
   * 
   * Nanoseconds since 1970-01-01T00:00:00Z.
   */
  export type ValueType = 'f64' | 's64' | 'string' | 'bool' | 'timestamp';
  /**
   * UTF-8 strings packed Arrow-style: row `i` is `bytes[offsets[i]..offsets[i + 1]]`.
   * 
   * Two flat lists cross the boundary as two copies, where a `list<string>` would cost an
   * allocation per row on the receiving side.
   */
  export interface Strings {
    /**
     * `rows + 1` byte offsets into `bytes`: the first is 0, they never decrease, and the
     * last is the length of `bytes`. Each slice is valid UTF-8.
     */
    offsets: Uint32Array,
    bytes: Uint8Array,
  }
  /**
   * A dictionary-encoded string column: each distinct value once, and one `u32` code per row.
   * 
   * In a scan, a column's dictionary belongs to the scan and grows across its batches: a
   * batch's `values` are only the ones it adds, numbered from `base` (the count the scan's
   * earlier batches added), and its `codes` index the dictionary received so far. A code
   * therefore means the same string in every batch of a scan, so a plugin can group or join
   * by code without hashing strings. In an output table `base` is 0 and `values` is the
   * whole dictionary.
   */
  export interface Dict {
    base: number,
    values: Strings,
    codes: Uint32Array,
  }
  /**
   * The values of one column, one entry per row.
   * 
   * Each variant is one or two flat lists of scalars, so a column crosses the boundary as one
   * or two copies.
   */
  export type ColumnData = ColumnDataF64 | ColumnDataS64 | ColumnDataString | ColumnDataBool | ColumnDataTimestamp | ColumnDataDict;
  export interface ColumnDataF64 {
    tag: 'f64',
    val: Float64Array,
  }
  export interface ColumnDataS64 {
    tag: 's64',
    val: BigInt64Array,
  }
  export interface ColumnDataString {
    tag: 'string',
    val: Strings,
  }
  export interface ColumnDataBool {
    tag: 'bool',
    val: Array<boolean>,
  }
  /**
   * Nanoseconds since 1970-01-01T00:00:00Z.
   */
  export interface ColumnDataTimestamp {
    tag: 'timestamp',
    val: BigInt64Array,
  }
  /**
   * Strings, dictionary-encoded. Its value type is `string`.
   */
  export interface ColumnDataDict {
    tag: 'dict',
    val: Dict,
  }
  /**
   * One named column of a batch.
   */
  export interface Column {
    name: string,
    data: ColumnData,
    /**
     * `none` when every row holds a value; otherwise one flag per row, false where the
     * row is null (the value in `data` at that row is then meaningless).
     */
    validity?: Array<boolean>,
  }
  /**
   * A slice of a table: columns of equal length.
   */
  export interface Batch {
    /**
     * The number of rows; every column holds exactly this many values.
     */
    rows: number,
    columns: Array<Column>,
  }
  /**
   * A single typed value: a parameter or a default.
   */
  export type Value = ValueF64 | ValueS64 | ValueString | ValueBool | ValueTimestamp;
  export interface ValueF64 {
    tag: 'f64',
    val: number,
  }
  export interface ValueS64 {
    tag: 's64',
    val: bigint,
  }
  export interface ValueString {
    tag: 'string',
    val: string,
  }
  export interface ValueBool {
    tag: 'bool',
    val: boolean,
  }
  export interface ValueTimestamp {
    tag: 'timestamp',
    val: bigint,
  }
}
