// Signing in and out, the language switch, and tenant isolation in the browser.
import { expect, test } from "@playwright/test";
import { at, demo, signInWithToken } from "./demo";

test("the operator signs in with the one-time link, and the link then no longer works", async ({ page, browser }) => {
  const { console: c } = demo();
  await page.goto(c.operator_link);
  await expect(page.getByTestId("whoami")).toContainText("demo-operator");
  // Nothing of the link or the token is left where scripts or history could read it.
  expect(page.url()).not.toContain("link=");
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toContain("kiln_");
  expect(await page.evaluate(() => document.cookie)).toBe("");
  const cookies = await page.context().cookies();
  expect(cookies.map((k) => [k.name, k.httpOnly, k.sameSite])).toEqual([["kiln_session", true, "Strict"]]);

  const other = await browser.newContext({ locale: "zh-CN" });
  const again = await other.newPage();
  await again.goto(c.operator_link);
  await expect(again.getByTestId("problem")).toContainText("需要登录");
  await expect(again.getByTestId("whoami")).toHaveCount(0);
  await other.close();
});

test("the language follows the switch and survives a reload", async ({ page }) => {
  await signInWithToken(page, demo().operator_token);
  await expect(page.locator("header")).toContainText("区域监测");
  await page.getByTestId("lang").click();
  await expect(page.locator("header")).toContainText("Regional dashboard");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.reload();
  await expect(page.locator("header")).toContainText("Regional dashboard");
  await page.getByTestId("lang").click();
  await expect(page.locator("header")).toContainText("区域监测");
});

test("a tenant admin cannot reach another tenant's pages, by the UI or the URL", async ({ page }) => {
  const { console: c } = demo();
  await signInWithToken(page, c.admin_token);
  const other = c.admin_tenant === "e00001" ? "e00002" : "e00001";
  for (const path of [`/t/${other}/datasets`, `/t/${other}/runs`, "/review", "/dashboard"]) {
    await page.goto(at(path));
    await expect(page.getByTestId("not-found")).toBeVisible();
  }
  // The API refuses it too, whatever the page does.
  const status = await page.evaluate(async (t) => (await fetch(`/v1/tenants/${t}/datasets`)).status, other);
  expect(status).toBe(404);
  const rollup = await page.evaluate(async () => (await fetch("/v1/monitoring/rollup")).status);
  expect(rollup).toBe(403);
});

test("signing out ends the session on the service", async ({ page }) => {
  await signInWithToken(page, demo().operator_token);
  await page.getByTestId("signout").click();
  await expect(page).toHaveURL(/\/signin/);
  expect(await page.evaluate(async () => (await fetch("/v1/session")).status)).toBe(401);
  await page.goto(at("/audit"));
  await expect(page).toHaveURL(/\/signin\?next=/);
});
