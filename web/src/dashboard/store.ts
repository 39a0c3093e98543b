// The dashboard's answers, kept for the whole visit: the month list and the rollup cache live
// here, outside the page, so the route can start asking while the page's code (and ECharts)
// is still loading, and coming back to the dashboard asks nothing already answered.
import { api, unwrap, type Schema } from "../api/client";
import { nodeQuery, rollupQuery, viewFromQuery } from "./drill";
import { RollupCache, type RollupAnswer } from "./rollups";

/** The rollups asked so far. */
export const rollups = new RollupCache(
  (query) => unwrap(api.GET("/v1/monitoring/rollup", { params: { query } })) as Promise<RollupAnswer>,
);

let monthList: Promise<Schema<"Month">[]> | null = null;

/** The months with reports, newest first, asked once (again after a refusal). */
export function months(): Promise<Schema<"Month">[]> {
  if (!monthList) {
    monthList = unwrap(api.GET("/v1/monitoring/months"));
    monthList.catch(() => (monthList = null));
  }
  return monthList;
}

/** Starts asking what the dashboard at this URL query shows first; the page finds it cached. */
export function prefetch(query: Record<string, unknown>): void {
  const v = viewFromQuery(query);
  void months().catch(() => undefined);
  void rollups.get(rollupQuery(v.month, v.path, v.level)).catch(() => undefined);
  void rollups.get(nodeQuery(v.month, v.path)).catch(() => undefined);
}
