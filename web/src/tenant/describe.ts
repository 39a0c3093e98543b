// A plugin's describe() as the registry stores it (VersionRecord.describe is untyped JSON):
// read defensively into the shape the pages show, so a malformed record shows less, not a crash.
import { readOutputs, type DeclaredOutput } from "../contract";

/** A parameter type, as the host's contract names it. */
export type ParamType = "F64" | "S64" | "String" | "Bool" | "Timestamp";

/** A typed value, as JSON: a number, a string or a boolean. */
export type ParamValue = number | string | boolean;

/** One declared parameter. */
export interface ParamSpec {
  name: string;
  type: ParamType;
  /** The default; undefined when the parameter is required. */
  default: ParamValue | undefined;
  doc: string;
}

/** A dataset and the columns the plugin reads from it. */
export interface DatasetSpec {
  name: string;
  columns: string[];
  doc: string;
}

/** One output (a table with its columns, a metric, or a 0.1.0 plugin's bare name). */
export type OutputSpec = DeclaredOutput;

/** What a version's describe() said. */
export interface Describe {
  name: string;
  version: string;
  description: string;
  params: ParamSpec[];
  datasets: DatasetSpec[];
  outputs: OutputSpec[];
}

const TYPES: readonly ParamType[] = ["F64", "S64", "String", "Bool", "Timestamp"];

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === "object") : [];
}

/** A stored value (`{"F64": 1.5}`, or a bare JSON value) as JSON. */
export function valueOf(v: unknown): ParamValue | undefined {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1) {
      const inner = entries[0]![1];
      if (typeof inner === "number" || typeof inner === "string" || typeof inner === "boolean") return inner;
    }
  }
  return undefined;
}

/** Reads a describe() document. */
export function readDescribe(raw: unknown): Describe {
  const d = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  return {
    name: str(d.name),
    version: str(d.version),
    description: str(d.description),
    params: list(d.params).map((p) => {
      const t = str(p.type_ ?? p.type);
      return {
        name: str(p.name),
        type: (TYPES as readonly string[]).includes(t) ? (t as ParamType) : "String",
        default: valueOf(p.default),
        doc: str(p.doc),
      };
    }),
    datasets: list(d.datasets).map((x) => ({
      name: str(x.name),
      columns: Array.isArray(x.columns) ? x.columns.filter((c): c is string => typeof c === "string") : [],
      doc: str(x.doc),
    })),
    outputs: readOutputs(d),
  };
}
