// The maker's page's reading of its namespaces' plugins: which versions are in which state,
// filtering by name and state, the counts on the cards, and fetching every page of a list.
// Plain functions, tested without a browser.
import type { Schema } from "../api/client";

/** A published version. */
export type Version = Schema<"VersionRecord">;
/** A plugin with all its versions, as `GET /v1/namespaces/{ns}/plugins` lists it. */
export type PluginVersions = Schema<"PluginVersions">;

/** The states a maker can filter on: the review statuses, and yanked or taken down. */
export const STATES = ["pending", "approved", "rejected", "yanked", "taken-down"] as const;
/** One of [`STATES`]. */
export type VersionState = (typeof STATES)[number];

/** A state from the URL, or "" (every state) when it is not one. */
export function stateOf(s: string): VersionState | "" {
  return (STATES as readonly string[]).includes(s) ? (s as VersionState) : "";
}

/** Whether `v` is in `state`: its review status, or its yank or takedown. */
export function hasState(v: Version, state: VersionState): boolean {
  if (state === "yanked") return v.yanked;
  if (state === "taken-down") return v.taken_down;
  return v.status === state;
}

/**
 * The plugins whose `namespace/name` or description contains `q` (any case), each with only
 * its versions in `state` (all of them when `state` is ""); plugins left without any version
 * are dropped.
 */
export function filterPlugins(plugins: readonly PluginVersions[], q: string, state: VersionState | ""): PluginVersions[] {
  const needle = q.trim().toLowerCase();
  const out: PluginVersions[] = [];
  for (const p of plugins) {
    const text = `${p.plugin.namespace}/${p.plugin.name}\n${p.plugin.description}`.toLowerCase();
    if (needle && !text.includes(needle)) continue;
    const versions = state ? p.versions.filter((v) => hasState(v, state)) : p.versions;
    if (state && !versions.length) continue;
    out.push({ ...p, versions });
  }
  return out;
}

/** What the page's cards count. */
export interface Counts {
  plugins: number;
  pending: number;
  approved: number;
  rejected: number;
  takenDown: number;
}

/** How many plugins there are, and how many of their versions are in each state. */
export function countStates(plugins: readonly PluginVersions[]): Counts {
  const all = plugins.flatMap((p) => p.versions);
  const n = (s: VersionState) => all.filter((v) => hasState(v, s)).length;
  return { plugins: plugins.length, pending: n("pending"), approved: n("approved"), rejected: n("rejected"), takenDown: n("taken-down") };
}

/** A page of a list, as the API pages them. */
export interface Page<T> {
  items: T[];
  page: number;
  per_page: number;
  total?: number | null;
}

/** Every item of a paged list, asking `fetch` for page after page (at most `maxPages`). */
export async function allPages<T>(fetch: (page: number) => Promise<Page<T>>, maxPages = 50): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const p = await fetch(page);
    out.push(...p.items);
    if (p.items.length < p.per_page || (p.total != null && out.length >= p.total)) break;
  }
  return out;
}
