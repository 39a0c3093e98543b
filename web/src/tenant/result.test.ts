import { expect, test } from "vitest";
import { axisOf, BAR_ROWS, CHART_ROWS, labelColumns, namingColumns, numericColumns, readResult, rowLabel, tableChart } from "./result";

const doc = readResult({
  tables: [
    {
      name: "by_enterprise",
      columns: [
        { name: "enterprise_id", type: "string" },
        { name: "machines", type: "s64" },
        { name: "oee", type: "f64" },
      ],
      rows: [
        ["E1", 6, 0.66],
        ["E2", 3, null],
      ],
    },
  ],
  metrics: [{ name: "fleet_oee", unit: "", value: 0.66 }, { name: "bad" }],
});
const table = doc.tables[0]!;

test("an output document is read with its tables and metrics", () => {
  expect(doc.tables).toHaveLength(1);
  expect(doc.metrics).toEqual([
    { name: "fleet_oee", unit: "", value: 0.66 },
    { name: "bad", unit: "", value: null },
  ]);
  expect(readResult(null)).toEqual({ tables: [], metrics: [] });
});

test("numeric columns become series, text columns name the rows", () => {
  expect(numericColumns(table)).toEqual([1, 2]);
  expect(labelColumns(table)).toEqual([0]);
  expect(rowLabel(table, 1)).toBe("E2");
  const chart = tableChart(table)!;
  expect(chart.kind).toBe("bar");
  const series = chart.option.series as { name: string; data: (number | null)[] }[];
  expect(series.map((s) => s.name)).toEqual(["machines", "oee"]);
  expect(series[1]!.data).toEqual([0.66, null]);
  expect((chart.option.xAxis as { data: string[] }).data).toEqual(["E1", "E2"]);
});

test("long tables are drawn as lines and clipped", () => {
  const rows = Array.from({ length: CHART_ROWS + 10 }, (_, i) => ["g", `m${i}`, i]);
  const long = { name: "t", columns: [{ name: "a", type: "string" }, { name: "b", type: "string" }, { name: "v", type: "f64" }], rows };
  const chart = tableChart(long)!;
  expect(chart.kind).toBe("line");
  expect(chart.clipped).toBe(true);
  expect(rowLabel(long, 3)).toBe("g · m3");
  expect(((chart.option.series as { data: unknown[] }[])[0]!).data).toHaveLength(CHART_ROWS);
  expect(BAR_ROWS).toBeLessThan(CHART_ROWS);
});

test("a table without numbers or rows has no chart", () => {
  expect(tableChart({ name: "t", columns: [{ name: "a", type: "string" }], rows: [["x"]] })).toBeNull();
  expect(tableChart({ ...table, rows: [] })).toBeNull();
});

test("rows without text columns are named by position", () => {
  expect(rowLabel({ name: "t", columns: [{ name: "v", type: "f64" }], rows: [[1]] }, 0)).toBe("1");
});

test("rows are named by the fewest text columns that tell them apart", () => {
  const t = {
    name: "t",
    columns: [{ name: "machine", type: "string" }, { name: "enterprise", type: "string" }, { name: "v", type: "f64" }],
    rows: [["M1", "E1", 1], ["M2", "E1", 2]],
  };
  expect(namingColumns(t)).toEqual([0]);
  expect(rowLabel(t, 1)).toBe("M2");
});

test("series far larger than the others move to a second axis", () => {
  expect(axisOf([[6], [0.66, 0.8]])).toEqual([1, 0]);
  expect(axisOf([[3000], [2500, null]])).toEqual([0, 0]);
  expect(axisOf([[null], [0]])).toEqual([0, 0]);
  const chart = tableChart(table)!;
  expect(Array.isArray(chart.option.yAxis)).toBe(true);
});
