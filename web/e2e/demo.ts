// What the tests share: the demo's summary, signing in, and screenshots of the main pages.
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, type Page } from "@playwright/test";

/** The parts of `kiln demo --json` the tests use. */
export interface Demo {
  url: string;
  operator_token: string;
  tenants: number;
  console: {
    url: string;
    operator_link: string;
    admin_link: string;
    admin_tenant: string;
    admin_token: string;
    maker_link: string;
    maker_token: string;
  };
}

/** The running demo's summary. */
export function demo(): Demo {
  const file = process.env.KILN_DEMO;
  if (!file) throw new Error("KILN_DEMO is unset: run the tests through `npm run e2e`");
  return JSON.parse(readFileSync(file, "utf8")) as Demo;
}

/** An absolute URL on the demo. */
export function at(path: string): string {
  return new URL(path, demo().url).toString();
}

/** Signs in by pasting a token, as a user would, and waits for the home page. */
export async function signInWithToken(page: Page, token: string): Promise<void> {
  await page.goto(at("/signin"));
  await page.getByTestId("token").fill(token);
  await page.getByTestId("signin").click();
  await expect(page.getByTestId("whoami")).toBeVisible();
}

const SHOTS = resolve(import.meta.dirname, "../test-results/screenshots");
const DOCS = resolve(import.meta.dirname, "../../docs/screenshots");

/** Saves a screenshot of the page; with KILN_SCREENSHOTS=docs, also the committed copy. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  if (process.env.KILN_SCREENSHOTS === "docs") {
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });
  }
}
