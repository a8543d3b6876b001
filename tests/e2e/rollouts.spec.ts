import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";
import { allowDirectChanges } from "./support/release-policy";

async function startRollout(page: Page, model: string, steps: string) {
  await page.goto("/rollouts/new");
  const form = page.getByRole("form", { name: "Start a rollout" });
  await form.getByLabel("Model").selectOption(model);
  // The newest version is selected: the seed's healthy candidate.
  await form.getByLabel("Steps, one per line").fill(steps);
  await form.getByLabel("Waves, one per line").fill("production/us-east-1");
  page.once("dialog", (d) => void d.accept());
  await form.getByRole("button", { name: "Start rollout" }).click();
  await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
  return page.url();
}

// ranker-xl in production/us-east-1 is this file's (one test after the other: the abort first,
// then a rollout of the newest version to 100%); query-embedder's deployment in
// production/eu-west-1 is its one-click rollback's. No other spec changes either.
test.beforeAll(async ({ browser }, testInfo) => {
  await allowDirectChanges(browser, testInfo, "production/us-east-1");
});

const status = (page: Page) => page.getByTestId("rollout-live");

test("a seeded rollout its analysis aborted tells its story on its page, chart included", async ({
  page,
}) => {
  // The demo's history: ranker-xl's failed canary in production/us-east-1, days ago (read only).
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/rollouts?status=aborted&model=ranker-xl");
  await page
    .getByTestId("rollout-row")
    .filter({ hasText: "Analysis failed at step 2" })
    .first()
    .getByRole("link")
    .first()
    .click();
  await expect(status(page)).toHaveAttribute("data-status", "aborted");
  const steps = page.getByTestId("rollout-steps");
  await expect(steps).toContainText("Analysis 600 s, every 120 s");
  await expect(steps).not.toContainText("?");
  const runs = page.getByTestId("analysis-runs");
  await expect(runs.getByRole("listitem")).toHaveCount(2);
  await expect(runs).toContainText("Canary errors");
  // The canary is still on the error-rate chart, with the reading that aborted it.
  const errors = page.getByRole("figure").filter({ hasText: "Error rate" });
  await expect(errors.getByTestId("chart-reading")).toContainText(/canary \d+\.\d{2}%/);
  await expect(errors.getByTestId("chart-reading")).not.toContainText("canary —");
  await expect(errors.getByRole("img", { name: /^Error rate: / })).toHaveAttribute(
    "aria-label",
    /2 analysis intervals over the limit; aborted at /,
  );
});

test("an engineer aborts a rollout and rolls back; a viewer sees no action buttons", async ({
  page,
}) => {
  // Told apart from other specs' rollbacks in the audit log by its reason.
  const reason = `back to stable (e2e ${Date.now().toString(36)})`;
  await signIn(page, "release@flightdeck.demo");
  const url = await startRollout(page, "ranker-xl", "weight 20\npause\nweight 100");
  await expect(status(page)).toHaveAttribute("data-status", "paused", { timeout: 15_000 });

  await page.context().clearCookies();
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto(url);
  await expect(page.getByTestId("rollout-steps")).toBeVisible();
  await expect(page.getByRole("region", { name: "Actions" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Abort|Promote|Pause|Roll back/ })).toHaveCount(0);
  await page.goto("/rollouts");
  await expect(page.getByRole("link", { name: "New rollout" })).toHaveCount(0);

  await page.context().clearCookies();
  await signIn(page, "engineer@flightdeck.demo");
  await page.goto(url);
  // Engineers operate (pause, abort, roll back) but do not promote.
  await expect(page.getByRole("button", { name: "Promote", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Abort" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("blast-radius")).toContainText(
    /20% of production\/us-east-1 \(region us-east-1\) traffic \(about \d+ user requests per second\) goes back to/,
  );
  await dialog.getByLabel("Reason (optional)").fill("p99 looks off");
  await dialog.getByRole("button", { name: "Confirm: abort" }).click();
  await expect(status(page)).toHaveAttribute("data-status", "aborted", { timeout: 5_000 });
  await expect(page.getByTestId("rollout-reason")).toContainText("p99 looks off");

  await page.getByRole("button", { name: "Roll back" }).click();
  const rollback = page.getByRole("dialog");
  await expect(rollback.getByTestId("blast-radius")).toContainText("moves to");
  await rollback.getByLabel("Reason (optional)").fill(reason);
  await rollback.getByRole("button", { name: "Confirm: roll back" }).click();
  await expect(page).not.toHaveURL(url);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("ranker-xl");
  await expect(status(page)).toHaveAttribute("data-status", "completed");
  await expect(page.getByTestId("rollout-history")).toContainText(
    "engineer@flightdeck.demo rolled",
  );

  await page.goto("/audit?action=rollout.");
  await expect(page.getByTestId("audit-row").filter({ hasText: reason })).toContainText(
    "rollout.rollback",
  );
});

test("a release manager starts a rollout and promotes it; the page follows without a reload", async ({
  page,
}) => {
  await signIn(page, "release@flightdeck.demo");
  // A plan with a mistake is refused with the reason, and nothing starts.
  await page.goto("/rollouts/new");
  const form = page.getByRole("form", { name: "Start a rollout" });
  await form.getByLabel("Model").selectOption("ranker-xl");
  await form.getByLabel("Steps, one per line").fill("weight 50\nweight 20");
  page.once("dialog", (d) => void d.accept());
  await form.getByRole("button", { name: "Start rollout" }).click();
  await expect(form.getByRole("alert")).toContainText("weights must rise");

  await startRollout(page, "ranker-xl", "weight 10\npause\nweight 100");
  await expect(status(page)).toHaveAttribute("data-status", "paused", { timeout: 15_000 });
  await expect(page.getByTestId("rollout-weight")).toHaveText(/^10% on/);

  await page.getByRole("button", { name: "Promote", exact: true }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("blast-radius")).toContainText("production/us-east-1");
  await expect(dialog.getByTestId("blast-radius")).toContainText("100%");
  await dialog.getByRole("button", { name: "Confirm: promote" }).click();
  // Reflected live: no reload.
  await expect(status(page)).toHaveAttribute("data-status", "completed", { timeout: 5_000 });
  await expect(page.getByTestId("rollout-weight")).toHaveText(/^100% on/);
  await expect(page.getByTestId("traffic-split")).toContainText(": 100%");
  await expect(page.getByTestId("rollout-history")).toContainText(
    "release@flightdeck.demo promoted to the next step",
  );
});

test("on-call rolls a deployment back to its previous version in one click", async ({ page }) => {
  await signIn(page, "engineer@flightdeck.demo");
  await page.goto("/models");
  await page
    .getByTestId("model-row")
    .filter({ hasText: "query-embedder" })
    .getByRole("link", { name: "production/eu-west-1" })
    .click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "query-embedder in production/eu-west-1",
  );
  const button = page.getByRole("button", { name: /^Roll back to / });
  const target = ((await button.innerText()).match(/Roll back to (\S+)/) ?? [])[1] ?? "";
  let confirmText = "";
  page.once("dialog", (d) => {
    confirmText = d.message();
    void d.accept();
  });
  await button.click();
  await expect(page.getByTestId("deployment-history").getByRole("listitem").first()).toContainText(
    `→ ${target}`,
  );
  expect(confirmText).toMatch(/Blast radius: all production\/eu-west-1 traffic/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  // The rollback is applied in the background as soon as the platform answers; the page shows
  // what serves on its next load (a fresh-clone run on two busy cores needed more than one).
  await expect(async () => {
    await page.reload();
    await expect(
      page.getByText(new RegExp(`Serving ${target.replaceAll(".", "\\.")} \\(100%\\)`)),
    ).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
});
