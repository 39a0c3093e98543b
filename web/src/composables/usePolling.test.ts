import { effectScope } from "vue";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { usePolling } from "./usePolling";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("a poller asks again after each delay while the step says so", async () => {
  let asks = 0;
  const { poll } = usePolling(async () => ++asks < 3, (n) => (n + 1) * 100);
  await poll();
  expect(asks).toBe(1);
  await vi.advanceTimersByTimeAsync(99);
  expect(asks).toBe(1);
  await vi.advanceTimersByTimeAsync(1);
  expect(asks).toBe(2);
  await vi.advanceTimersByTimeAsync(200);
  expect(asks).toBe(3);
  await vi.advanceTimersByTimeAsync(10_000);
  expect(asks).toBe(3);
});

test("a restart asks at once and starts the delays over", async () => {
  const delays: number[] = [];
  const { poll, restart } = usePolling(async () => true, (n) => {
    delays.push(n);
    return 100;
  });
  await poll();
  await vi.advanceTimersByTimeAsync(200);
  await restart();
  expect(delays).toEqual([0, 1, 2, 0]);
  await restart();
  await vi.advanceTimersByTimeAsync(100);
  // The restart dropped the ask pending before it: one timer at a time.
  expect(delays).toEqual([0, 1, 2, 0, 0, 1]);
});

test("a poller stops when its scope goes away, and the step is told", async () => {
  const scope = effectScope();
  let asks = 0;
  let wasAlive = true;
  let release: () => void = () => undefined;
  const polling = scope.run(() =>
    usePolling(async ({ alive }) => {
      asks++;
      await new Promise<void>((r) => (release = r));
      wasAlive = alive();
      return true;
    }, () => 100),
  )!;
  const first = polling.poll();
  scope.stop();
  release();
  await first;
  expect(wasAlive).toBe(false);
  await vi.advanceTimersByTimeAsync(1000);
  expect(asks).toBe(1);
});
