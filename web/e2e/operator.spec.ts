// The operator's day: the overview, the review desk, the audit chain, and the regional dashboard
// drilled from the region to a park, where a hidden cell shows as "—" and never as a number.
import { expect, test } from "@playwright/test";
import { at, demo, shot, signInWithToken } from "./demo";

test.beforeEach(async ({ page }) => {
  await signInWithToken(page, demo().operator_token);
});

test("the operator approves the pending version from the review desk and the audit chain verifies", async ({ page }) => {
  await page.goto(at("/overview"));
  await expect(page.getByTestId("ov-pending")).toContainText("1");
  await expect(page.getByTestId("ov-tenants")).toContainText(demo().tenants.toLocaleString("zh-CN"));
  await shot(page, "overview");

  await page.goto(at("/review"));
  const item = page.getByTestId("review-item").first();
  // Everything a reviewer decides on is on the card.
  for (const part of ["review-contract", "review-params", "review-datasets", "review-outputs", "review-sha256", "review-key", "review-changes"]) {
    await expect(item.getByTestId(part)).toBeVisible();
  }
  await shot(page, "review-desk");
  const subject = await item.getAttribute("data-subject");
  await item.getByTestId("approve").click();
  await item.getByTestId("confirm").click();
  await expect(page.getByTestId("action-done")).toBeVisible();
  await expect(page.locator(`[data-test=review-item][data-subject="${subject}"]`)).toHaveCount(0);

  await page.goto(at("/audit"));
  await expect(page.getByTestId("audit-row").first()).toContainText("version.approve");
  await page.getByTestId("verify-chain").click();
  await expect(page.getByTestId("verify-result")).toHaveAttribute("data-ok", "true");
  await expect(page.getByTestId("verify-result")).toContainText("哈希链完整");
  await shot(page, "audit");
});

test("the operator drills from the region to a park and sees hidden cells as — with their reason", async ({ page }) => {
  await page.goto(at("/dashboard"));
  await expect(page.getByTestId("headline-card").first()).toBeVisible();
  await expect(page.getByTestId("rollup-row").first()).toBeVisible();
  await shot(page, "dashboard");

  // Region → a district (its parks) → a park (its industries), by clicking the cells; each step
  // adds a breadcrumb. Try the district's parks in turn until one has a hidden cell beneath it.
  const hidden = page.getByTestId("cell-suppressed");
  await page.getByTestId("drill-bar").first().click();
  await expect(page.getByTestId("crumb")).toHaveCount(1);
  const parks = await page.getByTestId("drill-bar").count();
  for (let i = 0; i < parks; i++) {
    await page.getByTestId("drill-bar").nth(i).click();
    await expect(page.getByTestId("crumb")).toHaveCount(2);
    await expect(page.getByTestId("rollup-row").first()).toBeVisible();
    if ((await hidden.count()) > 0) break;
    await page.getByTestId("crumb").last().click();
    await expect(page.getByTestId("crumb")).toHaveCount(1);
  }
  await expect(hidden.first()).toBeVisible();
  // A hidden cell shows "—" and says why; no digit leaks into it.
  const row = page.locator("[data-test=rollup-row].hidden").first();
  for (const cell of await row.locator("td[data-test=cell-suppressed]").all()) {
    await expect(cell).toHaveText("—");
  }
  await expect(row.getByTestId("suppressed-reason")).not.toBeEmpty();
  await shot(page, "dashboard-park");

  // A reload keeps the drill, and the breadcrumb climbs back to the region.
  const url = page.url();
  await page.reload();
  await expect(page).toHaveURL(url);
  await expect(page.getByTestId("rollup-row").first()).toBeVisible();
  await page.getByTestId("breadcrumb").getByTestId("crumb").first().click();
  await expect(page.getByTestId("crumb-current")).toBeVisible();

  // The CSV of the view has the hidden cells as — too.
  const download = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const file = await (await download).path();
  expect(file).toBeTruthy();
});

test("the operator finds a tenant by part of its id, and the search stays in the URL", async ({ page }) => {
  const tenant = demo().console.admin_tenant;
  await page.goto(at("/tenants"));
  await page.getByTestId("tenant-search").fill(tenant.toUpperCase());
  await page.getByTestId("tenant-search-submit").click();
  await expect(page).toHaveURL(new RegExp(`q=${tenant.toUpperCase()}`));
  await expect(page.getByTestId("tenant-row")).toHaveCount(1);
  await expect(page.getByTestId("tenant-row")).toContainText(tenant);
  await page.reload();
  await expect(page.getByTestId("tenant-row")).toHaveCount(1);
  await shot(page, "tenants");
});
