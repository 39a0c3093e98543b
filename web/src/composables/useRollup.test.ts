import { computed, effectScope, nextTick, ref } from "vue";
import { expect, test } from "vitest";
import { queryKey, type Cell, type View } from "../dashboard/drill";
import { RollupCache, type RollupAnswer } from "../dashboard/rollups";
import { useRollup } from "./useRollup";

const indicators = { output_value: 100, energy_tce: 5, energy_intensity: 0.05, electricity_kwh: 1000, employees: 20, growth: 0.1 };
const cell = (level: Cell["level"], district: string | null, output: number): Cell => ({
  level,
  district,
  park: null,
  industry: null,
  enterprise: null,
  enterprises: 10,
  indicators: { ...indicators, output_value: output },
  suppressed: null,
});
const MONTHS = [
  { month: "2025-12", enterprises: 40 },
  { month: "2025-11", enterprises: 39 },
];

/** A service answering every rollup from its query, and the queries asked. */
function service(fail = false) {
  const asked: string[] = [];
  const rollups = new RollupCache(async (q) => {
    asked.push(queryKey(q));
    if (fail) throw new Error("refused");
    const month = q.month ?? "2025-12";
    const output = month === "2025-12" ? 200 : 150;
    const cells = q.level === "region" ? [cell("region", null, output)] : q.district ? [cell("district", q.district, output)] : [cell("district", "yanta", 1), cell("district", "beilin", 2)];
    return { month, k: 3, level: q.level!, cells } as RollupAnswer;
  });
  return { rollups, asked, months: async () => MONTHS };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

test("a view's rollup, its node and the months are asked together and shown as one", async () => {
  const { rollups, asked, months } = service();
  const answered: boolean[] = [];
  const view = ref<View>({ path: {}, level: "district" });
  const scope = effectScope();
  const r = scope.run(() => useRollup(computed(() => view.value), { months, rollups, onAnswered: (same) => answered.push(same) }))!;
  expect(r.loading.value).toBe(true);
  await settle();
  expect(asked).toEqual(["level=district", "level=region"]);
  expect(r.answer.value?.cells).toHaveLength(2);
  expect(r.node.value?.level).toBe("region");
  expect(r.months.value).toEqual(MONTHS);
  expect(r.loading.value).toBe(false);
  expect(answered).toEqual([false]);
  scope.stop();
});

test("the shown view changes only once the new view's answers are in", async () => {
  const { rollups, months } = service();
  const view = ref<View>({ path: {}, level: "district" });
  const scope = effectScope();
  const r = scope.run(() => useRollup(computed(() => view.value), { months, rollups }))!;
  await settle();
  const first = view.value;
  view.value = { month: "2025-12", path: { district: "yanta" }, level: "park" };
  await nextTick();
  expect(r.shownView.value).toBe(first);
  await settle();
  expect(r.shownView.value).toEqual(view.value);
  expect(r.node.value?.district).toBe("yanta");
  scope.stop();
});

test("a refused rollup is kept as the error, and a retry asks again", async () => {
  const { rollups, months } = service(true);
  const scope = effectScope();
  const r = scope.run(() => useRollup(ref<View>({ path: {}, level: "district" }), { months, rollups }))!;
  await settle();
  expect(r.error.value).toBeInstanceOf(Error);
  expect(r.answer.value).toBeNull();
  await r.load();
  expect(r.error.value).toBeInstanceOf(Error);
  scope.stop();
});

test("answers for a dashboard that was left are dropped", async () => {
  const { rollups, months } = service();
  const answered: boolean[] = [];
  const scope = effectScope();
  const r = scope.run(() => useRollup(ref<View>({ path: {}, level: "district" }), { months, rollups, onAnswered: (s) => answered.push(s) }))!;
  scope.stop();
  await settle();
  expect(r.answer.value).toBeNull();
  expect(answered).toEqual([]);
});

test("the node's series covers every month oldest first and is asked once per place", async () => {
  const { rollups, asked, months } = service();
  const frames: (() => void)[] = [];
  const scope = effectScope();
  const r = scope.run(() => useRollup(ref<View>({ path: {}, level: "district" }), { months, rollups, frame: (f) => void frames.push(f) }))!;
  await settle();
  await r.loadSeries();
  expect(r.points.value.map((p) => [p.month, p.cell?.indicators?.output_value])).toEqual([
    ["2025-11", 150],
    ["2025-12", 200],
  ]);
  expect(r.seriesDone.value).toBe(2);
  const before = asked.length;
  await r.loadSeries();
  expect(asked.length).toBe(before);
  scope.stop();
});
