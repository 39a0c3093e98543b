// The overview's figures. GET /v1/overview (added on the API side, console-names) gives them
// all; it is not yet in the generated client, so it is asked for directly, and where the
// service does not have it the page shows what the other routes give.
import { ApiProblem, toProblem } from "../api/client";

/** What the service summarises for the operator (its `Overview`). */
export interface Overview {
  at: number;
  pending_reviews: number;
  runs_today: { since: number; time_zone: string; total: number; succeeded: number; failed: number; cancelled: number; unfinished: number };
  queue: { queued: number; running: number; busy_workers: number };
  tenants: { total: number; opted_in: number };
  storage: { datasets_bytes: number; components_bytes: number; total_bytes: number };
}

/** The service's overview, or null when it does not offer one (404). */
export async function fetchOverview(): Promise<Overview | null> {
  let response: Response;
  try {
    response = await fetch("/v1/overview", { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch (e) {
    throw new ApiProblem(0, "network", "", e instanceof Error ? e.message : String(e));
  }
  if (response.status === 404) return null;
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Keep the text.
  }
  if (!response.ok) throw toProblem(response.status, body);
  return body as Overview;
}
