import { expect, test } from "vitest";
import { datasetNameOf, pageOf, patchQuery, qInt, qStr, uploadType } from "./query";

test("query values are read as text and positive integers", () => {
  expect(qStr(["a", "b"])).toBe("a");
  expect(qStr(undefined)).toBe("");
  expect(qInt("3", 1)).toBe(3);
  expect(qInt("0", 1)).toBe(1);
  expect(qInt("x", 2)).toBe(2);
});

test("patching a query drops empty values", () => {
  expect(patchQuery({ q: "oee", page: "3" }, { page: null, ns: "acme" })).toEqual({ q: "oee", ns: "acme" });
  expect(patchQuery({ q: "" }, {})).toEqual({});
});

test("a list is paged on the client, clamped to its last page", () => {
  const xs = [1, 2, 3, 4, 5];
  expect(pageOf(xs, 2, 2)).toEqual([3, 4]);
  expect(pageOf(xs, 9, 2)).toEqual([5]);
  expect(pageOf([], 1, 2)).toEqual([]);
});

test("upload types follow the API's two formats", () => {
  expect(uploadType("a.CSV")).toBe("text/csv");
  expect(uploadType("b.parquet")).toBe("application/vnd.apache.parquet");
  expect(uploadType("c.xlsx")).toBeNull();
  expect(datasetNameOf("Monthly Indicators.csv")).toBe("monthly_indicators");
});
