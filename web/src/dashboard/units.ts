// How the dashboard writes its indicators: in Chinese, with 万 and 亿 as officials read them
// (产值 in 亿元, 电量 in 亿千瓦时); in English, with k / M / bn. Plain functions of the locale,
// so they are tested without a browser.
import type { Metric } from "./drill";

/** A language the console speaks. */
export type Lang = "zh-CN" | "en";

function num(lang: Lang, v: number, digits: number): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
}

/** A growth rate (0.038) as a signed percentage (+3.83%). */
export function formatGrowth(lang: Lang, g: number): string {
  const pct = g * 100;
  return `${pct > 0 ? "+" : pct < 0 ? "−" : ""}${num(lang, Math.abs(pct), 2)}%`;
}

function zhScaled(v: number, unit: string, digits = 2): string {
  const a = Math.abs(v);
  if (a >= 1e8) return `${num("zh-CN", v / 1e8, digits)} 亿${unit}`;
  if (a >= 1e4) return `${num("zh-CN", v / 1e4, digits)} 万${unit}`;
  return `${num("zh-CN", v, a < 10 ? digits : 0)} ${unit}`;
}

function enScaled(v: number, unit: string, digits = 2): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${num("en", v / 1e9, digits)} bn ${unit}`;
  if (a >= 1e6) return `${num("en", v / 1e6, digits)} M ${unit}`;
  if (a >= 1e4) return `${num("en", v / 1e3, 1)} k ${unit}`;
  return `${num("en", v, a < 10 ? digits : 0)} ${unit}`;
}

/** An indicator for a headline card, scaled to be read at a glance: the number, then its unit. */
export function headlineParts(lang: Lang, metric: Metric, v: number): { value: string; unit: string } {
  const text = formatHeadline(lang, metric, v);
  if (metric === "growth") return { value: text, unit: "" };
  if (lang === "en" && text.startsWith("CNY ")) {
    const [value = "", ...unit] = text.slice(4).split(" ");
    return { value, unit: ["CNY", ...unit].join(" ") };
  }
  const space = text.indexOf(" ");
  return space < 0 ? { value: text, unit: "" } : { value: text.slice(0, space), unit: text.slice(space + 1) };
}

/** An indicator for a headline card, scaled to be read at a glance. */
export function formatHeadline(lang: Lang, metric: Metric, v: number): string {
  const zh = lang === "zh-CN";
  switch (metric) {
    case "output_value": // 10k CNY
      return zh ? zhScaled(v * 1e4, "元") : `CNY ${enScaled(v * 1e4, "").trim()}`;
    case "energy_tce":
      return zh ? zhScaled(v, "吨标准煤") : enScaled(v, "tce");
    case "energy_intensity":
      return zh ? `${num(lang, v, 3)} 吨标准煤/万元` : `${num(lang, v, 3)} tce per CNY 10k`;
    case "electricity_kwh":
      return zh ? zhScaled(v, "千瓦时") : enScaled(v, "kWh");
    case "employees":
      return zh ? zhScaled(v, "人", 1) : `${enScaled(v, "", 1).trim()} people`;
    case "growth":
      return formatGrowth(lang, v);
  }
}

/** An indicator in a table cell: the unit is in the column header, the number is exact enough. */
export function formatCell(lang: Lang, metric: Metric, v: number): string {
  switch (metric) {
    case "energy_intensity":
      return num(lang, v, 3);
    case "growth":
      return formatGrowth(lang, v);
    case "energy_tce":
    case "output_value":
      return num(lang, v, 1);
    default:
      return num(lang, v, 0);
  }
}
