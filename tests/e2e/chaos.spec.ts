import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

test("an admin degrades a region; live errors rise there and fall back when stopped", async ({
  page,
}) => {
  await signIn(page, "admin@flightdeck.demo");
  const errorsOf = async (model: string) => {
    await page.goto("/");
    const row = page.getByTestId("live-traffic-row").filter({ hasText: model });
    const text = await row.locator("td").nth(2).innerText();
    return Number(text.replace("%", ""));
  };
  // ranker-xl serves production in us-east-1 (among others).
  const before = await errorsOf("ranker-xl");

  await page.getByRole("link", { name: "Chaos", exact: true }).click();
  const form = page.getByRole("form", { name: "Start a chaos experiment" });
  await form.getByLabel("Fault").selectOption("region_degradation");
  await form.getByLabel("Region").selectOption("us-east-1");
  await form.getByLabel("Strength (%)").fill("20");
  await form.getByLabel("Heals after (minutes)").fill("5");
  await form.getByLabel("Reason").fill("e2e: burn-rate drill");
  page.once("dialog", (d) => d.accept());
  await form.getByRole("button", { name: "Start experiment" }).click();
  await expect(form.getByRole("status")).toHaveText("Started.");
  const row = page.getByTestId("chaos-row").first();
  await expect(row).toContainText("20% of requests fail");
  await expect(row).toContainText("running");

  const during = await errorsOf("ranker-xl");
  expect(during).toBeGreaterThan(before + 3);

  await page.goto("/admin/chaos");
  await page
    .getByTestId("chaos-row")
    .first()
    .getByRole("button", { name: "Stop and heal" })
    .click();
  await expect(page.getByTestId("chaos-row").first()).toContainText("stopped");
  const after = await errorsOf("ranker-xl");
  expect(after).toBeLessThan(before + 1);

  await page.goto("/audit?action=chaos.");
  await expect(page.getByTestId("audit-row")).toHaveCount(2);
});
