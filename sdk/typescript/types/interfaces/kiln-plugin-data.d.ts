/// <reference path="./kiln-plugin-types.d.ts" />
declare module 'kiln:plugin/data@0.2.0' {
  /**
   * The datasets and columns granted to this run.
   */
  export function grants(): Array<Grant>;
  export type Batch = import('kiln:plugin/types@0.2.0').Batch;
  export type ValueType = import('kiln:plugin/types@0.2.0').ValueType;
  /**
   * A column of a dataset and its type.
   */
  export interface ColumnInfo {
    name: string,
    type: ValueType,
    nullable: boolean,
  }
  /**
   * A dataset this run may read, with the columns granted on it.
   */
  export interface Grant {
    dataset: string,
    columns: Array<ColumnInfo>,
  }
  /**
   * Why reading failed. Ungranted access is not reported here: it ends the run.
   */
  export type DataError = DataErrorIo | DataErrorInvalid;
  /**
   * The dataset's storage could not be read.
   */
  export interface DataErrorIo {
    tag: 'io',
    val: string,
  }
  /**
   * The stored data does not match its schema.
   */
  export interface DataErrorInvalid {
    tag: 'invalid',
    val: string,
  }
  
  export class Scan implements Disposable {
    /**
    * Opens a scan of `dataset` projected to `columns`, in that order. An empty list means
    * every granted column.
    */
    constructor(dataset: string, columns: Array<string>)
    /**
    * The next batch of rows, or `none` once the dataset is exhausted.
    */
    next(): Batch | undefined;
    [Symbol.dispose](): void;
  }
}
