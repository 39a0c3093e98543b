// The audit log's paging (keyset, newest first: `before` the oldest seen, `after` the newest)
// with its filters, and the chain verification the service performs (POST /v1/audit/verify).
import { api, unwrap, type Schema } from "../api/client";
import type { operations } from "../api/schema";

/**
 * A page of the log, newest first: the newest entries (no cursor), those older than `before`,
 * or those newer than `after` (asked oldest first and shown reversed). Filters narrow it.
 */
export interface AuditPage {
  before?: number;
  after?: number;
  limit: number;
  action?: string;
  actor?: string;
  subject?: string;
}

/** The page sizes offered. */
export const LIMITS = [25, 50, 100] as const;

function seq(v: unknown): number | undefined {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function text(v: unknown): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" && s.trim() !== "" ? s.trim().slice(0, 200) : undefined;
}

/** The page a URL query names; nonsense falls back to the newest 50. */
export function pageFromQuery(query: Record<string, unknown>): AuditPage {
  const limit = Number(query.limit);
  const p: AuditPage = { limit: (LIMITS as readonly number[]).includes(limit) ? limit : 50 };
  const before = seq(query.before);
  const after = seq(query.after);
  if (before !== undefined) p.before = before;
  else if (after !== undefined) p.after = after;
  for (const f of ["action", "actor", "subject"] as const) {
    const v = text(query[f]);
    if (v !== undefined) p[f] = v;
  }
  return p;
}

/** The URL query of a page. */
export function queryOfPage(p: AuditPage): Record<string, string> {
  const q: Record<string, string> = { limit: String(p.limit) };
  if (p.before !== undefined) q.before = String(p.before);
  if (p.after !== undefined) q.after = String(p.after);
  for (const f of ["action", "actor", "subject"] as const) if (p[f]) q[f] = p[f] as string;
  return q;
}

/** The query `GET /v1/audit` takes. */
export type AuditQuery = NonNullable<operations["audit_list"]["parameters"]["query"]>;

/** The API query of a page: newest first, except a page of newer entries (reversed on display). */
export function apiQuery(p: AuditPage): AuditQuery {
  const q: AuditQuery = { limit: p.limit, order: p.after !== undefined ? "asc" : "desc" };
  if (p.before !== undefined) q.before = p.before;
  if (p.after !== undefined) q.after = p.after;
  for (const f of ["action", "actor", "subject"] as const) if (p[f]) q[f] = p[f] as string;
  return q;
}

/** Entries in display order: newest first, whatever order they were asked in. */
export function newestFirst<T extends { seq: number }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => b.seq - a.seq);
}

/** The same filters with no cursor: the newest page. */
export function newest(p: AuditPage): AuditPage {
  return { ...p, before: undefined, after: undefined };
}

/** The page of entries older than those shown; null when there are none. */
export function older(p: AuditPage, seqs: readonly number[]): AuditPage | null {
  if (!seqs.length) return null;
  const min = Math.min(...seqs);
  // A full page may have more beyond it; a short page newest-first is the end of the log.
  if (min <= 1 || (seqs.length < p.limit && p.after === undefined)) return null;
  return { ...newest(p), before: min };
}

/** The page of entries newer than those shown; null on the newest page. */
export function newer(p: AuditPage, seqs: readonly number[]): AuditPage | null {
  if (p.before === undefined && p.after === undefined) return null;
  if (p.after !== undefined && seqs.length < p.limit) return null;
  if (!seqs.length) return p.before !== undefined ? newest(p) : null;
  return { ...newest(p), after: Math.max(...seqs) };
}

/** What verifying the chain found. */
export type Verification = Schema<"Verification">;

/** Asks the service to recompute the chain and name the first broken entry. */
export function verifyChain(): Promise<Verification> {
  return unwrap(api.POST("/v1/audit/verify"));
}

/** Audit details (JSON text) on one line for the table; the full text is shown on demand. */
export function detailsLine(details: string, max = 120): string {
  let text = details;
  try {
    text = JSON.stringify(JSON.parse(details));
  } catch {
    // Not JSON: show it as it is.
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
