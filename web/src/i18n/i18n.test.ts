import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { en } from "./en";
import { format, placeName, preferredLocale, setLocale } from "./index";
import { zh } from "./zh-CN";

test("the browser's preference picks the language until the user switches", () => {
  expect(preferredLocale(["en-US", "zh-CN"], null)).toBe("en");
  expect(preferredLocale(["zh-TW"], null)).toBe("zh-CN");
  expect(preferredLocale(["fr-FR", "de"], null)).toBe("zh-CN");
  expect(preferredLocale(["en-US"], "zh-CN")).toBe("zh-CN");
  expect(preferredLocale(["zh-CN"], "nonsense")).toBe("zh-CN");
});

test("both languages have every message and none is empty", () => {
  expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  for (const [key, text] of [...Object.entries(zh), ...Object.entries(en)]) expect(text, key).not.toBe("");
});

test("placeholders are filled and unknown ones stay visible", () => {
  expect(format("第 {page} 页，共 {total}", { page: 2, total: 9 })).toBe("第 2 页，共 9");
  expect(format("{missing}", {})).toBe("{missing}");
});

test("places show by name in the current language, falling back to the other, then the id", () => {
  setLocale("en");
  expect(placeName({ zh: "雁塔区", en: "Yanta District" }, "yanta")).toBe("Yanta District");
  expect(placeName({ zh: "雁塔区", en: "" }, "yanta")).toBe("雁塔区");
  setLocale("zh-CN");
  expect(placeName({ zh: "雁塔区", en: "Yanta District" }, "yanta")).toBe("雁塔区");
  expect(placeName(null, "yanta")).toBe("yanta");
});

test("every problem the service documents has a title in both languages", () => {
  const doc = JSON.parse(readFileSync(new URL("../../../registry/tests/api/openapi.snapshot.json", import.meta.url), "utf8"));
  // Each error response says "A problem document whose `type` is one of: `slug` (title), …".
  const slugs = new Set<string>();
  for (const [, list] of JSON.stringify(doc).matchAll(/is one of: ([^"]*)/g)) {
    for (const [, slug] of list!.matchAll(/`([a-z-]+)`/g)) slugs.add(slug!);
  }
  expect(slugs.size).toBeGreaterThan(10);
  for (const slug of slugs) {
    expect(`problem.${slug}` in zh, slug).toBe(true);
    expect(`problem.${slug}` in en, slug).toBe(true);
  }
});
