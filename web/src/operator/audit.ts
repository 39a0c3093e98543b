// The audit log's paging (keyset: `after` = the last sequence number seen, oldest first) and
// the chain verification the service performs (POST /v1/audit/verify).
import { ApiProblem, toProblem } from "../api/client";
import { session } from "../session";

/** Where a page of the log starts and how long it is, from the URL. */
export interface AuditPage {
  after: number;
  limit: number;
}

/** The page sizes offered. */
export const LIMITS = [25, 50, 100] as const;

/** The page a URL query names; nonsense falls back to the first page of 50. */
export function pageFromQuery(query: Record<string, unknown>): AuditPage {
  const after = Number(query.after);
  const limit = Number(query.limit);
  return {
    after: Number.isInteger(after) && after > 0 ? after : 0,
    limit: (LIMITS as readonly number[]).includes(limit) ? limit : 50,
  };
}

/** The page before: `limit` entries earlier (sequence numbers are dense), never below 0. */
export function previous(p: AuditPage): AuditPage {
  return { after: Math.max(0, p.after - p.limit), limit: p.limit };
}

/** The page after, continuing from the last sequence number shown; null when this was the end. */
export function following(p: AuditPage, seqs: readonly number[]): AuditPage | null {
  if (seqs.length < p.limit) return null;
  return { after: Math.max(...seqs), limit: p.limit };
}

/** The first entry verification found broken. */
export interface BrokenEntry {
  seq: number;
  problem: string;
  reason: string;
}

/** What verifying the chain found (the service's `Verification`). */
export interface Verification {
  ok: boolean;
  entries_checked: number;
  first_broken: BrokenEntry | null;
}

/**
 * Asks the service to verify the chain. The route is added on the API side (console-names) and
 * is not yet in the generated client: this sends the same request the client would, with the
 * session's CSRF token, and turns refusals into the same problems.
 */
export async function verifyChain(): Promise<Verification> {
  let response: Response;
  try {
    response = await fetch("/v1/audit/verify", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": session.value?.csrf_token ?? "", Accept: "application/json" },
    });
  } catch (e) {
    throw new ApiProblem(0, "network", "", e instanceof Error ? e.message : String(e));
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Keep the text as the detail.
  }
  if (!response.ok) throw toProblem(response.status, body);
  return body as Verification;
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
