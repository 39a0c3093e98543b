import { expect, test } from "vitest";
import { formatCell, formatGrowth, formatHeadline, headlineParts } from "./units";

test("output value reads in 亿元 in Chinese and in CNY bn in English", () => {
  expect(formatHeadline("zh-CN", "output_value", 4869655.46)).toBe("486.97 亿元");
  expect(formatHeadline("en", "output_value", 4869655.46)).toBe("CNY 48.70 bn");
  expect(formatHeadline("zh-CN", "output_value", 3)).toBe("3.00 万元");
});

test("growth is a signed percentage", () => {
  expect(formatGrowth("zh-CN", 0.0383)).toBe("+3.83%");
  expect(formatGrowth("en", -0.1)).toBe("−10.00%");
  expect(formatGrowth("en", 0)).toBe("0.00%");
});

test("table cells keep their unit in the header and show plain numbers", () => {
  expect(formatCell("en", "employees", 355198)).toBe("355,198");
  expect(formatCell("en", "energy_intensity", 0.82836)).toBe("0.828");
  expect(formatHeadline("zh-CN", "employees", 355198)).toBe("35.5 万人");
});

test("a headline splits into its number and its unit", () => {
  expect(headlineParts("zh-CN", "energy_tce", 4033839)).toEqual({ value: "403.38", unit: "万吨标准煤" });
  expect(headlineParts("en", "output_value", 4869655.46)).toEqual({ value: "48.70", unit: "CNY bn" });
  expect(headlineParts("en", "growth", 0.05)).toEqual({ value: "+5.00%", unit: "" });
});
