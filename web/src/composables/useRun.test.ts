import { effectScope, nextTick, ref } from "vue";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Schema } from "../api/client";
import { useRun, type RunSource } from "./useRun";

type RunRecord = Schema<"RunRecord">;

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const record = (id: string, state: string) => ({ id, state }) as unknown as RunRecord;

/** A source whose run goes through `states`, one per ask (the last one stays). */
function source(states: string[]) {
  const asked: string[] = [];
  const s: RunSource = {
    run: async (tenant, id) => {
      asked.push(`run ${tenant}/${id}`);
      return record(id, states.length > 1 ? states.shift()! : states[0]!);
    },
    result: async (tenant, id) => {
      asked.push(`result ${tenant}/${id}`);
      return { tables: [], metrics: [{ name: "total", unit: "", value: 3 }] };
    },
    replays: async (tenant, id) => {
      asked.push(`replays ${tenant}/${id}`);
      return [record("r1", "succeeded")];
    },
  };
  return { s, asked };
}

test("a live run is polled until it settles, then its result and replays are read once", async () => {
  const { s, asked } = source(["queued", "running", "succeeded"]);
  const scope = effectScope();
  const r = scope.run(() => useRun(ref("acme"), ref("0123456789abcdef"), s, () => 100))!;
  await vi.advanceTimersByTimeAsync(0);
  expect(r.run.value?.state).toBe("queued");
  await vi.advanceTimersByTimeAsync(100);
  expect(r.run.value?.state).toBe("running");
  expect(r.result.value).toBeNull();
  await vi.advanceTimersByTimeAsync(100);
  expect(r.run.value?.state).toBe("succeeded");
  expect(r.result.value?.metrics).toEqual([{ name: "total", unit: "", value: 3 }]);
  expect(r.replays.value.map((x) => x.id)).toEqual(["r1"]);
  await vi.advanceTimersByTimeAsync(10_000);
  expect(asked.filter((a) => a.startsWith("run"))).toHaveLength(3);
  expect(asked.filter((a) => !a.startsWith("run"))).toEqual(["result acme/0123456789abcdef", "replays acme/0123456789abcdef"]);
  scope.stop();
});

test("a refused ask is kept as the error and not repeated", async () => {
  const refusal = new Error("gone");
  let asks = 0;
  const s: RunSource = {
    run: async () => {
      asks++;
      throw refusal;
    },
    result: async () => ({}),
    replays: async () => [],
  };
  const scope = effectScope();
  const r = scope.run(() => useRun(ref("acme"), ref("x"), s, () => 100))!;
  await vi.advanceTimersByTimeAsync(1000);
  expect(r.error.value).toBe(refusal);
  expect(asks).toBe(1);
  scope.stop();
});

test("another run in the route is asked from scratch", async () => {
  const { s, asked } = source(["failed"]);
  const id = ref("a");
  const scope = effectScope();
  const r = scope.run(() => useRun(ref("acme"), id, s, () => 100))!;
  await vi.advanceTimersByTimeAsync(0);
  expect(r.run.value?.id).toBe("a");
  id.value = "b";
  await nextTick();
  await vi.advanceTimersByTimeAsync(0);
  expect(r.run.value?.id).toBe("b");
  expect(asked).toEqual(["run acme/a", "run acme/b"]);
  scope.stop();
});

test("a run page that was left takes no answer and asks no more", async () => {
  const { s, asked } = source(["running"]);
  const scope = effectScope();
  const r = scope.run(() => useRun(ref("acme"), ref("a"), s, () => 100))!;
  scope.stop();
  await vi.advanceTimersByTimeAsync(1000);
  expect(r.run.value).toBeNull();
  expect(asked).toEqual(["run acme/a"]);
});
