// The review desk's reading of a version: its describe() (params, datasets and columns,
// outputs) out of the JSON the registry stores, and what changed since the previous version
// when the service reports it. Plain functions, tested without a browser.
import type { Schema } from "../api/client";
import { readOutputs, type DeclaredOutput } from "../contract";

/** A published version, as the review queue lists it. */
export type Version = Schema<"VersionRecord">;

/** Names added, removed and changed between two versions. */
export type Delta = Schema<"Delta">;

/** What changed since the previous version. */
export type Changes = Schema<"Changes">;

/** How one output's declared schema changed. */
export type OutputSchemaDelta = Schema<"OutputSchemaDelta">;

/** A declared column's type and nullability, as a change report gives them. */
export type ColumnType = Schema<"ColumnType">;

/** One item of the queue: the version, and its changes when the service reports them. */
export interface Entry {
  version: Version;
  changes: Changes | null;
}

/**
 * A queue item: a `ReviewItem` (the version's fields with its `changes` beside them), a bare
 * version, or `{version, changes}`.
 */
export function entryOf(item: unknown): Entry {
  const o = item as Record<string, unknown>;
  if (o && typeof o.version === "object" && o.version !== null) {
    return { version: o.version as Version, changes: (o.changes as Changes | undefined) ?? null };
  }
  const changes = o && typeof o.changes === "object" && o.changes !== null ? (o.changes as Changes) : null;
  return { version: item as Version, changes };
}

/** A parameter a plugin declares. */
export interface Param {
  name: string;
  type: string;
  default: string;
  doc: string;
}

/** A dataset a plugin reads, with its columns. */
export interface DatasetUse {
  name: string;
  columns: string[];
  doc: string;
}

/** An output a plugin writes, with its declared schema. */
export type Output = DeclaredOutput;

/** describe(), read defensively: whatever is missing or malformed is left out. */
export interface Described {
  description: string;
  params: Param[];
  datasets: DatasetUse[];
  outputs: Output[];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === "object") : [];
}

/** A parameter value as the registry stores it (`{"F64": 0.5}`, `{"Str": "x"}`, or plain). */
export function paramValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object" && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1) return paramValue(entries[0]?.[1]);
  }
  return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
}

/** A parameter type as written by the plugin contract (`F64` → `f64`, `Str` → `string`). */
export function paramType(v: unknown): string {
  const s = str(v);
  const known: Record<string, string> = { F64: "f64", S64: "s64", Str: "string", String: "string", Bool: "bool" };
  return known[s] ?? s.toLowerCase();
}

/** The parts of describe() the desk shows. */
export function described(describe: unknown): Described {
  const d = (describe && typeof describe === "object" ? describe : {}) as Record<string, unknown>;
  return {
    description: str(d.description),
    params: list(d.params).map((p) => ({
      name: str(p.name),
      type: paramType(p.type_ ?? p.type),
      default: paramValue(p.default),
      doc: str(p.doc),
    })),
    datasets: list(d.datasets).map((x) => ({
      name: str(x.name),
      columns: Array.isArray(x.columns) ? x.columns.map(str) : [],
      doc: str(x.doc),
    })),
    outputs: readOutputs(d),
  };
}

/** `ns/name@version`, as the audit log names a version. */
export function subjectOf(v: Pick<Version, "namespace" | "name" | "version">): string {
  return `${v.namespace}/${v.name}@${v.version}`;
}

/** A column type as the desk writes it: `f64`, or `f64?` when it may hold nulls. */
export function columnTypeText(c: ColumnType): string {
  return c.nullable ? `${c.type}?` : c.type;
}

/** One output's schema change as the desk lists it. */
export interface SchemaLine {
  output: string;
  /** The shapes before and after, when the output changed what it is (a table became a metric). */
  shape: { before: OutputSchemaDelta["before"]; after: OutputSchemaDelta["after"] } | null;
  added: string[];
  removed: string[];
  /** `column: before → after` for each retyped column. */
  changed: string[];
}

/** The output schema changes of a report, one line per output. */
export function schemaLines(c: Changes): SchemaLine[] {
  return (c.output_schemas ?? []).map((d) => ({
    output: d.output,
    shape: d.before === d.after ? null : { before: d.before, after: d.after },
    added: d.added,
    removed: d.removed,
    changed: d.changed.map((x) => `${x.name}: ${columnTypeText(x.before)} → ${columnTypeText(x.after)}`),
  }));
}

/** The contract change of a report (`[before, after]`), or null when the contract is the same or there is no base. */
export function contractChange(c: Changes): [string, string] | null {
  const before = c.contract?.before;
  return before && before !== c.contract.after ? [before, c.contract.after] : null;
}

/** Whether a change report has nothing to say. */
export function noChanges(c: Changes): boolean {
  const empty = (d: Delta) => !d.added.length && !d.removed.length && !d.changed.length;
  return (
    !c.description_changed &&
    !c.key_changed &&
    empty(c.params) &&
    empty(c.datasets) &&
    empty(c.outputs) &&
    !(c.output_schemas ?? []).length &&
    !contractChange(c) &&
    c.columns.every((x) => !x.added.length && !x.removed.length) &&
    (!c.imports || (!c.imports.added.length && !c.imports.removed.length)) &&
    (c.size.delta ?? 0) === 0
  );
}

/** The operator actions of the desk. */
export type Action = "approve" | "reject" | "takedownVersion" | "takedownPlugin";

/** Whether an action needs a reason (everything but approval). */
export function needsReason(a: Action): boolean {
  return a !== "approve";
}
