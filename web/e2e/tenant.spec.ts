// An enterprise admin's task end to end: this year's report uploaded, a plugin enabled with a
// grant and a parameter, run, its result charted and downloaded as CSV.
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { at, demo, shot, signInWithToken } from "./demo";

/** A monthly report for one enterprise: 2025's twelve months, in the demo's column layout. */
function report(enterprise: string): string {
  const lines = ["enterprise_id,month,output_value,revenue,profit,energy_tce,electricity_kwh,water_m3,employees"];
  for (let m = 1; m <= 12; m++) {
    const output = 3000 + 40 * m;
    const energy = 170 + (m === 7 ? 120 : 3 * m);
    lines.push(`${enterprise},2025-${String(m).padStart(2, "0")},${output},${output * 0.92},${20 + m},${energy},${energy * 4800},5400,146`);
  }
  return lines.join("\n") + "\n";
}

test("an enterprise admin uploads a report, enables a plugin with a grant and a parameter, runs it and downloads the result", async ({ page }) => {
  const c = demo().console;
  const base = `/t/${c.admin_tenant}`;
  await signInWithToken(page, c.admin_token);

  await page.goto(at(`${base}/datasets`));
  await page.getByTestId("upload-file").setInputFiles({
    name: "monthly_indicators.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(report(c.admin_tenant.toUpperCase())),
  });
  await page.getByTestId("upload-name").fill("monthly_indicators");
  await page.getByTestId("upload-submit").click();
  await expect(page.getByTestId("upload-done")).toBeVisible();
  await expect(page.getByTestId("upload-progress")).toHaveAttribute("data-percent", "100");
  await shot(page, "datasets");

  await page.goto(at(`${base}/catalog`));
  await page.locator("[data-test=plugin-card][data-plugin='xian-demo/energy-intensity']").click();
  await expect(page.getByTestId("plugin-params")).toContainText("ratio");
  await shot(page, "plugin");

  await page.getByTestId("open-enable").click();
  // The grants default to what describe() asks for, within the tenant's datasets.
  await expect(page.getByTestId("grant-monthly_indicators-energy_tce")).toBeChecked();
  await expect(page.getByTestId("grant-monthly_indicators-water_m3")).not.toBeChecked();
  // A parameter the API would refuse is caught in the form, and the input is kept.
  await page.getByTestId("param-ratio").fill("lots");
  await page.getByTestId("enable").click();
  await expect(page.getByTestId("param-error-ratio")).toBeVisible();
  await expect(page.getByTestId("param-ratio")).toHaveValue("lots");
  await page.getByTestId("param-ratio").fill("1.2");
  await shot(page, "enable");
  await page.getByTestId("enable").click();
  await expect(page).toHaveURL(/\/enablements\?id=/);

  const id = new URL(page.url()).searchParams.get("id");
  const row = page.locator(`[data-test=enablement-row][data-id="${id}"]`);
  await expect(row).toContainText("1.2");
  await row.getByTestId("run-now").click();
  await expect(page).toHaveURL(/\/runs\//);
  await expect(page.getByTestId("run-state")).toContainText(/成功|succeeded/);
  const chart = page.getByTestId("result-chart").first();
  await expect(chart).toHaveAttribute("data-drawn", "true");
  await shot(page, "run-result");

  const download = page.waitForEvent("download");
  await page.getByTestId("download-csv").first().click();
  const csv = readFileSync((await (await download).path())!, "utf8");
  expect(csv.split("\n")[0]).toContain("enterprise_id");
  expect(csv).toContain(c.admin_tenant.toUpperCase());

  // Replayed on what it pinned, through the demo's worker: the same bytes.
  const original = page.url();
  await page.getByTestId("replay-run").click();
  await expect(page).not.toHaveURL(original);
  await expect(page.getByTestId("replay-verdict")).toHaveAttribute("data-outcome", "identical", { timeout: 30_000 });
  await shot(page, "replay");
  await page.goto(original);
  await expect(page.getByTestId("replays")).toContainText(/完全一致|Identical/);
});

test("an enterprise admin runs the TypeScript plugin the demo published, and its replay is identical", async ({ page }) => {
  const c = demo().console;
  const base = `/t/${c.admin_tenant}`;
  await signInWithToken(page, c.admin_token);

  // The catalog names the language its component was built from (ComponentizeJS: JavaScript).
  await page.goto(at(`${base}/catalog`));
  const card = page.locator("[data-test=plugin-card][data-plugin='xian-demo-ts/output-growth']");
  await expect(card.getByTestId("language")).toHaveAttribute("data-language", "javascript");

  await page.goto(at(`${base}/enablements`));
  await page.locator("[data-test=enablement-row][data-plugin='xian-demo-ts/output-growth']").getByTestId("run-now").click();
  await expect(page).toHaveURL(/\/runs\//);
  await expect(page.getByTestId("run-state")).toContainText(/成功|succeeded/);
  await expect(page.getByTestId("result-chart").first()).toHaveAttribute("data-drawn", "true");

  const original = page.url();
  await page.getByTestId("replay-run").click();
  await expect(page).not.toHaveURL(original);
  await expect(page.getByTestId("replay-verdict")).toHaveAttribute("data-outcome", "identical", { timeout: 30_000 });
});
