import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
// @ts-expect-error: a plain ES module script, shared with `npm run api:gen`.
import { render, SCHEMA } from "../../scripts/api-schema.mjs";

test("the generated client types match the service's OpenAPI document", async () => {
  const current = readFileSync(SCHEMA, "utf8");
  const wanted: string = await render();
  expect(current === wanted, "src/api/schema.d.ts is stale: run `npm run api:gen` in web/ and commit it").toBe(true);
});
