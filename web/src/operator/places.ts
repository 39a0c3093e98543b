// Names of districts, parks and industries (GET /v1/places), asked once per visit. A place the
// registry has no name for shows its id, as placeName does.
import { api, unwrap } from "../api/client";
import { placeName, type LocalName } from "../i18n";

/** A kind of place. */
export type PlaceKind = "district" | "park" | "industry";

/** Names by kind and id. */
export type PlaceNames = Map<string, LocalName>;

/** The key of a place in a PlaceNames map. */
export function placeKey(kind: PlaceKind, id: string): string {
  return `${kind}:${id}`;
}

const PER_PAGE = 200;
let names: Promise<PlaceNames> | null = null;

async function fetchAll(): Promise<PlaceNames> {
  const out: PlaceNames = new Map();
  for (let page = 1; page <= 50; page++) {
    const body = await unwrap(api.GET("/v1/places", { params: { query: { page, per_page: PER_PAGE } } }));
    for (const p of body.items) out.set(placeKey(p.kind, p.id), p.name);
    if (body.items.length < PER_PAGE) break;
  }
  return out;
}

/** Every place's names (an empty map when the service has none to give). */
export function placeNames(): Promise<PlaceNames> {
  if (!names) {
    names = fetchAll().catch(() => {
      names = null;
      return new Map();
    });
  }
  return names;
}

/** The name of a place, in the current language, else its id. */
export function nameOf(map: PlaceNames, kind: PlaceKind, id: string): string {
  return placeName(map.get(placeKey(kind, id)) ?? null, id);
}
