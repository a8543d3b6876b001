import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

const DAY = 86_400_000;

/** The UTC month key ("2026-08") of a date. */
function monthOf(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

test("leadership reviews a month: attainment against target, causes, CSV and print", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/slos");
  // Leadership reads; it does not define SLOs.
  await expect(page.getByRole("link", { name: "New SLO" })).toHaveCount(0);
  await page.getByRole("link", { name: "Leadership review" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Reliability review:");
  await expect(page.getByTestId("review-team")).toHaveCount(3);

  // The month of the seeded six-hour speech outage (96 days ago) missed its objective.
  const outageAt = new Date(Date.now() - 96 * DAY);
  const month = monthOf(outageAt);
  await page.getByLabel("Period", { exact: true }).selectOption(month);
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(new RegExp(`period=${month}`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(
    outageAt.toLocaleString("en", { month: "long", timeZone: "UTC" }),
  );
  const outage = page.locator('[data-testid="review-row"][data-slo="speech-asr-availability"]');
  await expect(outage.getByText("missed")).toBeVisible();
  await expect(page.getByTestId("review-totals")).toContainText("missed");
  await expect(page.getByTestId("worst-offenders").locator("tbody tr").first()).toContainText(
    "speech-asr-availability",
  );

  // The same review as CSV, one line per SLO, then the summary's sections.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  const file = await (await download).path();
  const [perSlo, ...sections] = readFileSync(file, "utf8").trim().split("\n\n");
  const lines = perSlo!.split("\n");
  expect(sections.map((s) => s.split("\n")[1]?.split(",")[0])).toEqual([
    "summary",
    "summary_teams",
    "summary_worst",
    "summary_trend",
    "delivery_by_team",
  ]);
  expect(lines[0]).toMatch(/^period,team,service,slo,objective,attainment/);
  // Every SLO of every team (a team's table lists at most its ten exceptions otherwise).
  await page.goto(`/slos/review?period=${month}&slos=all`);
  await expect(page.getByTestId("review-every-slo")).toBeVisible();
  const rows = await page.getByTestId("review-row").count();
  expect(lines).toHaveLength(rows + 1);
  const speech = lines.find((l) => l.includes(",speech-asr-availability,"));
  expect(speech?.split(",")[8]).toBe("false");

  // Printed, the page is the report alone: no navigation, no controls.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("navigation", { name: "Breadcrumb" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Print" })).toBeHidden();
  await expect(page.getByTestId("review-team").first()).toBeVisible();
});

test("an engineer defines an SLO, fixes a validation error, edits it, and imports OpenSLO", async ({
  page,
}) => {
  await signIn(page, "engineer@flightdeck.demo");
  await page.goto("/slos?team=ranking&group=service");
  await expect(page.getByTestId("slo-group").first()).toHaveText("query-embedder");
  await page.getByRole("link", { name: "New SLO" }).click();

  await page.getByLabel("Name", { exact: true }).fill("ranker-xl-e2e-latency");
  await page.getByLabel("Service (model)").selectOption("ranker-xl");
  await page.getByLabel("SLI").selectOption("latency");
  await page.getByLabel("Objective (%)").fill("100");
  await page.getByRole("button", { name: "Create SLO" }).click();
  // Nothing is saved: the latency SLO needs its threshold, and 100% leaves no budget.
  await expect(page.getByText(/needs a threshold/)).toBeVisible();
  await expect(page.getByText(/must be below 1/)).toBeVisible();
  await page.getByLabel("Threshold (milliseconds)").fill("300");
  await page.getByLabel("Objective (%)").fill("99.5");
  await page.getByLabel("Window").selectOption("28");
  // The alert thresholds follow the window: 2% of a 28-day budget in 1 h is 13.44x.
  await expect(page.getByText("burn rate above 13.44×")).toBeVisible();
  await page.getByRole("button", { name: "Create SLO" }).click();

  await expect(page).toHaveURL(/\/slos\/ranker-xl-e2e-latency$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("ranker-xl-e2e-latency");
  await expect(page.getByText("99.5% over a rolling 28 d window")).toBeVisible();
  // The worker feeds the new SLO from the platform's metrics within a few ticks.
  await expect(page.getByTestId("slo-status").getByText("no data")).toHaveCount(0, {
    timeout: 45_000,
  });

  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Objective (%)").fill("99");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("99% over a rolling 28 d window")).toBeVisible();

  // Export it as OpenSLO, rename it, and import it back: created once, unchanged the second time.
  const exported = await page.request.get("/api/v1/slos/export?names=ranker-xl-e2e-latency");
  expect(exported.ok()).toBe(true);
  const yaml = (await exported.text()).replaceAll("ranker-xl-e2e-latency", "ranker-xl-e2e-copy");
  expect(yaml).toContain("apiVersion: openslo/v1");
  await page.goto("/slos/import");
  await page.getByLabel("YAML documents").fill(yaml);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("import-result")).toContainText("Created: ranker-xl-e2e-copy");
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("import-result")).toContainText("Unchanged: ranker-xl-e2e-copy");
  // A broken document names itself and its field, and nothing is imported.
  await page.getByLabel("YAML documents").fill(yaml.replace(/target: 0\.99\b/, "target: 2"));
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "SLO/ranker-xl-e2e-copy" })).toBeVisible();

  // The Prometheus rules of the SLO download from its page.
  const rules = await page.request.get("/api/v1/slos/ranker-xl-e2e-latency/rules");
  expect(await rules.text()).toContain("record: slo:sli_error:ratio_rate5m");

  // Remove both: a spent budget on them would freeze ranker-xl, which other specs roll out.
  for (const name of ["ranker-xl-e2e-latency", "ranker-xl-e2e-copy"]) {
    const { version } = (await (await page.request.get(`/api/v1/slos/${name}`)).json()) as {
      version: number;
    };
    const removed = await page.request.delete(`/api/v1/slos/${name}?version=${version}`, {
      headers: { origin: new URL(page.url()).origin },
    });
    expect(removed.ok(), `delete ${name}`).toBe(true);
  }
});

test("an exhausted budget release holds a service's rollouts until an admin overrides it for a fix", async ({
  page,
}) => {
  await signIn(page, "admin@flightdeck.demo");
  // An objective the simulated service cannot meet: its budget is spent at once.
  await page.goto("/slos/new");
  await page.getByLabel("Name", { exact: true }).fill("toxicity-e2e-strict");
  await page.getByLabel("Service (model)").selectOption("toxicity-classifier");
  await page.getByLabel("Owner team").selectOption("trust-safety");
  await page.getByLabel("Objective (%)").fill("99.999");
  await page.getByLabel("Window").selectOption("7");
  await page.getByRole("button", { name: "Create SLO" }).click();
  await expect(page.getByTestId("slo-status").getByText("exhausted")).toBeVisible({
    timeout: 45_000,
  });
  await expect(page.getByTestId("budget-policy")).toHaveAttribute("data-state", "held");

  await page.goto("/rollouts/new?model=toxicity-classifier");
  await expect(page.getByTestId("budget-policy")).toContainText("Releases on hold");
  await expect(page.getByTestId("budget-policy")).toContainText("toxicity-e2e-strict");
  page.on("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Start rollout" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "allows only fixes" })).toBeVisible();
  await expect(page).toHaveURL(/\/rollouts\/new/);

  await page.getByLabel("This change is a fix").check();
  await page
    .getByLabel(/Reason for the override/)
    .fill("Reverts the tokenizer change that raised the 5xx rate");
  await page.getByRole("button", { name: "Start rollout" }).click();
  await expect(page).toHaveURL(/\/rollouts\/[a-z0-9]+$/);
  await expect(page.getByTestId("rollout-overrides")).toContainText("Error-budget policy");
  await expect(
    page.getByTestId("rollout-history").getByText(/Error-budget policy overridden for a fix/),
  ).toBeVisible();

  await page.goto("/audit?action=rollout.start");
  await expect(
    page.getByTestId("audit-row").filter({ hasText: "Reverts the tokenizer change" }),
  ).toContainText("rollout.start");
});
