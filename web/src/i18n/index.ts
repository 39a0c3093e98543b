// The console's two languages. The choice comes from the browser's preference until the user
// picks one with the switch; the pick is remembered (it is a preference, not a secret).
import { ref } from "vue";
import { en } from "./en";
import { zh, type Messages } from "./zh-CN";

/** A language the console speaks. */
export type Locale = "zh-CN" | "en";
/** Every message has a key; both languages must have all of them (the types check it). */
export type MessageKey = keyof Messages;

const messages: Record<Locale, Messages> = { "zh-CN": zh, en };
const STORAGE_KEY = "kiln.locale";

/** The locale for a stored pick and the browser's languages: zh-CN unless English comes first. */
export function preferredLocale(languages: readonly string[], stored: string | null): Locale {
  if (stored === "zh-CN" || stored === "en") return stored;
  for (const lang of languages) {
    const l = lang.toLowerCase();
    if (l.startsWith("zh")) return "zh-CN";
    if (l.startsWith("en")) return "en";
  }
  return "zh-CN";
}

function storedLocale(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** The current locale; components re-render when it changes. */
export const locale = ref<Locale>(
  preferredLocale(globalThis.navigator?.languages ?? [], storedLocale()),
);

/** Switches the language and remembers the choice. */
export function setLocale(next: Locale): void {
  locale.value = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // Private windows may refuse storage; the switch still holds for this page.
  }
  if (globalThis.document) document.documentElement.lang = next;
}

/** The message for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return format(messages[locale.value][key], vars);
}

/** Fills `{name}` placeholders; an unknown placeholder stays visible rather than vanishing. */
export function format(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** A name the registry knows in both languages. */
export interface LocalName {
  zh: string;
  en: string;
}

/** The name to show for a place or an industry: its name in this language, else the id. */
export function placeName(name: LocalName | null | undefined, id: string | null | undefined): string {
  if (name) return locale.value === "en" ? name.en || name.zh : name.zh || name.en;
  return id ?? "";
}

/** Formats a number for the current language. */
export function formatNumber(value: number, digits = 0): string {
  return new Intl.NumberFormat(locale.value, {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  }).format(value);
}

/** Formats a unix-ms time for the current language, in the platform's zone (Asia/Shanghai). */
export function formatTime(ms: number | null | undefined): string {
  if (ms == null) return "—";
  return new Intl.DateTimeFormat(locale.value, {
    dateStyle: "medium",
    timeStyle: "medium",
    timeZone: "Asia/Shanghai",
  }).format(new Date(ms));
}

/** Formats a byte count. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
