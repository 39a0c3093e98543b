import { expect, test } from "vitest";
import { mayOpen } from "./access";
import type { Session } from "./session";

function as(role: "operator" | "maker" | "enterprise-admin", tenant: string | null = null): Session {
  return { principal: { id: "p", name: "n", role, tenant }, scopes: [], via: "session", token_id: "t", csrf_token: "c", expires_at: 0 };
}

test("a tenant admin opens only its own tenant's pages", () => {
  const page = (tenant: string) => ({ meta: { roles: ["enterprise-admin"] }, params: { tenant } });
  expect(mayOpen(as("enterprise-admin", "e1"), page("e1"))).toBe(true);
  expect(mayOpen(as("enterprise-admin", "e1"), page("e2"))).toBe(false);
  expect(mayOpen(as("operator"), page("e1"))).toBe(false);
});

test("operator pages are for operators only", () => {
  const page = { meta: { roles: ["operator"] }, params: {} };
  expect(mayOpen(as("operator"), page)).toBe(true);
  expect(mayOpen(as("maker"), page)).toBe(false);
  expect(mayOpen(as("enterprise-admin", "e1"), page)).toBe(false);
});
