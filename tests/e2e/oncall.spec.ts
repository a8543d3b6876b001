import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";
import { allowDirectChanges } from "./support/release-policy";
import { createApiToken } from "./support/tokens";
import { versionBehaviour } from "../../src/lib/platform/simulator/behaviour";

// The on-call journey, opened by Alertmanager instead of a real burn: the page arrives as soon
// as the bad rollout has landed. The same journey driven by a real burn-rate page (minutes of
// waiting) is `npm run reliability` (tests/reliability/oncall-burn.spec.ts).
//
// Its own model and environment, so it runs beside any other spec: query-embedder in
// production/us-east-1 is changed by no other spec (they roll out ranker-xl there, and
// query-embedder elsewhere), so its rollout is the only one of this model and region in
// "what changed?".
const DEMO_SEED = 20261129;
const MODEL = "query-embedder";
const ENVIRONMENT = "production/us-east-1";
const run = randomBytes(3).toString("hex");
const SLO = `query-embedder-oncall-${run}`;
const TITLE = `Query Embedder 5xx in us-east-1 (e2e ${run})`;

async function signInAs(page: Page, email: string) {
  await page.context().clearCookies();
  await signIn(page, email);
}

/** An Alertmanager notification of one page alert naming the model, region and SLO. */
function notification(status: "firing" | "resolved", startsAt: Date, endsAt?: Date) {
  const labels = {
    alertname: "SloErrorBudgetBurn",
    service: MODEL,
    region: "us-east-1",
    slo: SLO,
    severity: "page",
    team: "ranking",
  };
  return {
    receiver: "flightdeck",
    status,
    alerts: [
      {
        status,
        labels,
        annotations: {
          summary: TITLE,
          description: "5xx above 1% since the last rollout (e2e).",
        },
        startsAt: startsAt.toISOString(),
        endsAt: (endsAt ?? new Date(startsAt.getTime() + 3_600_000)).toISOString(),
        generatorURL: "",
        fingerprint: `e2e-oncall-${run}`,
      },
    ],
    groupLabels: { alertname: "SloErrorBudgetBurn" },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: "http://alertmanager.monitoring.svc:9093",
    version: "4",
    groupKey: `{}:{alertname="SloErrorBudgetBurn", run="${run}"}`,
  };
}

test.beforeAll(async ({ browser }, testInfo) => {
  await allowDirectChanges(browser, testInfo, ENVIRONMENT);
});

test("an Alertmanager page opens an incident, on-call acknowledges it and rolls the bad rollout back from what changed", async ({
  page,
  request,
  baseURL,
}) => {
  // The ranking team's Alertmanager receiver gets a token that may work incidents.
  await signInAs(page, "admin@flightdeck.demo");
  const token = await createApiToken(page, {
    name: `alertmanager-e2e-${run}`,
    team: "Search & Ranking",
    scopes: ["incident.work"],
  });

  // The SLO the alert names. It never pages by itself (no burn-rate alerts of its own; a loose
  // objective whose budget this test cannot spend): Alertmanager is what pages here.
  await signInAs(page, "engineer@flightdeck.demo");
  const created = await page.request.post("/api/v1/slos", {
    headers: { origin: baseURL ?? "" },
    data: {
      name: SLO,
      displayName: "Query Embedder on-call drill",
      service: MODEL,
      team: "ranking",
      sliKind: "availability",
      objective: 0.9,
      window: { kind: "rolling", days: 30 },
      budgetingMethod: "occurrences",
      alerts: [],
    },
  });
  expect(created.status()).toBe(201);

  // A release manager ships query-embedder's bad candidate (elevated 5xx) straight to 100% in
  // production/us-east-1, without analysis.
  await signInAs(page, "release@flightdeck.demo");
  await page.goto("/rollouts/new");
  const form = page.getByRole("form", { name: "Start a rollout" });
  await form.getByLabel("Model").selectOption(MODEL);
  const versions = await form.getByLabel("Version").locator("option").allTextContents();
  const bad = versions
    .map((v) => v.trim())
    .find((v) => versionBehaviour(DEMO_SEED, MODEL, v).fault === "errors");
  expect(bad, `a faulty ${MODEL} candidate among ${versions.join(", ")}`).toBeDefined();
  await form.getByLabel("Version").selectOption(bad!);
  await form.getByLabel("Steps, one per line").fill("weight 100");
  await form.getByLabel("Waves, one per line").fill(ENVIRONMENT);
  page.once("dialog", (d) => void d.accept());
  await form.getByRole("button", { name: "Start rollout" }).click();
  await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
  const rolloutUrl = new URL(page.url()).pathname;
  await expect(page.getByTestId("rollout-live")).toHaveAttribute("data-status", "completed", {
    timeout: 30_000,
  });

  // Alertmanager pages: the alert opens an incident.
  const firedAt = new Date();
  const fired = await request.post("/api/v1/alerts/alertmanager", {
    headers: { authorization: `Bearer ${token}` },
    data: notification("firing", firedAt),
  });
  expect(fired.status()).toBe(200);
  const { alerts } = (await fired.json()) as { alerts: { outcome: string; incident: number }[] };
  expect(alerts).toEqual([expect.objectContaining({ outcome: "opened" })]);
  const incidentUrl = `/incidents/${alerts[0]?.incident}`;

  // On-call finds it on the home page.
  await signInAs(page, "engineer@flightdeck.demo");
  const board = page.getByTestId("oncall-incidents");
  await board.getByRole("link", { name: new RegExp(`e2e ${run}`) }).click();
  await expect(page).toHaveURL(incidentUrl);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(TITLE);
  const badges = page.getByRole("group", { name: "Severity and status" });
  await expect(badges).toContainText("SEV2");
  await expect(badges).toContainText("triage");
  await expect(page.getByRole("link", { name: SLO })).toBeVisible();
  await page.getByRole("button", { name: "Acknowledge" }).click();
  await expect(badges).toContainText("investigating");

  // What changed? The bad rollout is at the top, with its live evidence.
  const top = page.getByTestId("suspected-change").first();
  await expect(top).toContainText(`Rollout of ${MODEL}`);
  await expect(top).toContainText(`→ ${bad} in ${ENVIRONMENT}`);
  await expect(top.getByRole("link").first()).toHaveAttribute("href", rolloutUrl);
  await expect(top.getByTestId("change-evidence")).toContainText("Error rate");
  await top.getByRole("button", { name: "Roll back" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("blast-radius")).toContainText(
    `All ${ENVIRONMENT} traffic for ${MODEL} moves from ${bad} to`,
  );
  await dialog.getByLabel("Reason (optional)").fill(`5xx since the rollout (e2e ${run})`);
  await dialog.getByRole("button", { name: "Confirm: roll back" }).click();
  // The card says so at once, or, once the page refreshed, that the rollback replaced it.
  await expect(top).toContainText(
    /Rolling back to \S+\.|A later rollout or rollback of this model in this environment replaced it\./,
  );

  // The rollback lands on the timeline; Alertmanager says the alert resolved; on-call marks
  // the incident mitigated.
  const timeline = page.getByRole("list", { name: "Timeline" });
  await expect(async () => {
    await page.reload();
    await expect(timeline).toContainText(`engineer@flightdeck.demo rolled ${ENVIRONMENT} back to`, {
      timeout: 1_000,
    });
  }).toPass({ timeout: 30_000 });
  const resolved = await request.post("/api/v1/alerts/alertmanager", {
    headers: { authorization: `Bearer ${token}` },
    data: notification("resolved", firedAt, new Date()),
  });
  expect(resolved.status()).toBe(200);
  await page.reload();
  await expect(timeline).toContainText(`Alert resolved`);
  await expect(timeline).toContainText(TITLE);
  await page.getByRole("button", { name: "Mark mitigated", exact: true }).click();
  await expect(badges).toContainText("mitigated");
  await expect(timeline).toContainText("Status: mitigated");

  await page.goto("/audit?action=rollout.rollback");
  // Engineers see actors by name; emails are for admins.
  await expect(
    page
      .getByTestId("audit-row")
      .filter({ hasText: `e2e ${run}` })
      .first(),
  ).toContainText("Eli Engineer");

  // Leave no SLO behind for later tests.
  const current = (await (await page.request.get(`/api/v1/slos/${SLO}`)).json()) as {
    version: number;
  };
  const removed = await page.request.delete(`/api/v1/slos/${SLO}?version=${current.version}`, {
    headers: { origin: baseURL ?? "" },
  });
  expect(removed.ok()).toBe(true);
});
