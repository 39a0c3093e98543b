/**
 * Write Kiln plugins in TypeScript: the pure API. Nothing here (or in what it imports) touches
 * the component's bindings; `@kiln/sdk/guest` does, and `@kiln/sdk/testing` runs plugins natively.
 *
 * ```ts
 * import { Batch, Context, Output, Params, Plugin, PluginInfo, ValueType, col } from "@kiln/sdk";
 *
 * export class Electricity extends Plugin {
 *   static info = new PluginInfo("electricity", "0.1.0")
 *     .param("min_kwh", 0.0, "Leave out enterprises below this total.")
 *     .dataset("monthly_indicators", ["enterprise_id", "electricity_kwh"], "Monthly reports.")
 *     .table("by_enterprise", "kWh per enterprise.", [col("enterprise_id", ValueType.STRING), col("kwh", ValueType.F64)]);
 *
 *   run(ctx: Context, params: Params): Output { ... }
 * }
 * ```
 * @module
 */

export { Batch, Column, kindType } from "./batch";
export type { ColumnData, Kind } from "./batch";
export { Context } from "./context";
export type { Backend, Grant, GrantColumn, Level } from "./context";
export { Dict } from "./dict";
export { Failed, InvalidData, InvalidParams, PluginError, errorOfKind } from "./errors";
export type { ErrorKind } from "./errors";
export { PluginInfo, Timestamp, ValueType, col, typeOf } from "./info";
export type { ColumnOptions, ColumnSpec, DatasetSpec, OutputSpec, ParamSpec, TypeName, Value } from "./info";
export { Output, checkOutput } from "./output";
export type { Metric, Table } from "./output";
export { Params, parseParams } from "./params";
export type { ParamValue } from "./params";
export { Plugin, pluginInfo } from "./plugin";
export type { PluginClass } from "./plugin";
export { Scan } from "./scan";
export * as month from "./month";
export * as stats from "./stats";

/** The WIT contract version this SDK builds plugins against. */
export const WIT_VERSION = "0.2.0";
