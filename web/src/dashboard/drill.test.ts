import { expect, test } from "vitest";
import {
  breadcrumb,
  buildCsv,
  cellQuery,
  climb,
  drillView,
  levelsBelow,
  nextLevel,
  nodeQuery,
  queryOfView,
  sortCells,
  viewFromQuery,
  type Cell,
} from "./drill";
import { RollupCache, series, type RollupAnswer } from "./rollups";

const indicators = { output_value: 100, energy_tce: 5, energy_intensity: 0.05, electricity_kwh: 1000, employees: 20, growth: 0.1 };
const park = (id: string, output?: number): Cell => ({
  level: "park",
  district: "yanta",
  park: id,
  industry: null,
  enterprise: null,
  enterprises: output === undefined ? 2 : 10,
  indicators: output === undefined ? null : { ...indicators, output_value: output },
  suppressed: output === undefined ? "primary" : null,
});

test("the next level goes region, district, park, industry, enterprise and stops there", () => {
  expect(nextLevel("region")).toBe("district");
  expect(nextLevel("park")).toBe("industry");
  expect(nextLevel("enterprise")).toBeNull();
  expect(levelsBelow({ district: "yanta" })).toEqual(["park", "industry", "enterprise"]);
});

test("a view survives the round trip through the URL", () => {
  const view = { month: "2025-11", path: { district: "yanta", park: "high-tech-zone" }, level: "industry" as const };
  expect(viewFromQuery(queryOfView(view))).toEqual(view);
  expect(viewFromQuery({})).toEqual({ month: undefined, path: {}, level: "district" });
});

test("a malformed or impossible query is dropped, not sent on", () => {
  const v = viewFromQuery({ month: "2025-13", district: "../x", level: "region", park: ["qujiang"] });
  expect(v).toEqual({ month: undefined, path: { park: "qujiang" }, level: "industry" });
});

test("drilling into a bar adds its key and shows the level below; enterprises are leaves", () => {
  const view = { month: "2025-12", path: { district: "yanta" }, level: "park" as const };
  expect(drillView(view, park("qujiang", 5))).toEqual({ month: "2025-12", path: { district: "yanta", park: "qujiang" }, level: "industry" });
  expect(drillView(view, { ...park("x", 1), level: "enterprise", enterprise: "e1" })).toBeNull();
});

test("the breadcrumb lists the region then each key, and climbing cuts the path there", () => {
  const path = { district: "yanta", park: "qujiang", industry: "C39" };
  expect(breadcrumb(path).map((c) => c.level)).toEqual(["region", "district", "park", "industry"]);
  expect(climb(path, "district")).toEqual({ district: "yanta" });
  expect(climb(path, "region")).toEqual({});
  expect(nodeQuery("2025-12", { district: "yanta", park: "qujiang" })).toEqual({ level: "park", month: "2025-12", district: "yanta", park: "qujiang" });
});

test("a cell's own query is the path down to it at its level", () => {
  expect(cellQuery("2025-12", park("qujiang", 1))).toEqual({ level: "park", month: "2025-12", district: "yanta", park: "qujiang" });
});

test("the CSV shows hidden cells as a dash with their reason, never a number", () => {
  const csv = buildCsv([park("qujiang", 12.5), park("tiny")], {
    headers: ["名称", "id", "企业数", "产值", "能耗", "强度", "电", "人", "增速", "说明"],
    name: (c) => (c.park === "qujiang" ? "曲江, 新区" : "小园区"),
    reason: () => "少于 3 家企业",
  });
  const lines = csv.replace("\ufeff", "").trim().split("\r\n");
  expect(lines[1]).toBe('"曲江, 新区",qujiang,10,12.5,5,0.05,1000,20,0.1,');
  expect(lines[2]).toBe("小园区,tiny,2,—,—,—,—,—,—,少于 3 家企业");
  expect(csv.startsWith("\ufeff")).toBe(true);
});

test("a name that looks like a formula is written as text", () => {
  const csv = buildCsv([park("p", 1)], { headers: ["n"], name: () => "=HYPERLINK(1)", reason: () => "" });
  expect(csv).toContain("'=HYPERLINK(1)");
});

test("cells sort by output with hidden ones last", () => {
  expect(sortCells([park("a"), park("b", 1), park("c", 9)]).map((c) => c.park)).toEqual(["c", "b", "a"]);
});

test("the cache asks each query once and a list answers its cells' own queries", async () => {
  const asked: string[] = [];
  const cache = new RollupCache(async (q) => {
    asked.push(JSON.stringify(q));
    return { month: q.month ?? "2025-12", k: 3, level: q.level ?? "", cells: [park("qujiang", 1), park("x", 2)] } as RollupAnswer;
  });
  const list = { level: "park", month: "2025-12", district: "yanta" };
  await Promise.all([cache.get(list), cache.get(list)]);
  const one = await cache.get({ level: "park", month: "2025-12", district: "yanta", park: "x" });
  expect(one.cells[0]?.park).toBe("x");
  expect(asked).toHaveLength(1);
});

test("a refused rollup is asked again next time", async () => {
  let calls = 0;
  const cache = new RollupCache(async () => {
    calls++;
    throw new Error("down");
  });
  await expect(cache.get({ level: "region" })).rejects.toThrow();
  await expect(cache.get({ level: "region" })).rejects.toThrow();
  expect(calls).toBe(2);
});

test("a series has one point per month in order, a missing cell as null", async () => {
  const cache = new RollupCache(async (q) => ({
    month: q.month as string,
    k: 3,
    level: "park",
    cells: q.month === "2025-02" ? [] : [park("qujiang", Number((q.month as string).slice(5)))],
  }));
  const points = await series(cache, { level: "park", district: "yanta", park: "qujiang" }, ["2025-01", "2025-02", "2025-03"], 2);
  expect(points.map((p) => p.cell?.indicators?.output_value ?? null)).toEqual([1, null, 3]);
});
