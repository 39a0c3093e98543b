// Asking again while something is still changing (a queued or running run): `step` asks once
// and says whether to ask again; the next ask waits `delay(n)` for the n-th repeat. Stopped when
// the component (or effect scope) that started it goes away, so nothing is asked for a page the
// user left and no answer lands on it.
import { getCurrentScope, onScopeDispose } from "vue";
import { pollDelay } from "../tenant/runs";

/** What `step` is told: whether its caller is still there to use an answer. */
export interface PollStep {
  alive: () => boolean;
}

/** A poller. */
export interface Polling {
  /** Asks now (cancelling a pending ask), and again while `step` says so. */
  poll: () => Promise<void>;
  /** Asks now with the delays starting over from the quickest. */
  restart: () => Promise<void>;
  /** Stops for good. */
  stop: () => void;
}

/** Polls with `step`, waiting `delay(n)` before the n-th repeat (quick at first, then settled). */
export function usePolling(step: (ctx: PollStep) => Promise<boolean>, delay: (n: number) => number = pollDelay): Polling {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let polls = 0;
  let alive = true;
  const ctx: PollStep = { alive: () => alive };

  function clear() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  async function poll() {
    clear();
    const again = await step(ctx);
    if (again && alive) timer = setTimeout(() => void poll(), delay(polls++));
  }

  function restart() {
    polls = 0;
    return poll();
  }

  function stop() {
    alive = false;
    clear();
  }

  if (getCurrentScope()) onScopeDispose(stop);
  return { poll, restart, stop };
}
