import { expect, test } from "vitest";
import { CHART_MAX, drillChartHeight, drillChartOption, seriesChartOption, type DrillChartInput } from "./charts";
import { cellId, type Cell } from "./drill";

const indicators = { output_value: 100, energy_tce: 5, energy_intensity: 0.05, electricity_kwh: 1000, employees: 20, growth: 0.1234 };
const district = (id: string, output: number, growth = 0.1234): Cell => ({
  level: "district",
  district: id,
  park: null,
  industry: null,
  enterprise: null,
  enterprises: 10,
  indicators: { ...indicators, output_value: output, growth },
  suppressed: null,
});

const input = (over: Partial<DrillChartInput> = {}): DrillChartInput => ({
  cells: [district("yanta", 300), district("beilin", 200), district("lianhu", 100)],
  metric: "output_value",
  kind: "bar",
  drillable: true,
  unit: "万元",
  name: (c) => `name:${c.district}`,
  format: (_m, v) => `<${v}>`,
  ...over,
});

// ECharts options are loose objects; the tests read them as such.
type Loose = Record<string, any>;

test("bars list the cells top down, each keyed by its cell for clicks", () => {
  const o = drillChartOption(input()) as Loose;
  expect(o.yAxis.data).toEqual(["name:lianhu", "name:beilin", "name:yanta"]);
  expect(o.series[0].type).toBe("bar");
  expect(o.series[0].data).toEqual([
    { value: 100, key: cellId(district("lianhu", 100)) },
    { value: 200, key: cellId(district("beilin", 200)) },
    { value: 300, key: cellId(district("yanta", 300)) },
  ]);
  expect(o.xAxis.name).toBe("万元");
  expect(o.series[0].cursor).toBe("pointer");
});

test("bars of a level that cannot be drilled show no pointer", () => {
  expect((drillChartOption(input({ drillable: false })) as Loose).series[0].cursor).toBe("default");
});

test("bars are drawn for the first thirty cells only", () => {
  const cells = Array.from({ length: CHART_MAX + 5 }, (_, i) => district(`d${i}`, 1000 - i));
  const o = drillChartOption(input({ cells })) as Loose;
  expect(o.series[0].data).toHaveLength(CHART_MAX);
  expect(o.yAxis.data[CHART_MAX - 1]).toBe("name:d0");
});

test("growth is drawn in percent and labelled with a percent sign", () => {
  const o = drillChartOption(input({ metric: "growth", cells: [district("yanta", 1, 0.12345)] })) as Loose;
  expect(o.series[0].data[0].value).toBe(12.35);
  expect(o.series[0].label.formatter({ value: 12.35 })).toBe("12.3%");
  expect(o.tooltip.valueFormatter(12.35)).toBe(`<${12.35 / 100}> `);
});

test("figures are written by the given format with their unit", () => {
  const o = drillChartOption(input()) as Loose;
  expect(o.series[0].label.formatter({ value: 300 })).toBe("<300>");
  expect(o.tooltip.valueFormatter(300)).toBe("<300> 万元");
});

test("a treemap shows every cell's share, keyed by its cell", () => {
  const cells = Array.from({ length: CHART_MAX + 5 }, (_, i) => district(`d${i}`, 1000 - i));
  const o = drillChartOption(input({ kind: "treemap", cells })) as Loose;
  expect(o.series[0].type).toBe("treemap");
  expect(o.series[0].data).toHaveLength(CHART_MAX + 5);
  expect(o.series[0].data[0]).toEqual({ name: "name:d0", value: 1000, key: cellId(cells[0]!) });
  expect(o.tooltip.formatter({ name: "A", value: 5 })).toBe("A<br/><5> 万元");
});

test("growth is never drawn as a treemap", () => {
  expect((drillChartOption(input({ kind: "treemap", metric: "growth" })) as Loose).series[0].type).toBe("bar");
});

test("the chart grows a row per bar within its bounds, and a treemap has a fixed height", () => {
  expect(drillChartHeight("bar", 1)).toBe(240);
  expect(drillChartHeight("bar", 10)).toBe(328);
  expect(drillChartHeight("bar", 100)).toBe(CHART_MAX * 28 + 48);
  expect(drillChartHeight("treemap", 3)).toBe(420);
});

test("the series shows output as bars and growth as a percent line, the shown month darker", () => {
  const points = [
    { month: "2024-01", cell: district("yanta", 100, 0.1) },
    { month: "2024-02", cell: null },
    { month: "2024-03", cell: district("yanta", 120, -0.05) },
  ];
  const o = seriesChartOption({ points, month: "2024-03", labels: { output: "产值", growth: "增速", outputUnit: "万元" } }) as Loose;
  expect(o.xAxis.data).toEqual(["2024-01", "2024-02", "2024-03"]);
  expect(o.legend.data).toEqual(["产值", "增速"]);
  expect(o.yAxis[0].name).toBe("万元");
  expect(o.series[0].data).toEqual([100, null, { value: 120, itemStyle: { color: "#b4441f" } }]);
  expect(o.series[1]).toMatchObject({ name: "增速", type: "line", yAxisIndex: 1, data: [10, null, -5] });
});
