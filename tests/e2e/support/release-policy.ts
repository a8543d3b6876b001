import { expect, type Browser, type TestInfo } from "@playwright/test";
import { signIn } from "./auth";

/**
 * Production takes changes only through promotions by default. Specs whose journeys start
 * rollouts directly in an environment first have the admin turn that off for it, on the
 * Release policy page, as a team that releases that way would.
 */
export async function allowDirectChanges(
  browser: Browser,
  testInfo: TestInfo,
  environment: string,
) {
  const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const page = await context.newPage();
  await signIn(page, "admin@flightdeck.demo");
  await page.goto("/promotions/policy");
  const form = page.getByRole("form", { name: `Policy of ${environment}` });
  const only = form.getByLabel(`${environment} takes changes only through promotions`);
  if (await only.isChecked()) {
    await only.uncheck();
    await form.getByRole("button", { name: "Save" }).click();
  }
  const row = page.getByTestId("environment-policy-row").filter({ hasText: environment });
  await expect(row.getByTestId("environment-changes")).toHaveText("Direct rollouts allowed");
  await context.close();
}
