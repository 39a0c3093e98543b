import { expect, test } from "vitest";
import { ApiProblem, slugOf, toProblem } from "./client";

test("a problem's slug is the last segment of its type", () => {
  expect(slugOf("https://kiln.dev/problems/quota-exceeded")).toBe("quota-exceeded");
  expect(slugOf(undefined)).toBe("other");
});

test("any refusal body becomes a problem, never an exception of its own", () => {
  const p = toProblem(404, { type: "https://kiln.dev/problems/not-found", title: "No such resource", detail: "tenant x" });
  expect(p).toBeInstanceOf(ApiProblem);
  expect([p.status, p.slug, p.detail]).toEqual([404, "not-found", "tenant x"]);
  expect(toProblem(502, "<html>bad gateway</html>").slug).toBe("other");
  expect(toProblem(500, null).detail).toBe("");
  expect(toProblem(500, { type: 7, detail: ["x"] }).slug).toBe("other");
});
