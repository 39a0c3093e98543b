/// <reference path="./kiln-plugin-types.d.ts" />
declare module 'kiln:plugin/guest@0.2.0' {
  /**
   * The plugin's metadata. Must not read data and should be cheap: the host calls it at load.
   */
  export function describe(): PluginInfo;
  /**
   * Computes the plugin's output. `params` holds every declared parameter, defaults applied.
   */
  export function run(params: Array<Param>): Output;
  export type Batch = import('kiln:plugin/types@0.2.0').Batch;
  export type Value = import('kiln:plugin/types@0.2.0').Value;
  export type ValueType = import('kiln:plugin/types@0.2.0').ValueType;
  /**
   * A parameter the plugin accepts.
   */
  export interface ParamSpec {
    name: string,
    type: ValueType,
    /**
     * The value used when the caller gives none; `none` makes the parameter required.
     */
    'default'?: Value,
    doc: string,
  }
  /**
   * A dataset the plugin reads and the columns it needs from it.
   */
  export interface DatasetSpec {
    name: string,
    columns: Array<string>,
    doc: string,
  }
  /**
   * A column of an output table.
   */
  export interface ColumnSpec {
    name: string,
    type: ValueType,
    /**
     * Whether the column may hold nulls.
     */
    nullable: boolean,
    doc: string,
  }
  /**
   * What an output is.
   */
  export type OutputKind = OutputKindTable | OutputKindMetric;
  /**
   * A table with exactly these columns, in this order.
   */
  export interface OutputKindTable {
    tag: 'table',
    val: Array<ColumnSpec>,
  }
  /**
   * A named scalar (see `metric`).
   */
  export interface OutputKindMetric {
    tag: 'metric',
  }
  /**
   * A table or metric the plugin produces. A run's output may leave out a declared output,
   * but may not hold one that is not declared, or a table whose columns differ from these.
   */
  export interface OutputSpec {
    name: string,
    doc: string,
    kind: OutputKind,
  }
  /**
   * Everything the host and registry need to know about a plugin before running it.
   */
  export interface PluginInfo {
    name: string,
    /**
     * The plugin's own semver version.
     */
    version: string,
    description: string,
    params: Array<ParamSpec>,
    datasets: Array<DatasetSpec>,
    outputs: Array<OutputSpec>,
  }
  /**
   * One parameter value passed to `run`.
   */
  export interface Param {
    name: string,
    value: Value,
  }
  /**
   * A named result table.
   */
  export interface Table {
    name: string,
    data: Batch,
  }
  /**
   * A named scalar result.
   */
  export interface Metric {
    name: string,
    value: number,
    unit: string,
  }
  /**
   * What a successful run returns.
   */
  export interface Output {
    tables: Array<Table>,
    metrics: Array<Metric>,
  }
  /**
   * Why a plugin declined to produce output.
   */
  export type PluginError = PluginErrorInvalidParams | PluginErrorInvalidData | PluginErrorFailed;
  /**
   * A parameter is missing, unknown, or out of range.
   */
  export interface PluginErrorInvalidParams {
    tag: 'invalid-params',
    val: string,
  }
  /**
   * Granted data is missing what the plugin needs, or is malformed.
   */
  export interface PluginErrorInvalidData {
    tag: 'invalid-data',
    val: string,
  }
  /**
   * Anything else.
   */
  export interface PluginErrorFailed {
    tag: 'failed',
    val: string,
  }
}
