import { expect, test, type Page } from "@playwright/test";

async function ssoSignIn(page: Page, account: string) {
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in with Test SSO" }).click();
  // The identity provider's own login and consent screens.
  await page.locator("input[name=login]").fill(account);
  await page.locator("input[name=password]").fill("any");
  await page.locator("button[type=submit]").click();
  await page.locator("button[type=submit]", { hasText: /continue/i }).click();
}

test("single sign-on maps the user's groups to a role and team", async ({ page }) => {
  await ssoSignIn(page, "sso-oncall");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toContainText("SSO sso-oncall");
  await expect(page.getByTestId("current-role")).toHaveText("Engineer");
  await expect(page.getByTestId("current-user")).toContainText("Search & Ranking");
});

test("a single sign-on user whose groups map to no role sees nothing", async ({ page }) => {
  await ssoSignIn(page, "sso-outsider");
  await expect(page).toHaveURL(/\/no-access/);
  await expect(page.getByRole("heading", { name: "No role assigned" })).toBeVisible();
  await page.goto("/clusters");
  await expect(page).toHaveURL(/\/no-access/);
});
