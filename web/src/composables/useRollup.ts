// The dashboard's answers for the view the URL asks for: the month list, the rollup of the
// view's level with the node's own cell, and the node's series over every month. The view on
// screen (`shownView`) becomes the asked one only once its answers are in, so whatever the page
// draws from them describes one place; an answer for a view the user already left is dropped.
import { getCurrentScope, onScopeDispose, ref, shallowRef, watch, type Ref } from "vue";
import type { Schema } from "../api/client";
import { nodeQuery, rollupQuery, type Cell, type View } from "../dashboard/drill";
import { series, type Point, type RollupAnswer, type RollupCache } from "../dashboard/rollups";

type Month = Schema<"Month">;

/** Where the answers come from, and how drawing is paced. */
export interface RollupSources {
  /** The months with reports, newest first. */
  months: () => Promise<Month[]>;
  rollups: RollupCache;
  /** Runs `draw` before the next frame (points are drawn at most once a frame). */
  frame?: (draw: () => void) => void;
  /** Told when a view's answers are in and shown; `same` when the list is the one already shown. */
  onAnswered?: (same: boolean) => void;
}

/** At most this many months of a series are asked at a time. */
export const SERIES_CONCURRENCY = 2;

/** The answers for `view`, asked whenever it changes. */
export function useRollup(view: Readonly<Ref<View>>, sources: RollupSources) {
  const frame = sources.frame ?? ((draw: () => void) => void requestAnimationFrame(draw));
  const months = ref<Month[]>([]);
  const error = ref<unknown>(null);
  const answer = shallowRef<RollupAnswer | null>(null);
  const node = shallowRef<Cell | null>(null);
  const loading = ref(false);
  const shownView = shallowRef<View>(view.value);
  const points = shallowRef<Point[]>([]);
  const seriesDone = ref(0);
  const seriesError = ref<unknown>(null);

  let generation = 0;
  let seriesFor = "";

  async function loadMonths() {
    if (months.value.length) return;
    months.value = await sources.months();
  }

  /** Asks for the view's rollup and node (and the months, the first time). */
  async function load() {
    const gen = ++generation;
    // Another place: the series being read for the last one stops asking.
    if (JSON.stringify(view.value.path) !== seriesFor) seriesFor = "";
    error.value = null;
    loading.value = true;
    try {
      // Without a month in the URL the rollups ask for the newest one, alongside the month list
      // (not after it): one round trip less before the first chart.
      const v = view.value;
      const m = v.month ?? months.value[0]?.month;
      const [list, one] = await Promise.all([
        sources.rollups.get(rollupQuery(m, v.path, v.level)),
        sources.rollups.get(nodeQuery(m, v.path)),
        loadMonths(),
      ]);
      if (gen !== generation) return;
      performance.mark("kiln:rollup-answered");
      const same = list === answer.value;
      shownView.value = v;
      answer.value = list;
      node.value = one.cells[0] ?? null;
      sources.onAnswered?.(same);
    } catch (e) {
      if (gen === generation) error.value = e;
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  /** Asks for the shown node's series over every month, unless it is asked already. */
  async function loadSeries() {
    const key = JSON.stringify(shownView.value.path);
    if (key === seriesFor || !months.value.length) return;
    seriesFor = key;
    const list = [...months.value].map((m) => m.month).reverse();
    const q = nodeQuery(undefined, shownView.value.path);
    seriesDone.value = 0;
    seriesError.value = null;
    points.value = [];
    const stale = () => seriesFor !== key;
    try {
      // Points are drawn as they come, at most once a frame.
      const partial: Point[] = list.map((month) => ({ month, cell: null }));
      let queued = false;
      const onPoint = (i: number, point: Point) => {
        seriesDone.value++;
        partial[i] = point;
        if (queued || stale()) return;
        queued = true;
        frame(() => {
          queued = false;
          if (!stale()) points.value = [...partial];
        });
      };
      const ps = await series(sources.rollups, q, list, SERIES_CONCURRENCY, onPoint, stale);
      if (ps && !stale()) points.value = ps;
    } catch (e) {
      if (stale()) return;
      seriesFor = "";
      seriesError.value = e;
    }
  }

  watch(
    () => [view.value.month, view.value.level, JSON.stringify(view.value.path)],
    () => void load(),
    { immediate: true },
  );
  // Gone: answers still on their way are dropped.
  if (getCurrentScope()) onScopeDispose(() => generation++);

  return { months, error, answer, node, loading, shownView, points, seriesDone, seriesError, load, loadSeries };
}
