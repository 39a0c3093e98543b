// Reading a tenants file in the browser into the body of POST /v1/tenants/import: a CSV whose
// first line names the columns (the generator's enterprises table's names are understood too),
// or JSON (an array of tenants, or `{"tenants": [...]}`). Every row is checked the way the API
// checks it, so a bad file is refused with its line numbers before anything is sent.
import type { Schema } from "../api/client";
import { TENANT_ID } from "../api/patterns";
import { satisfies } from "../api/rules";

/** A tenant to create. */
export type NewTenant = Schema<"NewTenant">;

/** One thing wrong with a file: where (a CSV line or a JSON item, from 1), which field, what. */
export interface ImportError {
  /** `line` in a CSV, `item` in JSON, `file` for the whole file. */
  in: "line" | "item" | "file";
  at: number;
  /** `invalid`, `missing`, `repeated`, `columns` (required columns absent), `empty`, `json`, `too-many`. */
  problem: "invalid" | "missing" | "repeated" | "columns" | "empty" | "json" | "too-many";
  field?: string;
  value?: string;
}

/** What reading a file gave: the tenants, or the errors found. */
export interface Parsed {
  tenants: NewTenant[];
  errors: ImportError[];
}

/** An error as a line of English, for logs and tests. */
export function describeError(e: ImportError): string {
  const where = e.in === "file" ? "file" : `${e.in} ${e.at}`;
  return `${where}: ${e.problem}${e.field ? ` ${e.field}` : ""}${e.value !== undefined ? ` "${e.value}"` : ""}`;
}

/** At most this many tenants per import (the API's bound). */
export const MAX_IMPORT = 10_000;

const SIZES = ["large", "medium", "small", "micro"] as const;

/** Column names accepted for each field, lowercased. */
const ALIASES: Record<string, string[]> = {
  id: ["id", "tenant", "tenant_id", "enterprise_id"],
  name: ["name", "enterprise_name", "company", "企业名称"],
  district: ["district", "district_id"],
  park: ["park", "park_id"],
  industry: ["industry", "industry_code", "industry_division"],
  size_class: ["size_class", "size"],
  opted_in: ["opted_in", "opt_in"],
};

/** Splits CSV text into rows of fields (RFC 4180 quoting; CRLF or LF). */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  const s = String(v ?? "").trim().toLowerCase();
  if (s === "") return undefined;
  if (["true", "1", "yes", "y", "是"].includes(s)) return true;
  if (["false", "0", "no", "n", "否"].includes(s)) return false;
  return undefined;
}

type Where = Pick<ImportError, "in" | "at">;

/** Checks one record and makes it a tenant, or says what is wrong with it. */
export function toTenant(raw: Record<string, unknown>, where: Where): NewTenant | ImportError {
  const get = (k: string) => String(raw[k] ?? "").trim();
  const missing = (field: string): ImportError => ({ ...where, problem: "missing", field });
  const invalid = (field: string, value: string): ImportError => ({ ...where, problem: "invalid", field, value });
  if (!get("id")) return missing("id");
  const id = get("id").toLowerCase();
  if (!satisfies(TENANT_ID, id)) return invalid("id", get("id"));
  const name = get("name");
  if (!name) return missing("name");
  const district = get("district");
  if (!district) return missing("district");
  const industry = get("industry").toUpperCase();
  if (!industry) return missing("industry");
  const size = get("size_class").toLowerCase() || "small";
  if (!(SIZES as readonly string[]).includes(size)) return invalid("size_class", size);
  const tenant: NewTenant = { id, name, district, park: get("park") || "none", industry, size_class: size as NewTenant["size_class"] };
  const opted = bool(raw.opted_in);
  if (raw.opted_in !== undefined && String(raw.opted_in).trim() !== "" && opted === undefined) return invalid("opted_in", String(raw.opted_in));
  if (opted !== undefined) tenant.opted_in = opted;
  return tenant;
}

function finish(records: { raw: Record<string, unknown>; where: Where }[]): Parsed {
  const tenants: NewTenant[] = [];
  const errors: ImportError[] = [];
  const seen = new Set<string>();
  for (const { raw, where } of records) {
    const t = toTenant(raw, where);
    if ("problem" in t) errors.push(t);
    else if (seen.has(t.id)) errors.push({ ...where, problem: "repeated", field: "id", value: t.id });
    else {
      seen.add(t.id);
      tenants.push(t);
    }
  }
  if (tenants.length > MAX_IMPORT) errors.push({ in: "file", at: 0, problem: "too-many", value: String(tenants.length) });
  return { tenants, errors };
}

/** Reads a CSV file's text. */
export function parseCsv(text: string): Parsed {
  const rows = csvRows(text.replace(/^\ufeff/, ""));
  const header = rows[0];
  if (!header) return { tenants: [], errors: [{ in: "file", at: 0, problem: "empty" }] };
  const names = header.map((h) => h.trim().toLowerCase());
  const index: Record<string, number> = {};
  for (const [field, aliases] of Object.entries(ALIASES)) {
    const at = names.findIndex((n) => aliases.includes(n));
    if (at >= 0) index[field] = at;
  }
  const missing = ["id", "name", "district", "industry"].filter((f) => index[f] === undefined);
  if (missing.length) return { tenants: [], errors: [{ in: "line", at: 1, problem: "columns", value: missing.join(", ") }] };
  return finish(
    rows.slice(1).map((row, i) => {
      const raw: Record<string, unknown> = {};
      for (const [field, at] of Object.entries(index)) raw[field] = row[at];
      return { raw, where: { in: "line" as const, at: i + 2 } };
    }),
  );
}

/** Reads a JSON file's text. */
export function parseJson(text: string): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { tenants: [], errors: [{ in: "file", at: 0, problem: "json", value: e instanceof Error ? e.message : "" }] };
  }
  const list = Array.isArray(doc) ? doc : (doc as { tenants?: unknown } | null)?.tenants;
  if (!Array.isArray(list)) return { tenants: [], errors: [{ in: "file", at: 0, problem: "json" }] };
  return finish(
    list.map((raw, i) => {
      const r = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
      const mapped: Record<string, unknown> = {};
      for (const [field, aliases] of Object.entries(ALIASES)) {
        const key = aliases.find((a) => a in r);
        if (key) mapped[field] = r[key];
      }
      return { raw: mapped, where: { in: "item" as const, at: i + 1 } };
    }),
  );
}

/** Reads a file by its name: `.json` as JSON, anything else as CSV. */
export function parseTenantsFile(name: string, text: string): Parsed {
  return /\.json$/i.test(name) || /^\s*[[{]/.test(text) ? parseJson(text) : parseCsv(text);
}
