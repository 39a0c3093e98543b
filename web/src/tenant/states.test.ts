import { expect, test } from "vitest";
import type { Schema } from "../api/client";
import { en, zh } from "../i18n/tenant";

// Every state the API can report has a label in both languages (StatusBadge looks them up).
const states: (Schema<"RunState"> | Schema<"Status"> | Schema<"EnablementStatus"> | "yanked" | "taken-down")[] = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "pending",
  "approved",
  "rejected",
  "active",
  "suspended",
  "disabled",
  "yanked",
  "taken-down",
];

test("every run, review and enablement state has a label in both languages", () => {
  for (const s of states) {
    const key = `tenant.state.${s}` as keyof typeof zh;
    expect(zh[key], s).toBeTruthy();
    expect(en[key], s).toBeTruthy();
  }
});

test("every parameter type and limit has a label", () => {
  for (const k of ["F64", "S64", "String", "Bool", "Timestamp"]) expect(zh[`tenant.type.${k}` as keyof typeof zh]).toBeTruthy();
  for (const k of ["timeout_ms", "fuel", "memory_bytes", "rows", "output_bytes", "log_bytes"]) {
    expect(zh[`tenant.limit.${k}` as keyof typeof zh]).toBeTruthy();
  }
});
