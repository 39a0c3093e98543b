// A maker sees their namespace's plugins and versions with their review state, and how to
// publish; they cannot open operator or tenant pages.
import { expect, test } from "@playwright/test";
import { at, demo, shot } from "./demo";

test("the maker sees each version's review state, the one awaiting review among them", async ({ page }) => {
  await page.goto(demo().console.maker_link);
  await expect(page.getByTestId("whoami")).toContainText("demo-maker");
  await expect(page).toHaveURL(/\/maker/);
  const pending = page.getByTestId("maker-version").filter({ hasText: "0.1.1" });
  await expect(pending).toContainText("待审核");
  await expect(page.getByTestId("how-to-publish")).toContainText("kiln plugin publish");
  await shot(page, "maker");
  for (const path of ["/review", `/t/${demo().console.admin_tenant}/catalog`]) {
    await page.goto(at(path));
    await expect(page.getByTestId("not-found")).toBeVisible();
  }
});
