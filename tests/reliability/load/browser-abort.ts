// The abort as a person gives it: a real Chromium (Debian's, never a downloaded one) signed in
// as an engineer opens the rollout's page while the load runs, presses Abort and confirms. Timed
// from the confirming click until the rollout's row and its platform object show the abort, and
// until the page itself shows it.
import { chromium } from "@playwright/test";
import { chromiumPath } from "../../e2e/support/chromium";
import type { StartedRollout } from "../support/rollouts";
import { waitAbortApplied } from "./abort";

export interface BrowserAbort {
  /** from the confirming click until the row and the platform object show the abort */
  appliedMs: number | null;
  /** from the confirming click until the page shows "aborted" */
  shownMs: number | null;
  /** opening the rollout's page under the load */
  pageLoadMs: number;
}

export async function browserAbort(
  url: string,
  databaseUrl: string,
  cookie: string,
  rollout: StartedRollout,
): Promise<BrowserAbort> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const context = await browser.newContext();
    await context.addCookies(
      cookie.split("; ").map((pair) => {
        const eq = pair.indexOf("=");
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url };
      }),
    );
    const page = await context.newPage();
    const opened = performance.now();
    await page.goto(`${url}/rollouts/${rollout.id}`, { timeout: 60_000 });
    await page.getByRole("button", { name: "Abort" }).click({ timeout: 60_000 });
    const pageLoadMs = Math.round(performance.now() - opened);
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Reason (optional)").fill("aborted under load");
    const clicked = performance.now();
    await dialog.getByRole("button", { name: "Confirm: abort" }).click();
    const [appliedMs, shownMs] = await Promise.all([
      waitAbortApplied(databaseUrl, rollout, clicked),
      page
        .locator('[data-testid="rollout-live"][data-status="aborted"]')
        .waitFor({ timeout: 30_000 })
        .then(
          () => Math.round(performance.now() - clicked),
          () => null,
        ),
    ]);
    return { appliedMs, shownMs, pageLoadMs };
  } finally {
    await browser.close();
  }
}
