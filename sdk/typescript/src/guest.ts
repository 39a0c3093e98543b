/**
 * The glue between the SDK and the component's bindings for `kiln:plugin@0.2.0`: the ONLY
 * module importing `kiln:plugin/*`, so that the pure API (`@kiln/sdk`) and native tests never
 * need the bindings. The app module (the bundle's entry) exports what {@link exportPlugin}
 * returns as `guest`:
 *
 * ```ts
 * import { exportPlugin } from "@kiln/sdk/guest";
 * import { Electricity } from "./electricity";
 *
 * export const guest = exportPlugin(Electricity);
 * ```
 * @module
 */

import { Scan as HostScan, grants as hostGrants } from "kiln:plugin/data@0.2.0";
import type * as wguest from "kiln:plugin/guest@0.2.0";
import { write } from "kiln:plugin/log@0.2.0";
import type * as wit from "kiln:plugin/types@0.2.0";

import { Batch, Column } from "./batch";
import { Backend, Grant, Level } from "./context";
import { Dict, DictDelta } from "./dict";
import { Failed, InvalidData, PluginError, describeThrown } from "./errors";
import { PluginInfo, Timestamp, Value, ValueType } from "./info";
import { Output } from "./output";
import { ParamValue } from "./params";
import { PluginClass, pluginInfo, runPlugin } from "./plugin";
import { BatchSource } from "./scan";

// -- strings ---------------------------------------------------------------------------------

// `fatal`: malformed UTF-8 from the host is an error, not replacement characters.
const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** A packed `strings` record as strings: one decode of the whole buffer when it is ASCII. */
export function decodeStrings(name: string, strings: wit.Strings): string[] {
  const { offsets, bytes } = strings;
  const rows = Math.max(0, offsets.length - 1);
  if (rows > 0 && offsets[rows] !== bytes.length) {
    throw new InvalidData(`column \`${name}\`: string offsets end at ${offsets[rows]}, past ${bytes.length} bytes`);
  }
  const out = new Array<string>(rows);
  try {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      // Byte offsets are then character offsets.
      const text = decoder.decode(bytes);
      for (let i = 0; i < rows; i++) out[i] = text.slice(offsets[i], offsets[i + 1]);
    } else {
      for (let i = 0; i < rows; i++) out[i] = decoder.decode(bytes.subarray(offsets[i], offsets[i + 1]));
    }
  } catch (e) {
    throw new InvalidData(`column \`${name}\`: ${describeThrown(e)}`);
  }
  return out;
}

/** `values` packed Arrow-style: one encode of the joined text, and the offsets. */
export function encodeStrings(values: readonly string[]): wit.Strings {
  const bytes = encoder.encode(values.join(""));
  const offsets = new Uint32Array(values.length + 1);
  let at = 0;
  let units = 0;
  for (let i = 0; i < values.length; i++) units += values[i].length;
  // As many bytes as UTF-16 units means every character is ASCII: lengths are byte lengths.
  const ascii = bytes.length === units;
  for (let i = 0; i < values.length; i++) {
    at += ascii ? values[i].length : utf8Bytes(values[i]);
    offsets[i + 1] = at;
  }
  return { offsets, bytes };
}

/** The UTF-8 length of `s` as TextEncoder writes it (a lone surrogate as U+FFFD, 3 bytes). */
function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// -- batches ---------------------------------------------------------------------------------

/** A host batch as an SDK batch; dictionary columns as {@link DictDelta} for the scan. */
export function batchFromWit(batch: wit.Batch): Batch {
  const columns = batch.columns.map((c) => {
    const d = c.data;
    switch (d.tag) {
      case "f64":
        return new Column(c.name, "f64", d.val, c.validity);
      case "s64":
        return new Column(c.name, "s64", d.val, c.validity);
      case "timestamp":
        return new Column(c.name, "timestamp", d.val, c.validity);
      case "bool":
        return new Column(c.name, "bool", d.val, c.validity);
      case "string":
        return new Column(c.name, "string", decodeStrings(c.name, d.val), c.validity);
      case "dict":
        return new Column(c.name, "dict", new DictDelta(d.val.base, decodeStrings(c.name, d.val.values), d.val.codes), c.validity);
    }
    throw new InvalidData(`column \`${c.name}\`: unknown column data ${(d as { tag: string }).tag}`);
  });
  try {
    return new Batch(columns);
  } catch (e) {
    throw new InvalidData(describeThrown(e));
  }
}

/** An output column as the contract's `column`: typed arrays as they are (one copy each). */
export function columnToWit(c: Column): wit.Column {
  const d = c.data;
  let data: wit.ColumnData;
  if (d instanceof Dict) data = { tag: "dict", val: { base: 0, values: encodeStrings(d.values), codes: d.codes } };
  else if (c.kind === "string") data = { tag: "string", val: encodeStrings(d as string[]) };
  else if (c.kind === "f64") data = { tag: "f64", val: d as Float64Array };
  else if (c.kind === "s64") data = { tag: "s64", val: d as BigInt64Array };
  else if (c.kind === "timestamp") data = { tag: "timestamp", val: d as BigInt64Array };
  else data = { tag: "bool", val: d as boolean[] };
  return { name: c.name, data, validity: c.validity };
}

/** A run's output as the contract's `output`. */
export function outputToWit(output: Output): wguest.Output {
  return {
    tables: output.tables.map((t) => ({ name: t.name, data: { rows: t.data.rows, columns: t.data.columns.map(columnToWit) } })),
    metrics: output.metrics.map((m) => ({ name: m.name, value: m.value, unit: m.unit })),
  };
}

// -- values and info -------------------------------------------------------------------------

/** A parameter default of type `type` as the contract's `value`. */
export function valueToWit(type: ValueType, value: Value): wit.Value {
  switch (type) {
    case ValueType.F64:
      return { tag: "f64", val: Number(value) };
    case ValueType.S64:
      return { tag: "s64", val: BigInt(value as bigint | number) };
    case ValueType.STRING:
      return { tag: "string", val: String(value) };
    case ValueType.BOOL:
      return { tag: "bool", val: Boolean(value) };
    default:
      return { tag: "timestamp", val: value instanceof Timestamp ? value.ns : BigInt(value as bigint | number) };
  }
}

/** A parameter value from the host as a JS value (timestamps as bigint nanoseconds). */
export function valueFromWit(value: wit.Value): ParamValue | Timestamp {
  return value.tag === "timestamp" ? new Timestamp(value.val) : value.val;
}

/** The SDK's plugin info as the contract's `plugin-info`. */
export function infoToWit(info: PluginInfo): wguest.PluginInfo {
  return {
    name: info.name,
    version: info.version,
    description: info.descriptionText,
    params: info.params.map((p) => ({
      name: p.name,
      type: p.type.name,
      default: p.default === undefined ? undefined : valueToWit(p.type, p.default),
      doc: p.doc,
    })),
    datasets: info.datasets.map((d) => ({ name: d.name, columns: [...d.columns], doc: d.doc })),
    outputs: info.outputs.map((o) => ({
      name: o.name,
      doc: o.doc,
      kind:
        o.columns === undefined
          ? { tag: "metric" }
          : { tag: "table", val: o.columns.map((c) => ({ name: c.name, type: c.type.name, nullable: c.nullable, doc: c.doc })) },
    })),
  };
}

// -- the host as a backend -------------------------------------------------------------------

/** A host `scan` resource as a batch source. */
class WitScan implements BatchSource {
  private scan: HostScan | undefined;

  constructor(dataset: string, columns: string[]) {
    this.scan = new HostScan(dataset, columns);
  }

  nextBatch(): Batch | undefined {
    const scan = this.scan;
    if (scan === undefined) return undefined;
    let batch: wit.Batch | undefined;
    try {
      batch = scan.next();
    } catch (e) {
      // A `data-error` arrives as a thrown ComponentError whose payload is the variant.
      const payload = (e as { payload?: { tag: string; val: string } }).payload;
      if (payload?.tag === "io") throw new Failed(`reading data: ${payload.val}`);
      if (payload?.tag === "invalid") throw new InvalidData(payload.val);
      throw e;
    }
    return batch === undefined ? undefined : batchFromWit(batch);
  }

  close(): void {
    // Drops the resource now: the host caps how many scans a run may hold open.
    const scan = this.scan;
    this.scan = undefined;
    scan?.[Symbol.dispose]();
  }
}

/** The Kiln host, through the `data` and `log` imports. */
class WitBackend implements Backend {
  grants(): Grant[] {
    return hostGrants().map((g) => ({
      dataset: g.dataset,
      columns: g.columns.map((c) => ({ name: c.name, type: ValueType.of(c.type), nullable: c.nullable })),
    }));
  }

  open(dataset: string, columns: string[]): BatchSource {
    return new WitScan(dataset, columns);
  }

  log(level: Level, message: string): void {
    write(level, message);
  }
}

/** The contract's `plugin-error` for `e`. */
function pluginErrorToWit(e: PluginError): wguest.PluginError {
  return { tag: e.kind, val: e.message };
}

/** What the component exports as `guest`: the contract's `describe` and `run`. */
export interface GuestExport {
  /** The plugin's metadata. */
  describe(): wguest.PluginInfo;
  /** One run; never throws (a thrown value would trap the component): errors come back as `{tag: "err"}`. */
  run(params: wguest.Param[]): wguest.Output;
}

/**
 * The `guest` export running `plugin`: bind it as `export const guest` in the app module.
 * The plugin's info is made now, at build time (pre-initialization), so a broken `info` fails
 * the build rather than the first run.
 */
export function exportPlugin(plugin: PluginClass): GuestExport {
  pluginInfo(plugin);
  if (typeof plugin.prototype?.run !== "function") throw new TypeError(`${plugin.name} has no run(ctx, params) method`);
  return {
    describe() {
      return infoToWit(pluginInfo(plugin));
    },
    run(params) {
      const backend = new WitBackend();
      try {
        const given = params.map((p) => [p.name, valueFromWit(p.value)] as const);
        return outputToWit(runPlugin(plugin, backend, given));
      } catch (e) {
        // Everything is caught: anything thrown out of the export would trap the component.
        let error: PluginError;
        if (e instanceof PluginError) {
          error = e;
        } else {
          // Lowering the output failed, or the SDK itself did: still the run's failure.
          try {
            backend.log("error", e instanceof Error && e.stack ? e.stack : describeThrown(e));
          } catch {
            // The log is best effort here.
          }
          error = new Failed(describeThrown(e));
        }
        // The bindings take a returned `{tag: "err"}` as the result's error case.
        return { tag: "err", val: pluginErrorToWit(error) } as unknown as wguest.Output;
      }
    },
  };
}
