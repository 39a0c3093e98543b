// Runs as the pages show them: whether to keep polling, how long to wait, what a usage record
// says.

/** A run's state. */
export type RunState = "queued" | "running" | "succeeded" | "failed" | "cancelled";

/** Whether a run may still change: the page polls it while it is queued or running. */
export function isLive(state: string): boolean {
  return state === "queued" || state === "running";
}

/** Whether a cancel can still be asked for. */
export function cancellable(state: string, cancelRequested: boolean): boolean {
  return isLive(state) && !cancelRequested;
}

/** The wait before poll number `n` (0-based): quick at first, then every 2 s at most. */
export function pollDelay(n: number): number {
  return Math.min(2000, 250 * 2 ** Math.max(0, n));
}

/** What a finished run consumed (`kiln_host::Usage`), each figure null when absent. */
export interface RunUsage {
  fuel: number | null;
  peakMemoryBytes: number | null;
  rowsRead: number | null;
  wallMs: number | null;
  outputBytes: number | null;
  logBytes: number | null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Reads a run's usage record. */
export function readUsage(raw: unknown): RunUsage | null {
  if (!raw || typeof raw !== "object") return null;
  const u = raw as Record<string, unknown>;
  const wallUs = num(u.wall_us);
  return {
    fuel: num(u.fuel),
    peakMemoryBytes: num(u.peak_memory_bytes),
    rowsRead: num(u.rows_read),
    wallMs: wallUs === null ? num(u.wall_ms) : wallUs / 1000,
    outputBytes: num(u.output_bytes),
    logBytes: num(u.log_bytes),
  };
}

/** One line of a run's log. */
export interface LogLine {
  source: string;
  message: string;
}

/** Reads a run's log (`kiln_host::RunLog`). */
export function readLog(raw: unknown): { lines: LogLine[]; truncated: boolean } {
  if (!raw || typeof raw !== "object") return { lines: [], truncated: false };
  const l = raw as Record<string, unknown>;
  const lines = Array.isArray(l.lines)
    ? l.lines.map((x) => {
        const o = (x && typeof x === "object" ? x : {}) as Record<string, unknown>;
        return { source: typeof o.source === "string" ? o.source : "", message: typeof o.message === "string" ? o.message : String(x) };
      })
    : [];
  return { lines, truncated: l.truncated === true };
}
