// End-to-end tests in Debian's Chromium against a real `kiln demo` (SQLite + local files, the
// Xi'an demo data) that e2e/demo.ts starts and stops. Screenshots of the main pages are saved
// under test-results/screenshots; `KILN_SCREENSHOTS=docs` also writes them to docs/screenshots.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  globalTeardown: "./e2e/global-teardown.ts",
  // One demo serves every test; the scenarios run in order, as the users would.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  outputDir: "test-results/artifacts",
  use: {
    browserName: "chromium",
    // The console marks what tests touch with `data-test`.
    testIdAttribute: "data-test",
    locale: "zh-CN",
    viewport: { width: 1360, height: 900 },
    launchOptions: { executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});
