import { expect, type Page } from "@playwright/test";

/** Creates an API token on Admin → API tokens (the page must be signed in as an admin). */
export async function createApiToken(
  page: Page,
  token: { name: string; team: string; scopes: string[] },
): Promise<string> {
  await page.goto("/admin/tokens");
  const form = page.getByRole("form", { name: "Create API token" });
  await form.getByLabel("Name").fill(token.name);
  await form.getByLabel("Team").selectOption({ label: token.team });
  for (const scope of token.scopes) await form.getByLabel(scope).check();
  await form.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("new-token-secret").innerText()).trim();
  expect(secret).toMatch(/^fdk_/);
  return secret;
}
