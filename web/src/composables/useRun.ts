// One run as its page shows it: the record, polled while the run is queued or running; once it
// succeeded, its result and the replays of it. Asked again from the start when the route names
// another run.
import { ref, watch, type Ref } from "vue";
import { api, unwrap, type Schema } from "../api/client";
import { readResult, type ResultDoc } from "../tenant/result";
import { isLive, pollDelay } from "../tenant/runs";
import { usePolling } from "./usePolling";

type RunRecord = Schema<"RunRecord">;

/** Where a run's answers come from. */
export interface RunSource {
  run: (tenant: string, id: string) => Promise<RunRecord>;
  result: (tenant: string, id: string) => Promise<unknown>;
  /** The latest replays of the run. */
  replays: (tenant: string, id: string) => Promise<RunRecord[]>;
}

/** The service's API. */
export const runSource: RunSource = {
  run: (tenant, id) => unwrap(api.GET("/v1/tenants/{tenant}/runs/{id}", { params: { path: { tenant, id } } })),
  result: (tenant, id) => unwrap(api.GET("/v1/tenants/{tenant}/runs/{id}/result", { params: { path: { tenant, id } } })),
  replays: async (tenant, id) =>
    (await unwrap(api.GET("/v1/tenants/{tenant}/runs", { params: { path: { tenant }, query: { replay_of: id, per_page: 10 } } }))).items,
};

/** The run `tenant`/`id` name, kept up to date. */
export function useRun(tenant: Readonly<Ref<string>>, id: Readonly<Ref<string>>, source: RunSource = runSource, delay: (n: number) => number = pollDelay) {
  const run = ref<RunRecord | null>(null);
  const result = ref<ResultDoc | null>(null);
  const replays = ref<RunRecord[]>([]);
  const error = ref<unknown>(null);

  const polling = usePolling(async ({ alive }) => {
    try {
      const r = await source.run(tenant.value, id.value);
      if (!alive()) return false;
      run.value = r;
      error.value = null;
      if (isLive(r.state)) return true;
      if (r.state === "succeeded" && !result.value) {
        result.value = readResult(await source.result(tenant.value, id.value));
        replays.value = await source.replays(tenant.value, id.value);
      }
    } catch (e) {
      error.value = e;
    }
    return false;
  }, delay);

  watch(
    () => [tenant.value, id.value],
    () => {
      run.value = null;
      result.value = null;
      replays.value = [];
      void polling.restart();
    },
    { immediate: true },
  );

  /** Asks again now, polling from the quickest delay (after a cancel, say). */
  return { run, result, replays, error, reload: polling.restart };
}
