import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
// @ts-expect-error: a plain ES module script, shared with `npm run api:gen`.
import { PATTERNS, readDocument, renderPatterns } from "../../scripts/api-schema.mjs";
import { parseCsv } from "../operator/tenantImport";
import { DATASET_NAME, TENANT_ID } from "./patterns";
import { inputPattern, satisfies } from "./rules";

type Schema = { pattern: string; minLength?: number; maxLength?: number };
const document = readDocument();
const datasetName: Schema = document.paths["/v1/tenants/{tenant}/datasets/{name}"].post.parameters.find(
  (p: { name: string }) => p.name === "name",
).schema;
const tenantId: Schema = document.components.schemas.NewTenant.properties.id;

/** What the document says of `value`, read straight from the schema. */
function documentAccepts(s: Schema, value: string): boolean {
  const n = [...value].length;
  return n >= (s.minLength ?? 0) && n <= (s.maxLength ?? Infinity) && new RegExp(s.pattern, "u").test(value);
}

const SAMPLES = [
  "", "a", "e00017", "output_growth", "Sales", "1abc", "_a", "a_", "a-b", "a--b", "a-", "-a", "abc def", "é",
  "x".repeat(64), "x".repeat(65), "e0001-7", "enterprise-17",
];

test("the generated patterns match the service's OpenAPI document", () => {
  const current = readFileSync(PATTERNS, "utf8");
  expect(current === renderPatterns(), "src/api/patterns.ts is stale: run `npm run api:gen` in web/ and commit it").toBe(true);
});

test("the console's dataset name check agrees with the document", () => {
  for (const v of SAMPLES) expect(satisfies(DATASET_NAME, v), JSON.stringify(v)).toBe(documentAccepts(datasetName, v));
  expect(satisfies(DATASET_NAME, "output_growth")).toBe(true);
  expect(satisfies(DATASET_NAME, "x".repeat(65))).toBe(false);
});

test("the console's tenant id check agrees with the document", () => {
  for (const v of SAMPLES) expect(satisfies(TENANT_ID, v), JSON.stringify(v)).toBe(documentAccepts(tenantId, v));
  expect(satisfies(TENANT_ID, "e00017")).toBe(true);
  expect(satisfies(TENANT_ID, "a--b")).toBe(false);
});

test("a tenants file is refused for the ids the document refuses", () => {
  for (const id of ["e00017", "a-b", "1abc", "a--b", "a-"]) {
    const p = parseCsv(`id,name,district,industry\n${id},A,yanta,C34\n`);
    expect(p.errors.length === 0, id).toBe(documentAccepts(tenantId, id));
  }
});

test("an input's pattern is the document's without its anchors", () => {
  expect(inputPattern(DATASET_NAME)).toBe("[a-z][a-z0-9_]*");
  expect(`^${inputPattern(TENANT_ID)}$`).toBe(tenantId.pattern);
});
