import { createHash } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";
import { versionBehaviour } from "../../src/lib/platform/simulator/behaviour";

const DEMO_SEED = 20261129;

/** A ranker-xl version name the simulator serves healthily (no injected fault). */
function healthyVersion(): string {
  for (let i = 0; i < 500; i++) {
    const version = `5.${i}.0-ci.${Date.now().toString(36)}`;
    if (versionBehaviour(DEMO_SEED, "ranker-xl", version).fault === "none") return version;
  }
  throw new Error("no healthy version name found");
}

const hex = (c: string) => c.repeat(64);

async function signInAs(page: Page, email: string) {
  await page.context().clearCookies();
  await signIn(page, email);
}

/** Promotes the release's rollout in `environment` to 100% from its page, and waits for it. */
async function promoteFully(page: Page, environment: string) {
  await page
    .getByRole("list", { name: "Rollouts of this release" })
    .getByRole("link", { name: environment })
    .click();
  await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
  const live = page.getByTestId("rollout-live");
  // A promote decided on a page the engine has since moved on (an analysis interval recorded)
  // is refused as changed, by design: the release manager looks again and promotes again.
  for (let attempt = 1; ; attempt++) {
    await page.getByRole("button", { name: "Promote to 100%" }).click();
    const dialog = page.getByRole("dialog");
    // "Reason (required)", or in production "Reason (required: … so this is an admin's fix)".
    await dialog.getByLabel(/^Reason \(required/).fill("Approved promotion, canary looks clean");
    await dialog.getByRole("button", { name: "Confirm: promote to 100%" }).click();
    const refused = dialog.getByRole("alert").filter({ hasText: "changed since you loaded it" });
    await expect(live.and(page.locator('[data-status="completed"]')).or(refused)).toBeVisible({
      timeout: 20_000,
    });
    if (!(await refused.isVisible()) || attempt === 3) break;
    await page.reload();
  }
  await expect(live).toHaveAttribute("data-status", "completed");
}

test("a version registered by CI is requested for production, approved by two release managers, and rolls out", async ({
  page,
  request,
}) => {
  test.setTimeout(300_000);
  const version = healthyVersion();

  // An admin gives CI a token, and shortens production/us-west-2's staging soak to a minute.
  await signIn(page, "admin@flightdeck.demo");
  await page.goto("/admin/tokens");
  const tokenForm = page.getByRole("form", { name: "Create API token" });
  await tokenForm.getByLabel("Name").fill(`ci-promotions-${Date.now()}`);
  await tokenForm.getByLabel("Team").selectOption({ label: "Search & Ranking" });
  await tokenForm.getByLabel("model.register").check();
  await tokenForm.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("new-token-secret").innerText()).trim();
  await page.goto("/promotions/policy");
  const policy = page.getByRole("form", { name: "Policy of production/us-west-2" });
  await policy.getByLabel("Soak minutes for production/us-west-2").fill("1");
  await policy.getByRole("button", { name: "Save" }).click();
  await expect(
    page.getByTestId("environment-policy-row").filter({ hasText: "production/us-west-2" }),
  ).toContainText("1 min");

  // CI registers the version: refused with a bad token or a mutable tag, then created once.
  const body = {
    version,
    imageDigest: `registry.flightdeck.internal/ranker-xl@sha256:${createHash("sha256").update(version).digest("hex")}`,
    baseImageDigest: `registry.flightdeck.internal/serving-base@sha256:${hex("b")}`,
    artifactUri: `s3://ml-artifacts/ranker-xl/${version}/model.safetensors`,
    trainingRunId: "run-e2e-promotion",
    datasetDigest: `sha256:${hex("d")}`,
    codeCommit: "c".repeat(40),
    evalMetrics: { "ndcg@10": 0.8, calibration_ece: 0.02, p99_latency_ms: 90 },
  };
  const url = "/api/v1/models/ranker-xl/versions";
  const forged = await request.post(url, {
    headers: { authorization: "Bearer fdk_not-a-real-token" },
    data: body,
  });
  expect(forged.status()).toBe(401);
  const tagged = await request.post(url, {
    headers: { authorization: `Bearer ${secret}` },
    data: { ...body, imageDigest: "registry.flightdeck.internal/ranker-xl:latest" },
  });
  expect(tagged.status()).toBe(422);
  expect(JSON.stringify(await tagged.json())).toContain("not by a tag");
  const created = await request.post(url, {
    headers: { authorization: `Bearer ${secret}` },
    data: body,
  });
  expect(created.status()).toBe(201);
  const again = await request.post(url, {
    headers: { authorization: `Bearer ${secret}` },
    data: body,
  });
  expect(again.status()).toBe(200);

  // Rosa asks for staging first; she cannot approve her own request.
  await signInAs(page, "release@flightdeck.demo");
  await page.goto(
    `/promotions/new?model=ranker-xl&version=${encodeURIComponent(version)}&tier=staging`,
  );
  const form = page.getByRole("form", { name: "Request a promotion" });
  await form.getByRole("button", { name: "Request promotion" }).click();
  await expect(form.getByText("at least 10 characters")).toBeVisible();
  await form.getByLabel("What changes, and why").fill(`Put ${version} in staging to soak it.`);
  await form.getByRole("button", { name: "Request promotion" }).click();
  await expect(page).toHaveURL(/\/promotions\/\d+$/);
  const stagingUrl = page.url();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    `#${stagingUrl.split("/").pop()} Promote ranker-xl ${version} to staging`,
  );
  await expect(page.getByTestId("approval-count")).toHaveText("0 of 1");
  await expect(page.getByTestId("decide-reason")).toContainText("someone else must approve it");
  await expect(page.getByTestId("gate-eval")).toContainText("pass");

  // Ravi sees it waiting for him, approves, and the staging rollout starts.
  await signInAs(page, "release2@flightdeck.demo");
  await expect(page.getByTestId("nav-badge-promotions").first()).toBeVisible();
  await page
    .getByRole("region", { name: /Waiting for your approval/ })
    .getByRole("link", { name: new RegExp(version.replaceAll(".", "\\.")) })
    .click();
  await expect(page).toHaveURL(stagingUrl);
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.locator('main [data-status="started"]').first()).toBeVisible();
  await promoteFully(page, "staging/us-east-1");

  // An admin requests production in us-west-2 only: two approvals, after a minute's soak.
  await signInAs(page, "admin@flightdeck.demo");
  await page.goto(
    `/promotions/new?model=ranker-xl&version=${encodeURIComponent(version)}&tier=production`,
  );
  await form.getByLabel("production/us-west-2").check();
  await form.getByLabel("What changes, and why").fill(`Roll ${version} out to us-west-2 first.`);
  await form.getByRole("button", { name: "Request promotion" }).click();
  await expect(page).toHaveURL(/\/promotions\/\d+$/);
  const productionUrl = page.url();
  await expect(page.getByTestId("approval-count")).toHaveText("0 of 2");
  await expect(page.getByTestId("gate-deployment")).toContainText("Staging soak");

  // Rosa approves first: one of two, nothing starts.
  await signInAs(page, "release@flightdeck.demo");
  await page.goto(productionUrl);
  page.once("dialog", (d) => void d.accept());
  await page.getByLabel("Comment", { exact: true }).fill("Offline eval and staging look good.");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("approval-count")).toHaveText("1 of 2");
  await expect(page.getByTestId("decision")).toContainText("Offline eval and staging look good.");

  // Ravi waits for the soak (the page re-checks the gates live), then gives the second approval.
  await signInAs(page, "release2@flightdeck.demo");
  await page.goto(productionUrl);
  await expect(page.getByTestId("gates-verdict")).toHaveText("All gates pass.", {
    timeout: 120_000,
  });
  await expect(page.getByTestId("gate-deployment")).toContainText("at 100% in staging/us-east-1");
  page.once("dialog", (d) => {
    expect(d.message()).toContain("the rollout to production/us-west-2 starts now");
    void d.accept();
  });
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.locator('main [data-status="started"]').first()).toBeVisible();
  await expect(page.getByTestId("approval-count")).toHaveText("2 of 2");
  // Production takes changes only through promotions: skipping the rest of its steps and
  // analysis is an admin's call, with a reason that stays on the rollout.
  await signInAs(page, "admin@flightdeck.demo");
  await page.goto(productionUrl);
  await promoteFully(page, "production/us-west-2");
  await expect(page.getByTestId("rollout-overrides")).toContainText(
    "production/us-west-2 takes changes only through promotions: overridden by an admin: Approved promotion, canary looks clean",
  );
  await expect(page.getByTestId("rollout-history")).toContainText(/promotion #\d+ \(approved by/);

  // The queue shows the request as started, and the audit log has each step.
  await page.goto("/promotions?status=started&model=ranker-xl");
  await expect(
    page.getByTestId("promotion-row").filter({ hasText: version }).first(),
  ).toContainText("started");
  await page.goto("/audit?action=promotion.");
  await expect(page.getByTestId("audit-row").first()).toContainText("promotion.approve");
});
