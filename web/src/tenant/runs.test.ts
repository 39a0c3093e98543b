import { expect, test } from "vitest";
import { cancellable, isLive, pollDelay, readLog, readUsage } from "./runs";

test("a run is polled while queued or running, and only then", () => {
  expect(isLive("queued")).toBe(true);
  expect(isLive("running")).toBe(true);
  for (const s of ["succeeded", "failed", "cancelled", "weird"]) expect(isLive(s)).toBe(false);
});

test("a cancel is offered once, while the run is live", () => {
  expect(cancellable("running", false)).toBe(true);
  expect(cancellable("running", true)).toBe(false);
  expect(cancellable("succeeded", false)).toBe(false);
});

test("polling starts quick and settles at two seconds", () => {
  expect(pollDelay(0)).toBe(250);
  expect(pollDelay(1)).toBe(500);
  expect(pollDelay(10)).toBe(2000);
});

test("usage and log records are read from the host's shapes", () => {
  expect(readUsage({ fuel: 10, peak_memory_bytes: 64, rows_read: 3, wall_us: 2500 })).toMatchObject({
    fuel: 10,
    peakMemoryBytes: 64,
    rowsRead: 3,
    wallMs: 2.5,
  });
  expect(readUsage(null)).toBeNull();
  expect(readLog({ lines: [{ source: "info", message: "hi" }], truncated: true })).toEqual({
    lines: [{ source: "info", message: "hi" }],
    truncated: true,
  });
  expect(readLog(null).lines).toEqual([]);
});
