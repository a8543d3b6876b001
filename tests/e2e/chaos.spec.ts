import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

test("an admin degrades a region; live errors rise there and fall back when stopped", async ({
  page,
}) => {
  // Its own experiment, told apart from other specs' by its reason.
  const reason = `e2e: burn-rate drill ${Date.now().toString(36)}`;
  await signIn(page, "admin@flightdeck.demo");
  const errorsOf = async (model: string) => {
    await page.goto("/");
    const row = page.getByTestId("live-traffic-row").filter({ hasText: model });
    const text = await row.locator("td").nth(2).innerText();
    return Number(text.replace("%", ""));
  };
  // fraud-scorer serves production in us-east-1 and us-west-2. Only notifications.spec rolls it
  // out (a 10% canary in us-west-2 for a few seconds: about 0.15% on its model-wide error rate,
  // well inside this test's margins), so this experiment is what moves its error rate.
  const before = await errorsOf("fraud-scorer");

  await page.getByRole("link", { name: "Chaos", exact: true }).click();
  const form = page.getByRole("form", { name: "Start a chaos experiment" });
  await form.getByLabel("Fault").selectOption("region_degradation");
  await form.getByLabel("Region").selectOption("us-east-1");
  await form.getByLabel("Strength (%)").fill("20");
  await form.getByLabel("Heals after (minutes)").fill("5");
  await form.getByLabel("Reason").fill(reason);
  page.once("dialog", (d) => d.accept());
  await form.getByRole("button", { name: "Start experiment" }).click();
  await expect(form.getByRole("status")).toHaveText("Started.");
  const row = page.getByTestId("chaos-row").filter({ hasText: reason });
  await expect(row).toContainText("20% of requests fail");
  await expect(row).toContainText("running");

  const during = await errorsOf("fraud-scorer");
  expect(during).toBeGreaterThan(before + 3);

  await page.goto("/admin/chaos");
  await row.getByRole("button", { name: "Stop and heal" }).click();
  await expect(row).toContainText("stopped");
  const after = await errorsOf("fraud-scorer");
  expect(after).toBeLessThan(before + 1);

  // Its start and its stop are audited (other specs' experiments have their own rows).
  const experiments = (await (await page.request.get("/api/v1/chaos")).json()) as {
    id: string;
    reason: string;
  }[];
  const id = experiments.find((e) => e.reason === reason)?.id;
  expect(id).toBeDefined();
  await page.goto(`/audit?action=chaos.&target=${id}`);
  await expect(page.getByTestId("audit-row")).toHaveCount(2);
});
