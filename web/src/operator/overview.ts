// The overview's figures, as the service summarises them (GET /v1/overview).
import { api, unwrap, type Schema } from "../api/client";

/** What the service summarises for the operator. */
export type Overview = Schema<"Overview">;

/** The service's overview. */
export function fetchOverview(): Promise<Overview> {
  return unwrap(api.GET("/v1/overview"));
}
