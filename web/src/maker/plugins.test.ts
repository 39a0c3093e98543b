import { expect, test } from "vitest";
import { allPages, countStates, filterPlugins, hasState, stateOf, STATES, type PluginVersions, type Version } from "./plugins";
import { en, zh } from "../i18n/tenant";

function version(name: string, v: string, over: Partial<Version> = {}): Version {
  return {
    namespace: "acme",
    name,
    version: v,
    sha256: "00",
    size: 1,
    manifest: {},
    describe: {},
    contract: "0.1.0",
    language: "rust",
    signature: "",
    key_id: "k",
    status: "pending",
    status_reason: null,
    yanked: false,
    taken_down: false,
    takedown_reason: null,
    published_by: "maria",
    published_at: 1,
    reviewed_by: null,
    reviewed_at: null,
    ...over,
  };
}

function plugin(name: string, description: string, versions: Version[]): PluginVersions {
  return {
    plugin: { namespace: "acme", name, description, categories: [], created_at: 1, taken_down_at: null, takedown_reason: null },
    versions,
  };
}

const plugins = [
  plugin("good", "Energy intensity per site", [
    version("good", "0.1.0", { status: "approved", yanked: true }),
    version("good", "0.2.0", { status: "rejected", status_reason: "reads too much", reviewed_by: "olga" }),
  ]),
  plugin("noop", "Does nothing", [version("noop", "0.1.0")]),
  plugin("oee", "Overall equipment effectiveness", [version("oee", "1.0.0", { status: "approved", taken_down: true, takedown_reason: "leak" })]),
];

test("a version is in its review status, and yanked or taken down besides", () => {
  const v = plugins[0]!.versions[0]!;
  expect(STATES.filter((s) => hasState(v, s))).toEqual(["approved", "yanked"]);
  expect(STATES.filter((s) => hasState(plugins[2]!.versions[0]!, s))).toEqual(["approved", "taken-down"]);
});

test("only known states are read from the URL", () => {
  expect(stateOf("rejected")).toBe("rejected");
  expect(stateOf("taken-down")).toBe("taken-down");
  expect(stateOf("everything")).toBe("");
  expect(stateOf("")).toBe("");
});

test("filtering by text matches the full name or the description, in any case", () => {
  expect(filterPlugins(plugins, "", "").map((p) => p.plugin.name)).toEqual(["good", "noop", "oee"]);
  expect(filterPlugins(plugins, "ACME/NO", "").map((p) => p.plugin.name)).toEqual(["noop"]);
  expect(filterPlugins(plugins, "equipment", "").map((p) => p.plugin.name)).toEqual(["oee"]);
  expect(filterPlugins(plugins, "nothing-like-it", "")).toEqual([]);
});

test("filtering by state keeps only the versions in it, and the plugins that have one", () => {
  const rejected = filterPlugins(plugins, "", "rejected");
  expect(rejected.map((p) => [p.plugin.name, p.versions.map((v) => v.version)])).toEqual([["good", ["0.2.0"]]]);
  expect(filterPlugins(plugins, "", "pending").map((p) => p.plugin.name)).toEqual(["noop"]);
  expect(filterPlugins(plugins, "", "approved").map((p) => p.plugin.name)).toEqual(["good", "oee"]);
  expect(filterPlugins(plugins, "good", "taken-down")).toEqual([]);
  // The input is left as it was.
  expect(plugins[0]!.versions).toHaveLength(2);
});

test("the cards count plugins and versions by state", () => {
  expect(countStates(plugins)).toEqual({ plugins: 3, pending: 1, approved: 2, rejected: 1, takenDown: 1 });
  expect(countStates([])).toEqual({ plugins: 0, pending: 0, approved: 0, rejected: 0, takenDown: 0 });
});

test("every page of a list is fetched, and no page past its end", async () => {
  const items = Array.from({ length: 5 }, (_, i) => i);
  const asked: number[] = [];
  const fetch = async (page: number) => {
    asked.push(page);
    return { items: items.slice((page - 1) * 2, page * 2), page, per_page: 2, total: items.length };
  };
  expect(await allPages(fetch)).toEqual(items);
  expect(asked).toEqual([1, 2, 3]);
  // A list whose last page is full stops at the total.
  asked.length = 0;
  expect(await allPages(async (page) => ({ items: page === 1 ? [1, 2] : [], page, per_page: 2, total: 2 }))).toEqual([1, 2]);
  expect(asked).toEqual([]);
  // Without a total, it stops at the first short page, or at the page limit.
  let calls = 0;
  await allPages(async (page) => ({ items: [calls++, page], page, per_page: 2, total: null }), 3);
  expect(calls).toBe(3);
});

test("every maker message has both languages", () => {
  for (const key of Object.keys(zh).filter((k) => k.startsWith("maker."))) {
    expect(zh[key as keyof typeof zh], key).toBeTruthy();
    expect(en[key as keyof typeof en], key).toBeTruthy();
  }
});
