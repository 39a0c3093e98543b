import { expect, test } from "vitest";
import { apiQuery, detailsLine, newer, newestFirst, older, pageFromQuery, queryOfPage } from "./audit";

test("the audit page comes from the URL and nonsense falls back to the newest page", () => {
  expect(pageFromQuery({ before: "100", limit: "25", action: " version.* " })).toEqual({ before: 100, limit: 25, action: "version.*" });
  expect(pageFromQuery({ after: "-3", limit: "7", actor: "" })).toEqual({ limit: 50 });
  const p = { after: 40, limit: 25, subject: "acme/*" };
  expect(pageFromQuery(queryOfPage(p))).toEqual(p);
});

test("the newest page and older pages are asked newest first, newer pages oldest first", () => {
  expect(apiQuery({ limit: 50 })).toEqual({ limit: 50, order: "desc" });
  expect(apiQuery({ before: 51, limit: 50, actor: "ops" })).toEqual({ limit: 50, order: "desc", before: 51, actor: "ops" });
  expect(apiQuery({ after: 100, limit: 50 })).toEqual({ limit: 50, order: "asc", after: 100 });
  expect(newestFirst([{ seq: 1 }, { seq: 3 }, { seq: 2 }]).map((e) => e.seq)).toEqual([3, 2, 1]);
});

test("older continues below the oldest shown and stops at the first entry", () => {
  expect(older({ limit: 2 }, [10, 9])).toEqual({ limit: 2, before: 9, after: undefined });
  expect(older({ limit: 2 }, [2, 1])).toBeNull();
  expect(older({ limit: 5 }, [3, 2])).toBeNull();
});

test("newer continues above the newest shown and there is nothing newer than the newest page", () => {
  expect(newer({ limit: 2 }, [10, 9])).toBeNull();
  expect(newer({ before: 9, limit: 2 }, [8, 7])).toEqual({ limit: 2, before: undefined, after: 8 });
  expect(newer({ after: 8, limit: 2 }, [9])).toBeNull();
});

test("details are shown on one line and cut", () => {
  expect(detailsLine('{ "a": 1 }')).toBe('{"a":1}');
  expect(detailsLine("x".repeat(10), 5)).toBe("xxxx…");
});
