import { createSSRApp } from "vue";
import { renderToString } from "vue/server-renderer";
import { afterEach, expect, test } from "vitest";
import LanguageBadge from "./components/LanguageBadge.vue";
import { setLocale, t } from "./i18n";
import { languageKey, languageOf, languageTitleKey, LANGUAGES } from "./language";

afterEach(() => setLocale("zh-CN"));

async function badge(version: { language?: unknown } | null): Promise<string> {
  return renderToString(createSSRApp(LanguageBadge, { version }));
}

test("a version's language is read from its record", () => {
  expect(languageOf({ language: "rust" })).toBe("rust");
  expect(languageOf({ language: "python" })).toBe("python");
  expect(languageOf({ language: "javascript" })).toBe("javascript");
  expect(languageOf({ language: " Python " })).toBe("python");
});

test("a record without a language, or with one the console does not know, is unknown", () => {
  expect(languageOf({ language: "unknown" })).toBe("unknown");
  expect(languageOf({ language: "go" })).toBe("unknown");
  expect(languageOf({ language: 7 })).toBe("unknown");
  expect(languageOf({})).toBe("unknown");
  expect(languageOf(null)).toBe("unknown");
});

test("each language is labelled by its own name in both locales", () => {
  const names = { rust: "Rust", python: "Python", javascript: "JavaScript" };
  for (const locale of ["en", "zh-CN"] as const) {
    setLocale(locale);
    for (const l of LANGUAGES) expect(t(languageKey(l))).toBe(names[l]);
  }
});

test("an unknown language is labelled as unknown in each locale", () => {
  setLocale("en");
  expect(t(languageKey("unknown"))).toBe("Unknown language");
  setLocale("zh-CN");
  expect(t(languageKey("unknown"))).toBe("语言未知");
});

test("the hover text names the language, or says why it is not known", () => {
  setLocale("en");
  expect(t(languageTitleKey("python"), { language: "Python" })).toContain("Written in Python");
  expect(t(languageTitleKey("unknown"))).toContain("does not name its language");
  setLocale("zh-CN");
  expect(t(languageTitleKey("rust"), { language: "Rust" })).toContain("用 Rust 编写");
});

test("the badge shows a Python version as Python, tinted as Python", async () => {
  setLocale("en");
  const html = await badge({ language: "python" });
  expect(html).toContain('data-language="python"');
  expect(html).toContain("lang-python");
  expect(html).toContain(">Python</span>");
  expect(html).toContain('title="Written in Python');
});

test("the badge shows a version of unknown language muted, in the current locale", async () => {
  setLocale("zh-CN");
  const html = await badge({});
  expect(html).toContain('data-language="unknown"');
  expect(html).toContain("lang-unknown");
  expect(html).toContain(">语言未知</span>");
});
