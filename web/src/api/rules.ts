// Checking input by the rules the server states in its OpenAPI document (src/api/patterns.ts,
// generated): the console refuses what the server would, before anything is sent.

/** A string schema's rule: its pattern (anchored, as the document states it) and length bounds. */
export interface StringRule {
  pattern: string;
  minLength: number;
  maxLength: number | null;
}

const compiled = new Map<string, RegExp>();

/** Whether `value` satisfies `rule` (length counted in characters, as JSON Schema does). */
export function satisfies(rule: StringRule, value: string): boolean {
  const length = [...value].length;
  if (length < rule.minLength || (rule.maxLength !== null && length > rule.maxLength)) return false;
  let re = compiled.get(rule.pattern);
  if (!re) {
    re = new RegExp(rule.pattern, "u");
    compiled.set(rule.pattern, re);
  }
  return re.test(value);
}

/**
 * The rule's pattern for an `<input pattern>`, which is matched against the whole value already:
 * the document's anchors are dropped.
 */
export function inputPattern(rule: StringRule): string {
  return rule.pattern.replace(/^\^/, "").replace(/\$$/, "");
}
