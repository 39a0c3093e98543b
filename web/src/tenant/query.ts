// Page state kept in the URL's query, so a reload or a shared link keeps the user's place.

/** A query value as read from vue-router (a string, an array of them, null or absent). */
export type QueryValue = string | null | undefined | (string | null)[];

/** The first text of a query value, or "" when absent. */
export function qStr(v: QueryValue): string {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" ? s : "";
}

/** A positive integer from the query, else `fallback`. */
export function qInt(v: QueryValue, fallback: number): number {
  const s = qStr(v);
  if (!/^\d+$/.test(s)) return fallback;
  const n = Number(s);
  return n >= 1 && Number.isSafeInteger(n) ? n : fallback;
}

/** The query with `patch` applied; empty values are dropped so the URL stays short. */
export function patchQuery(
  query: Record<string, QueryValue>,
  patch: Record<string, string | number | null | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    const s = qStr(v);
    if (s !== "") out[k] = s;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === "") delete out[k];
    else out[k] = String(v);
  }
  return out;
}

/** One page of a list the API does not page itself. */
export function pageOf<T>(items: readonly T[], page: number, perPage: number): T[] {
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const p = Math.min(Math.max(1, page), last);
  return items.slice((p - 1) * perPage, p * perPage);
}

/** The content type to upload a dataset file as, by its name; null when not CSV or Parquet. */
export function uploadType(fileName: string): string | null {
  const n = fileName.toLowerCase();
  if (n.endsWith(".csv")) return "text/csv";
  if (n.endsWith(".parquet") || n.endsWith(".pq")) return "application/vnd.apache.parquet";
  return null;
}

/** A dataset name suggested by a file name: its stem, lowercased, other characters as `_`. */
export function datasetNameOf(fileName: string): string {
  const stem = fileName.replace(/\.[^.]*$/, "").toLowerCase();
  return stem.replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
}
