// The on-call drill with a real burn (`npm run reliability`, not `npm test`): a bad rollout
// really burns a fast-paging SLO, its page alert opens the incident by itself, and the incident
// is mitigated by itself once the rollback stops the burn. It waits minutes on the app's real
// clock; `npm test` runs the same on-call journey opened by Alertmanager (tests/e2e/oncall.spec.ts).
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "../e2e/support/auth";
import { allowDirectChanges } from "../e2e/support/release-policy";
import { versionBehaviour } from "../../src/lib/platform/simulator/behaviour";

const DEMO_SEED = 20261129;
const SLO = "ranker-xl-oncall-drill";
const MINUTE = 60_000;

async function signInAs(page: Page, email: string) {
  await page.context().clearCookies();
  await signIn(page, email);
}

/**
 * Earlier tests inject faults into the fleet (chaos); an SLO created now reads the last hour,
 * and its 5-minute page window would fire on their traces. Wait until the fleet has been quiet
 * for longer than that window.
 */
async function waitForQuietFleet(page: Page) {
  const res = await page.request.get("/api/v1/chaos");
  expect(res.ok()).toBe(true);
  const experiments = (await res.json()) as { endsAt: string; stoppedAt: string | null }[];
  const lastEnd = Math.max(
    0,
    ...experiments.map((e) => new Date(e.stoppedAt ?? e.endsAt).getTime()),
  );
  const wait = lastEnd + 6 * MINUTE - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
}

test.beforeAll(async ({ browser }, testInfo) => {
  await allowDirectChanges(browser, testInfo, "production/us-east-1");
});

test("a bad rollout burns an SLO, its page alert opens an incident, on-call rolls the rollout back from what changed, and the incident is mitigated as the burn stops", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(16 * MINUTE);
  await signInAs(page, "engineer@flightdeck.demo");
  await waitForQuietFleet(page);

  // An availability SLO for ranker-xl that pages fast: 0.02% of a 30-day budget in 5 minutes
  // (a burn above 1.73x over 5 minutes and over 1 minute).
  const created = await page.request.post("/api/v1/slos", {
    headers: { origin: baseURL ?? "" },
    data: {
      name: SLO,
      displayName: "Ranker XL on-call drill",
      service: "ranker-xl",
      team: "ranking",
      sliKind: "availability",
      objective: 0.999,
      window: { kind: "rolling", days: 30 },
      budgetingMethod: "occurrences",
      alerts: [
        { severity: "page", budgetFraction: 0.0002, longWindowMinutes: 5, shortWindowMinutes: 1 },
      ],
    },
  });
  expect(created.status()).toBe(201);

  // A release manager ships ranker-xl's bad candidate (elevated 5xx) straight to 100% in
  // production/us-east-1, without analysis.
  await signInAs(page, "release@flightdeck.demo");
  await page.goto("/rollouts/new");
  const form = page.getByRole("form", { name: "Start a rollout" });
  await form.getByLabel("Model").selectOption("ranker-xl");
  const versions = await form.getByLabel("Version").locator("option").allTextContents();
  const bad = versions.find(
    (v) => versionBehaviour(DEMO_SEED, "ranker-xl", v.trim()).fault === "errors",
  );
  expect(bad, `a faulty ranker-xl candidate among ${versions.join(", ")}`).toBeDefined();
  await form.getByLabel("Version").selectOption(bad!.trim());
  await form.getByLabel("Steps, one per line").fill("weight 100");
  await form.getByLabel("Waves, one per line").fill("production/us-east-1");
  page.once("dialog", (d) => void d.accept());
  await form.getByRole("button", { name: "Start rollout" }).click();
  await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
  const rolloutUrl = new URL(page.url()).pathname;
  await expect(page.getByTestId("rollout-live")).toHaveAttribute("data-status", "completed", {
    timeout: 30_000,
  });

  // The burn pages: an incident opens by itself, and on-call finds it on the home page.
  await signInAs(page, "engineer@flightdeck.demo");
  const board = page.getByTestId("oncall-incidents");
  await expect(async () => {
    await page.goto("/");
    await expect(board.getByRole("link", { name: /Ranker XL on-call drill/ })).toBeVisible({
      timeout: 1_000,
    });
  }).toPass({ timeout: 6 * MINUTE, intervals: [5_000] });
  await board.getByRole("link", { name: /Ranker XL on-call drill/ }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(
    "Ranker XL on-call drill: error budget burning at",
  );
  await expect(
    page.getByText("Opened automatically by a page-severity burn-rate alert", { exact: true }),
  ).toBeVisible();
  await page.getByRole("button", { name: "Acknowledge" }).click();
  await expect(page.getByRole("group", { name: "Severity and status" })).toContainText(
    "investigating",
  );

  // What changed? The bad rollout is at the top, with its live evidence.
  const top = page.getByTestId("suspected-change").first();
  await expect(top).toContainText(`Rollout of ranker-xl`);
  await expect(top).toContainText(`→ ${bad!.trim()} in production/us-east-1`);
  await expect(top.getByRole("link").first()).toHaveAttribute("href", rolloutUrl);
  await expect(top.getByTestId("change-evidence")).toContainText("Error rate");
  await top.getByRole("button", { name: "Roll back" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("blast-radius")).toContainText(
    `All production/us-east-1 traffic for ranker-xl moves from ${bad!.trim()} to`,
  );
  await dialog.getByLabel("Reason (optional)").fill("5xx since the rollout");
  await dialog.getByRole("button", { name: "Confirm: roll back" }).click();
  await expect(top.getByRole("status")).toContainText("Rolling back to");

  // The rollback lands on the timeline, the burn stops, and the incident is mitigated.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("group", { name: "Severity and status" })).toContainText(
      "mitigated",
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 6 * MINUTE, intervals: [5_000] });
  const timeline = page.getByRole("list", { name: "Timeline" });
  await expect(timeline).toContainText(
    "engineer@flightdeck.demo rolled production/us-east-1 back to",
  );
  await expect(timeline).toContainText("Status: mitigated (the burn stopped");
  await expect(timeline).toContainText(`Burn-rate page alert on ${SLO}`);

  await page.goto("/audit?action=rollout.rollback");
  // Engineers see actors by name; emails are for admins.
  await expect(page.getByTestId("audit-row").first()).toContainText("Eli Engineer");

  // Leave no fast-paging SLO behind for later tests. Its budget is spent, so deleting it would
  // lift ranker-xl's freeze: that takes an admin and a reason.
  await signInAs(page, "admin@flightdeck.demo");
  const current = (await (await page.request.get(`/api/v1/slos/${SLO}`)).json()) as {
    version: number;
  };
  const removed = await page.request.delete(
    `/api/v1/slos/${SLO}?version=${current.version}&overrideReason=${encodeURIComponent("on-call drill over")}`,
    { headers: { origin: baseURL ?? "" } },
  );
  expect(removed.ok()).toBe(true);
});
