// Names of districts, parks and industries (GET /v1/places, added on the API side by
// console-names and not yet in the generated client), asked once per visit. Where the service
// does not have them, pages fall back to the ids, as placeName does.
import { placeName, type LocalName } from "../i18n";

/** A kind of place. */
export type PlaceKind = "district" | "park" | "industry";

/** Names by kind and id. */
export type PlaceNames = Map<string, LocalName>;

/** The key of a place in a PlaceNames map. */
export function placeKey(kind: PlaceKind, id: string): string {
  return `${kind}:${id}`;
}

interface PlacePage {
  items: { id: string; kind: PlaceKind; name: LocalName }[];
  total?: number | null;
}

let names: Promise<PlaceNames> | null = null;

async function fetchAll(): Promise<PlaceNames> {
  const out: PlaceNames = new Map();
  for (let page = 1; page <= 50; page++) {
    const r = await fetch(`/v1/places?page=${page}&per_page=200`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!r.ok) break;
    const body = (await r.json()) as PlacePage;
    for (const p of body.items) out.set(placeKey(p.kind, p.id), p.name);
    if (body.items.length < 200) break;
  }
  return out;
}

/** Every place's names (an empty map when the service has none to give). */
export function placeNames(): Promise<PlaceNames> {
  if (!names) names = fetchAll().catch(() => new Map());
  return names;
}

/** The name of a place, in the current language, else its id. */
export function nameOf(map: PlaceNames, kind: PlaceKind, id: string): string {
  return placeName(map.get(placeKey(kind, id)) ?? null, id);
}
