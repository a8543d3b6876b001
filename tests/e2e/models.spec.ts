import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

// speech-asr: seeded with 1.0.0–1.2.0 (1.2.0 serves production in four regions and staging in
// eu-west-1) and a newer candidate that runs nowhere. No other spec rolls it out.
const MODEL = "speech-asr";
const STABLE = "1.2.0";

test("a viewer filters models by team, reads a version's lineage and compares two versions", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.getByRole("link", { name: "Models", exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Models" })).toBeVisible();

  await page.getByLabel("Team", { exact: true }).selectOption({ label: "Conversational AI" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/[?&]team=assistant/);
  const rows = page.getByTestId("model-row");
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) await expect(row).toContainText("Conversational AI");
  await expect(page.getByLabel("Team", { exact: true })).toHaveValue("assistant");

  await page.getByRole("link", { name: "Speech ASR" }).click();
  await expect(page).toHaveURL(new RegExp(`/models/${MODEL}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Speech ASR");
  // Where it runs: production in four regions on each region's serving cluster.
  const matrix = page.getByTestId("placement-matrix");
  await expect(matrix.locator('[data-environment="production/us-east-1"]')).toContainText(
    `${STABLE} · 100%`,
  );
  await expect(matrix.locator('[data-environment="staging/eu-west-1"]')).toContainText(STABLE);
  const versions = page.getByTestId("version-row");
  await expect(versions).toHaveCount(4);
  const stableRow = page.locator(`[data-testid="version-row"][data-version="${STABLE}"]`);
  await expect(stableRow.getByTestId("placement")).toHaveCount(5);
  await expect(stableRow).toContainText(/production\/us-east-1 · \S+-serve-01 · 100%/);
  // Newest first: the candidate that runs nowhere heads the list.
  const candidate = (await versions.first().getAttribute("data-version")) ?? "";
  expect(candidate).not.toBe(STABLE);
  await expect(versions.first()).toContainText("Not running");

  await stableRow.getByRole("link", { name: STABLE }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Speech ASR ${STABLE}`);
  const lineage = page.getByTestId("lineage");
  await expect(lineage.locator('[data-field="datasetDigest"]')).toContainText(
    /sha256:[0-9a-f]{12}…/,
  );
  await expect(lineage.locator('[data-field="codeCommit"] code')).toHaveAttribute(
    "title",
    /^[0-9a-f]{40}$/,
  );
  await expect(page.getByRole("button", { name: "Copy dataset digest" })).toBeVisible();
  await expect(page.getByTestId("eval-metrics")).toContainText("1-wer");
  await expect(page.getByTestId("version-placements").getByRole("row")).toHaveCount(6);
  await expect(page.getByTestId("version-rollout").first()).toBeVisible();
  // A viewer reads; promotions are for release managers.
  await expect(page.getByRole("link", { name: "Request promotion" })).toHaveCount(0);

  await page
    .getByRole("navigation", { name: "Breadcrumb" })
    .getByRole("link", { name: MODEL })
    .click();
  await expect(page.getByLabel("Version A", { exact: true })).toHaveValue(STABLE);
  await expect(page.getByLabel("Version B", { exact: true })).toHaveValue(candidate);
  await page.getByRole("button", { name: "Compare" }).click();
  await expect(page).toHaveURL(new RegExp(`/models/${MODEL}/compare\\?a=${STABLE}&b=${candidate}`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    `Speech ASR: ${STABLE} and ${candidate}`,
  );
  // The candidate's word error rate improved: a rise of 1-wer, called better in words.
  const wer = page.locator('[data-testid="metric-delta"][data-metric="1-wer"]');
  await expect(wer).toContainText(/▲ \+0\.\d+/);
  await expect(wer).toContainText("better");
  await expect(page.getByTestId("metric-delta")).toHaveCount(4);
  await expect(page.locator('[data-testid="lineage-row"][data-field="codeCommit"]')).toContainText(
    "differs",
  );
  // They never serve in the same place: said plainly, with the stable version's own metrics.
  await expect(page.getByTestId("live-apart")).toContainText(
    "never serve traffic in the same environment",
  );
  await expect(page.getByTestId("live-own").locator(`[data-version="${STABLE}"]`)).toHaveCount(5);
});

test("a bad comparison query is explained on the page", async ({ page }) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto(`/models/${MODEL}/compare?a=${STABLE}`);
  await expect(page.getByRole("alert").filter({ hasText: "version B is missing" })).toBeVisible();
  await page.goto(`/models/${MODEL}/compare?a=${STABLE}&b=9.9.9`);
  await expect(
    page.getByRole("alert").filter({ hasText: `${MODEL} has no version "9.9.9"` }),
  ).toBeVisible();
  // The picker stays, so the comparison can be fixed from here.
  await expect(page.getByLabel("Version A", { exact: true })).toHaveValue(STABLE);
  await page.goto("/models/no-such-model");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("a release manager of the model's team may request a promotion; a viewer may not", async ({
  page,
}) => {
  const path = async () => {
    await page.goto("/models/ranker-xl");
    const link = page.getByTestId("version-row").first().getByRole("link").first();
    const version = (await link.textContent())?.trim() ?? "";
    await link.click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Ranker XL ${version}`);
    return version;
  };
  await signIn(page, "release@flightdeck.demo");
  const version = await path();
  const request = page.getByRole("link", { name: "Request promotion" });
  await expect(request).toHaveAttribute(
    "href",
    `/promotions/new?model=ranker-xl&version=${encodeURIComponent(version)}`,
  );

  await page.context().clearCookies();
  await signIn(page, "viewer@flightdeck.demo");
  await path();
  await expect(page.getByRole("link", { name: "Request promotion" })).toHaveCount(0);
});
