// What a version's plugin contract lets it declare, read from the registry's records: the
// contract version itself (`VersionRecord.contract`) and each output's declared schema out of
// the stored describe() JSON. Contract 0.2.0 puts an output's shape in `kind`
// (`{"Table": [columns]}` or `"Metric"`); 0.1.0 declared only names, so its outputs have no
// `kind` (versions stored before schemas existed) or `"kind": null` (stored after). Read
// defensively: a malformed record shows less, never a crash.

/** A column's value type, as the contract's bindings spell it. */
export type ValueType = "F64" | "S64" | "String" | "Bool" | "Timestamp";

/** What an output is declared as; `undeclared` for contract 0.1.0 plugins. */
export type OutputShape = "undeclared" | "table" | "metric";

/** A column of a declared output table. */
export interface OutputColumn {
  name: string;
  type: ValueType;
  nullable: boolean;
  doc: string;
}

/** One output with its declared shape; `columns` is empty unless it is a table. */
export interface DeclaredOutput {
  name: string;
  doc: string;
  shape: OutputShape;
  columns: OutputColumn[];
}

/** The contract every version recorded before contracts were stored was built against. */
export const FIRST_CONTRACT = "0.1.0";

const TYPES: readonly ValueType[] = ["F64", "S64", "String", "Bool", "Timestamp"];

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function objects(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === "object") : [];
}

/** A version's contract; a record without one (an older service) is 0.1.0's. */
export function contractOf(v: { contract?: unknown } | null | undefined): string {
  const c = str(v?.contract);
  return c || FIRST_CONTRACT;
}

/** A value type as the contract's WIT writes it (`F64` → `f64`); unknown spellings lowercased. */
export function witType(type: string): string {
  return type.toLowerCase();
}

/** One output of a describe() document. */
export function readOutput(o: Record<string, unknown>): DeclaredOutput {
  const base = { name: str(o.name), doc: str(o.doc) };
  const kind = o.kind;
  if (kind === "Metric") return { ...base, shape: "metric", columns: [] };
  if (kind && typeof kind === "object" && "Table" in kind) {
    const columns = objects((kind as Record<string, unknown>).Table).map((c) => {
      const t = str(c.type_ ?? c.type);
      return {
        name: str(c.name),
        type: (TYPES as readonly string[]).includes(t) ? (t as ValueType) : "String",
        nullable: c.nullable === true,
        doc: str(c.doc),
      };
    });
    return { ...base, shape: "table", columns };
  }
  return { ...base, shape: "undeclared", columns: [] };
}

/** The outputs of a describe() document (the `describe` of a VersionRecord). */
export function readOutputs(describe: unknown): DeclaredOutput[] {
  const d = describe && typeof describe === "object" ? (describe as Record<string, unknown>) : {};
  return objects(d.outputs).map(readOutput);
}
