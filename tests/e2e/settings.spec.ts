import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

// Chromium in Berlin: the browser's zone is offered as a one-click choice.
test.use({ timezoneId: "Europe/Berlin" });

test("a person chooses to read times in their browser's zone; UTC stays on hover and is one click back", async ({
  page,
}) => {
  await signIn(page, "release2@flightdeck.demo");
  await page.getByTestId("current-user").getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1, name: "Your settings" })).toBeVisible();
  const example = page.getByTestId("time-example");
  await expect(example).toContainText("UTC");

  try {
    await page.getByRole("button", { name: "Use this browser's zone (Europe/Berlin)" }).click();
    await expect(page.getByRole("status")).toHaveText("Times are now shown in Europe/Berlin.");
    await expect(example).toContainText("GMT+1");
    // hovering any time still gives it in UTC
    await expect(example.locator("time")).toHaveAttribute("title", /UTC$/);

    // every page follows, e.g. the incidents list
    await page.goto("/incidents");
    const first = page.locator("main time").first();
    await expect(first).toContainText("GMT+1");
    await expect(first).toHaveAttribute("title", /UTC$/);

    // client components too: a rollout's live page (its history) and its charts' axes
    await page.goto("/rollouts");
    await page.getByTestId("rollout-row").first().getByRole("link").first().click();
    const live = page.getByTestId("rollout-live");
    await expect(live.locator("time").first()).toContainText("GMT+1");
  } finally {
    await page.goto("/settings");
    await page.getByRole("button", { name: "Back to UTC" }).click();
    await expect(page.getByRole("status")).toHaveText("Times are now shown in UTC.");
  }
  await expect(page.getByTestId("time-example")).toContainText("UTC");
  await expect(page.getByLabel("Show times in")).toHaveValue("UTC");
});
