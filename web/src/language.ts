// The language a version was written in, as the registry records it (`VersionRecord.language`,
// read from the component's producers section at publish): `rust`, `python`, `javascript`, or
// `unknown`, which is also what versions published before the language was read carry. Read
// defensively: anything else, or no field at all (an older service), is unknown.
import type { MessageKey } from "./i18n";

/** A language the registry names. */
export const LANGUAGES = ["rust", "python", "javascript"] as const;
/** One of [`LANGUAGES`], or `unknown`. */
export type Language = (typeof LANGUAGES)[number] | "unknown";

/** A version's language; a missing or unrecognised one is `unknown`. */
export function languageOf(v: { language?: unknown } | null | undefined): Language {
  const l = typeof v?.language === "string" ? v.language.trim().toLowerCase() : "";
  return (LANGUAGES as readonly string[]).includes(l) ? (l as Language) : "unknown";
}

/** The message naming a language on its badge ("Rust", "Python", "JavaScript", or unknown). */
export function languageKey(l: Language): MessageKey {
  return `language.${l}`;
}

/** The message explaining the badge when hovered. */
export function languageTitleKey(l: Language): MessageKey {
  return l === "unknown" ? "language.unknownTitle" : "language.title";
}
