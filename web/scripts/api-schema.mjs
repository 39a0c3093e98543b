// Renders the console's API types from the service's OpenAPI document. The document is the
// snapshot the registry's tests keep equal to what the router serves (`/openapi.json`), so the
// chain router → snapshot → schema.d.ts is checked end to end: `cargo test` fails when the
// snapshot is stale, `npm test` when schema.d.ts is. `node scripts/api-schema.mjs` rewrites it.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

/** The OpenAPI document the service serves, as checked in by the registry's tests. */
export const DOCUMENT = fileURLToPath(new URL("../../registry/tests/api/openapi.snapshot.json", import.meta.url));
/** The generated types the client is typed by. */
export const SCHEMA = fileURLToPath(new URL("../src/api/schema.d.ts", import.meta.url));

/** The text schema.d.ts must hold. */
export async function render() {
  const document = JSON.parse(readFileSync(DOCUMENT, "utf8"));
  return COMMENT_HEADER + astToString(await openapiTS(document));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA, await render());
  console.log(`wrote ${SCHEMA}`);
}
