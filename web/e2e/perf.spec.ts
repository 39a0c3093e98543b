// How fast the dashboard draws on the demo's 2,000 tenants, and how much script the console
// ships, read from the browser's Performance API. Recorded (test-results/perf.json and the
// run's output) for docs/benchmarks.md; tests check behaviour, so no timing is asserted.
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, test } from "@playwright/test";
import { at, demo, signInWithToken } from "./demo";

test("the dashboard's first chart and a drill-down redraw are measured", async ({ page }) => {
  await signInWithToken(page, demo().operator_token);
  const runs: { first_chart_ms: number; drill_redraw_ms: number }[] = [];
  for (let i = 0; i < 5; i++) {
    // A full navigation each time: nothing cached in the page, the service warm.
    await page.goto(at("/dashboard"));
    await page.waitForFunction(() => performance.getEntriesByName("kiln:chart-drawn", "mark").length > 0);
    const first = await page.evaluate(() => performance.getEntriesByName("kiln:chart-drawn", "mark")[0]!.startTime);
    await page.evaluate(() => performance.clearMarks("kiln:chart-drawn"));
    await page.getByTestId("drill-bar").first().click();
    await page.waitForFunction(() => performance.getEntriesByName("kiln:drill-redraw", "measure").length > 0);
    const drill = await page.evaluate(() => performance.getEntriesByName("kiln:drill-redraw", "measure")[0]!.duration);
    runs.push({ first_chart_ms: first, drill_redraw_ms: drill });
  }
  const scripts = await page.evaluate(() =>
    (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
      .filter((r) => r.name.endsWith(".js"))
      .map((r) => ({ name: new URL(r.name).pathname, encoded: r.encodedBodySize, decoded: r.decodedBodySize })),
  );
  expect(scripts.length).toBeGreaterThan(0);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const report = {
    tenants: demo().tenants,
    first_chart_ms_median: Math.round(median(runs.map((r) => r.first_chart_ms))),
    drill_redraw_ms_median: Math.round(median(runs.map((r) => r.drill_redraw_ms))),
    runs,
    dashboard_js_gzipped_bytes: scripts.reduce((n, s) => n + s.encoded, 0),
    scripts,
  };
  const out = resolve(import.meta.dirname, "../test-results");
  mkdirSync(out, { recursive: true });
  writeFileSync(resolve(out, "perf.json"), JSON.stringify(report, null, 2));
  console.log(
    `dashboard on ${report.tenants} tenants: first chart ${report.first_chart_ms_median} ms after navigation, ` +
      `drill redraw ${report.drill_redraw_ms_median} ms (medians of 5); its scripts ${report.dashboard_js_gzipped_bytes} B gzipped`,
  );
});
