import { expect, test } from "vitest";
import { detailsLine, following, pageFromQuery, previous } from "./audit";

test("the audit page comes from the URL and nonsense falls back to the first page", () => {
  expect(pageFromQuery({ after: "100", limit: "25" })).toEqual({ after: 100, limit: 25 });
  expect(pageFromQuery({ after: "-3", limit: "7" })).toEqual({ after: 0, limit: 50 });
});

test("paging goes back by a page and forward from the last entry shown, ending on a short page", () => {
  expect(previous({ after: 30, limit: 25 })).toEqual({ after: 5, limit: 25 });
  expect(previous({ after: 10, limit: 25 })).toEqual({ after: 0, limit: 25 });
  expect(following({ after: 0, limit: 2 }, [1, 2])).toEqual({ after: 2, limit: 2 });
  expect(following({ after: 0, limit: 3 }, [1, 2])).toBeNull();
});

test("details are shown on one line and cut", () => {
  expect(detailsLine('{ "a": 1 }')).toBe('{"a":1}');
  expect(detailsLine("x".repeat(10), 5)).toBe("xxxx…");
});
