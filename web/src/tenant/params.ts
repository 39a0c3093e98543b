// Parameter fields of the enable form: each declared parameter is edited as text (or a checkbox
// for booleans) and turned into the JSON value the API accepts, with the API's own rules
// (registry/src/runner.rs `params_from_json`): F64 takes any finite number, S64 and Timestamp
// an integer, Bool a boolean, String any text. Unknown names are never sent.
import type { ParamSpec, ParamType, ParamValue } from "./describe";

/** Why a field's text was refused (a message key's suffix, with its variables). */
export interface ParamError {
  key: "required" | "number" | "integer" | "range" | "bool";
}

/** What a field turns into: a value to send, nothing (use the default), or an error. */
export type Coerced = { ok: true; value: ParamValue | undefined } | { ok: false; error: ParamError };

/** The text a field starts with: the default, as text ("" when there is none). */
export function initialText(spec: ParamSpec): string {
  if (spec.default === undefined) return "";
  return String(spec.default);
}

/** The HTML input type for a parameter type. */
export function inputType(type: ParamType): "number" | "text" | "checkbox" {
  if (type === "Bool") return "checkbox";
  if (type === "String") return "text";
  return "number";
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Turns a field's text into a value of the parameter's type, as the API checks it. */
export function coerce(spec: ParamSpec, text: string): Coerced {
  if (spec.type === "String") return { ok: true, value: text };
  const s = text.trim();
  if (s === "") {
    return spec.default === undefined ? { ok: false, error: { key: "required" } } : { ok: true, value: undefined };
  }
  switch (spec.type) {
    case "Bool":
      if (s === "true") return { ok: true, value: true };
      if (s === "false") return { ok: true, value: false };
      return { ok: false, error: { key: "bool" } };
    case "F64": {
      if (!NUMBER.test(s)) return { ok: false, error: { key: "number" } };
      const n = Number(s);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: { key: "range" } };
    }
    case "S64":
    case "Timestamp": {
      if (!INTEGER.test(s)) return { ok: false, error: { key: "integer" } };
      const n = Number(s);
      return Number.isSafeInteger(n) ? { ok: true, value: n } : { ok: false, error: { key: "range" } };
    }
  }
}

/** The parameters to send and the errors by name; only the declared ones are looked at. */
export function collectParams(
  specs: readonly ParamSpec[],
  texts: Readonly<Record<string, string>>,
): { params: Record<string, ParamValue>; errors: Record<string, ParamError> } {
  const params: Record<string, ParamValue> = {};
  const errors: Record<string, ParamError> = {};
  for (const spec of specs) {
    const c = coerce(spec, texts[spec.name] ?? initialText(spec));
    if (!c.ok) errors[spec.name] = c.error;
    else if (c.value !== undefined) params[spec.name] = c.value;
  }
  return { params, errors };
}

/** A limit field: empty (the operator's cap) or a non-negative integer. */
export function coerceLimit(text: string): { ok: true; value: number | null } | { ok: false } {
  const s = text.trim();
  if (s === "") return { ok: true, value: null };
  if (!/^\d+$/.test(s)) return { ok: false };
  const n = Number(s);
  return Number.isSafeInteger(n) ? { ok: true, value: n } : { ok: false };
}
