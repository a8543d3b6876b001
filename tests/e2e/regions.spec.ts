import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";
import { audit } from "./support/axe";

/** Requests per second the drain page shows for a model in a region now. */
async function rpsOf(page: Page, model: string, region: string): Promise<number> {
  const row = page.locator(
    `[data-testid="traffic-row"][data-model="${model}"][data-region="${region}"]`,
  );
  return Number(await row.getAttribute("data-rps"));
}

// Runs by itself after the other journeys (@alone): it moves ranker-xl's production traffic out
// of us-east-1 for a few minutes, which other journeys' rollouts and live figures would feel.
test(
  "an engineer plans a drain of us-east-1, raises the tight model's autoscaler through the plan, executes it, watches the traffic move and undrains",
  { tag: "@alone" },
  async ({ page }) => {
    test.setTimeout(10 * 60_000);
    await signIn(page, "engineer@flightdeck.demo");
    await page.getByRole("link", { name: "Regions", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Regions" })).toBeVisible();
    const east = page.locator('[data-testid="region-row"][data-region="us-east-1"]');
    await expect(east).toBeVisible();
    await expect(
      page.locator(
        '[data-testid="model-shares"][data-model="ranker-xl"] [data-region="us-east-1"]',
      ),
    ).toContainText("%");

    // "Can we drain us-east-1?", for the ranking team's ranker-xl.
    const form = page.getByRole("form", { name: "Plan a region drain" });
    await form.getByLabel("Region to drain").selectOption("us-east-1");
    await form.getByLabel("Models").selectOption("model");
    await form.getByLabel("Team or model").fill("ranker-xl");
    await form.getByRole("button", { name: "Check capacity" }).click();
    await expect(
      page.getByRole("heading", { level: 1, name: "Can we drain us-east-1?" }),
    ).toBeVisible();
    await expect(page).toHaveURL(/region=us-east-1.*scope=model.*name=ranker-xl/);
    const ranker = page.locator('[data-testid="plan-model"][data-model="ranker-xl"]');
    await expect(ranker).toHaveAttribute("data-verdict", "tight");
    const west = ranker.locator('[data-testid="plan-region"][data-region="us-west-2"]');
    await expect(west).toContainText(/autoscaler stops at \d+ replicas/);

    // Raise its autoscaler's maximum through the plan: the model turns safe, nothing changed yet.
    const raise = west.getByLabel("Raise max to");
    const suggested = Number(await raise.inputValue());
    expect(suggested).toBeGreaterThan(0);
    // The demo's GPUs and quotas give the whole headroom at every hour of the simulated day (an
    // integration test plans it hour by hour), and the model turns safe. Should the other
    // journeys' work hold the GPUs, the suggestion says so ("all the free GPUs allow") and it
    // stays tight on headroom alone. Either way its autoscaler no longer stops it.
    const partly = /all the (free GPUs allow|team.s quota allows)/.test(
      (await west.textContent()) ?? "",
    );
    await west.getByRole("button", { name: "Raise in plan" }).click();
    await expect(west).toContainText(`→ ${suggested} (raised in this plan)`);
    await expect(west).not.toContainText(/autoscaler stops at/);
    await expect(ranker).toHaveAttribute("data-verdict", partly ? "tight" : "safe");
    await expect(page).toHaveURL(/raise/);

    // Execute: two steps of five seconds each, with analysis of us-west-2 between them.
    const execute = page.getByRole("form", { name: "Execute the plan" });
    await execute.getByLabel("Reason").fill("e2e: us-east-1 load balancer maintenance");
    await execute.getByLabel(/Steps/).fill("50, 100");
    await execute.getByLabel(/Each step holds/).fill("5");
    if (partly)
      await execute.getByRole("checkbox", { name: /I have read the capacity check/ }).check();
    page.once("dialog", (d) => d.accept());
    await execute.getByRole("button", { name: "Start drain" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Drain of us-east-1" })).toBeVisible();
    const status = page.getByTestId("drain-status");
    await expect(page.getByTestId("drain-timeline")).toContainText(
      /Raised autoscalers ahead of traffic: ranker-xl in us-west-2 to \d+–\d+/,
    );

    // The traffic moves in steps (new replicas start first), and the region ends drained.
    await expect(page.getByTestId("drain-progress")).toContainText("Step 1 of 2", {
      timeout: 4 * 60_000,
    });
    await expect(status.locator('[data-status="drained"]')).toBeVisible({ timeout: 3 * 60_000 });
    await expect.poll(() => rpsOf(page, "ranker-xl", "us-east-1")).toBe(0);
    expect(await rpsOf(page, "ranker-xl", "us-west-2")).toBeGreaterThan(0);
    await expect(page.getByTestId("drain-timeline")).toContainText("Analysis passed");
    await expect(status).not.toContainText("paused");
    expect(await audit(page, "a drained region's drain page")).toEqual([]);

    // Undrain: traffic returns to us-east-1 and the autoscaler gets its bounds back.
    page.once("dialog", (d) => d.accept());
    await status.getByRole("button", { name: "Undrain" }).click();
    await expect(status.locator('[data-status="undrained"]')).toBeVisible({ timeout: 4 * 60_000 });
    await expect(page.getByTestId("drain-timeline")).toContainText("Autoscalers restored");
    await expect.poll(() => rpsOf(page, "ranker-xl", "us-east-1")).toBeGreaterThan(0);
  },
);
