import { expect, test } from "vitest";
import { formatCell, formatMs } from "./format";

test("cells print numbers without padding and nulls as a dash", () => {
  expect(formatCell(960, "en")).toBe("960");
  expect(formatCell(732.7, "en")).toBe("732.7");
  expect(formatCell(0.659713045, "en")).toBe("0.6597");
  expect(formatCell(12345, "zh-CN")).toBe("12,345");
  expect(formatCell(null, "en")).toBe("—");
  expect(formatCell(true, "en")).toBe("true");
  expect(formatCell("E00018", "en")).toBe("E00018");
});

test("durations pick a readable unit", () => {
  expect(formatMs(2.4, "en")).toBe("2.4 ms");
  expect(formatMs(10, "en")).toBe("10 ms");
  expect(formatMs(3_600_000, "en")).toBe("60 min");
  expect(formatMs(12_500, "en")).toBe("12.5 s");
});
