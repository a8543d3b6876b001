// Driving real clusters from the browser: the app runs with FLIGHTDECK_PLATFORM=kubernetes on
// two Kubernetes API test servers whose controllers act as Argo Rollouts and KServe do. A
// release manager starts a KServe canary and promotes it; an engineer aborts an Argo Rollout
// from its page, and rolls a completed one back from an incident's "what changed?". After each,
// the objects in the API servers are what the pages and the history say.
import { expect, test, type Page } from "@playwright/test";
import { startTestClusters, type TestClusters } from "../support/kube";
import { twoClusterFleet } from "../support/kube/fleet-objects";
import { startAnotherApp, type AnotherApp } from "./support/another-app";

const port = Number(process.env.E2E_PORT ?? 3100) + 4;
const PASSWORD = "driving journey password";
const ADMIN = "sre-admin@example.com";
const RELEASE = "release@example.com";
const ENGINEER = "oncall@example.com";

let app: AnotherApp;
let clusters: TestClusters;
const EAST = "gke-us-east1-serving";
const WEST = "eks-eu-west-1";

test.describe.configure({ mode: "serial" });

const sha = (v: string) => `sha256:${Buffer.from(v).toString("hex").padEnd(64, "0").slice(0, 64)}`;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(6 * 60_000);
  clusters = await startTestClusters(twoClusterFleet().clusters, { bookmarkIntervalMs: 5_000 });
  const kubeconfig = clusters.kubeconfig;
  app = await startAnotherApp(port, { FLIGHTDECK_PLATFORM: "kubernetes", KUBECONFIG: kubeconfig });
  expect(app.createAdmin(ADMIN, PASSWORD, "SRE Admin").stderr).toBe("");
  // The registry (until configuration as code, an admin's insert): ranker-xl and fraud-scorer,
  // both the search team's here, with the versions their workloads run and one new each.
  await app.sql(`INSERT INTO "Team" (id, slug, name) VALUES ('team-search', 'search', 'Search')`);
  await app.sql(
    `INSERT INTO "Model" (id, name, "displayName", task, description, "teamId") VALUES
       ('model-ranker', 'ranker-xl', 'Ranker XL', 'ranking', 'Search ranking', 'team-search'),
       ('model-fraud', 'fraud-scorer', 'Fraud scorer', 'classification', 'Payments risk', 'team-search')`,
  );
  const versions: [string, string, string][] = [
    ["model-ranker", "ranker-xl", "2.1.0"],
    ["model-ranker", "ranker-xl", "2.2.0"],
    ["model-fraud", "fraud-scorer", "1.4.0"],
    ["model-fraud", "fraud-scorer", "1.5.0"],
    ["model-fraud", "fraud-scorer", "1.6.0"],
  ];
  for (const [modelId, model, version] of versions) {
    await app.sql(
      `INSERT INTO "ModelVersion" (id, "modelId", version, "imageDigest", "artifactUri", "trainingRunId",
         "datasetDigest", "codeCommit", "baseImageDigest", "evalMetrics", "createdBy")
       VALUES ($1, $2, $3, $4, $5, 'run-1', 'sha256:d', 'c0ffee', 'sha256:b', '{}', 'ci')`,
      [
        `mv-${model}-${version}`,
        modelId,
        version,
        `registry.example.com/${model}@${sha(version)}`,
        `s3://models/${model}/${version}`,
      ],
    );
  }
  // People: the search team's release manager and on-call engineer.
  await app.sql(
    `INSERT INTO "User" (id, email, name, "passwordHash", role, "teamId", "updatedAt")
     SELECT $1, $2, $3, "passwordHash", $4::"Role", $5, now() FROM "User" WHERE email = $6`,
    ["u-release", RELEASE, "Rita Release", "release_manager", "team-search", ADMIN],
  );
  await app.sql(
    `INSERT INTO "User" (id, email, name, "passwordHash", role, "teamId", "updatedAt")
     SELECT $1, $2, $3, "passwordHash", $4::"Role", $5, now() FROM "User" WHERE email = $6`,
    ["u-oncall", ENGINEER, "Omar Oncall", "engineer", "team-search", ADMIN],
  );
  // The worker mirrors both clusters (environments included) within seconds of their first list.
  await expect(async () => {
    const rows = await app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Deployment" d JOIN "Model" m ON m.id = d."modelId"`,
    );
    expect(rows[0]?.n ?? 0).toBeGreaterThanOrEqual(4);
  }).toPass({ timeout: 60_000 });
  // These teams release to production directly: the admin says so on the Release policy page.
  const page = await browser.newPage();
  await signIn(page, ADMIN);
  await page.goto(`${app.base}/promotions/policy`);
  for (const environment of ["production/us-east-1", "production/eu-west-1"]) {
    const form = page.getByRole("form", { name: `Policy of ${environment}` });
    const only = form.getByLabel(`${environment} takes changes only through promotions`);
    if (await only.isChecked()) {
      await only.uncheck();
      await form.getByRole("button", { name: "Save" }).click();
    }
    await expect(
      page
        .getByTestId("environment-policy-row")
        .filter({ hasText: environment })
        .getByTestId("environment-changes"),
    ).toHaveText("Direct rollouts allowed");
  }
  await page.close();
});

test.afterAll(async () => {
  await app?.stop();
  await clusters?.stop();
});

async function signIn(page: Page, email: string) {
  await page.goto(`${app.base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
}

async function startRollout(
  page: Page,
  model: string,
  version: string,
  steps: string,
  environment: string,
) {
  await page.goto(`${app.base}/rollouts/new`);
  const form = page.getByRole("form", { name: "Start a rollout" });
  await form.getByLabel("Model").selectOption(model);
  await form.getByLabel("Version").selectOption(version);
  await form.getByLabel("Steps, one per line").fill(steps);
  await form.getByLabel("Waves, one per line").fill(environment);
  page.once("dialog", (d) => void d.accept()); // "start … in production?"
  await form.getByRole("button", { name: "Start rollout" }).click();
  await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
}

const status = (page: Page) => page.getByTestId("rollout-live");

const isvc = () =>
  clusters.server(EAST).store.get({
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    namespace: "risk-serving",
    name: "fraud-scorer",
  })!;
const argo = () =>
  clusters.server(WEST).store.get({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    namespace: "search-serving",
    name: "ranker-xl",
  })!;
const predictor = () =>
  (isvc().spec as { predictor: { canaryTrafficPercent?: number; model: { storageUri: string } } })
    .predictor;
const templateVersion = () =>
  (argo().spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
    .labels["flightdeck.dev/version"];

test("a release manager starts a KServe canary and promotes it", async ({ page }) => {
  await signIn(page, RELEASE);
  await startRollout(
    page,
    "fraud-scorer",
    "1.6.0",
    "weight 20\npause\nweight 100",
    "production/us-east-1",
  );
  await expect(status(page)).toHaveAttribute("data-status", "paused", { timeout: 30_000 });
  await expect(page.getByTestId("rollout-weight")).toHaveText(/^20% on 1\.6\.0/);
  await expect(status(page)).toContainText(`on ${EAST}`);
  // The InferenceService carries it: the new model at 20% beside the previous revision.
  expect(predictor()).toMatchObject({
    canaryTrafficPercent: 20,
    model: { storageUri: "s3://models/fraud-scorer/1.6.0" },
  });

  await page.getByRole("button", { name: "Promote", exact: true }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("blast-radius")).toContainText("production/us-east-1");
  await dialog.getByRole("button", { name: "Confirm: promote" }).click();
  await expect(status(page)).toHaveAttribute("data-status", "completed", { timeout: 30_000 });
  await expect(page.getByTestId("rollout-weight")).toHaveText(/^100% on 1\.6\.0/);
  await expect(page.getByTestId("rollout-history")).toContainText(`${RELEASE} promoted`);
  // Promoted the KServe way: canaryTrafficPercent removed, the new model takes all traffic.
  await expect(() => expect(predictor().canaryTrafficPercent).toBeUndefined()).toPass();
  expect(predictor().model.storageUri).toBe("s3://models/fraud-scorer/1.6.0");
  // The model's "where it runs" agrees with the object.
  await page.goto(`${app.base}/models/fraud-scorer`);
  await expect(async () => {
    await page.reload();
    await expect(page.locator('[data-environment="production/us-east-1"]')).toContainText(
      "1.6.0 · 100%",
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 30_000 });
});

test("an engineer aborts an Argo Rollout from its page", async ({ page, browser }) => {
  const rm = await browser.newPage();
  await signIn(rm, RELEASE);
  await startRollout(
    rm,
    "ranker-xl",
    "2.2.0",
    "weight 30\npause\nweight 100",
    "production/eu-west-1",
  );
  await expect(status(rm)).toHaveAttribute("data-status", "paused", { timeout: 30_000 });
  const url = rm.url();
  await rm.close();
  expect(templateVersion()).toBe("2.2.0");

  await signIn(page, ENGINEER);
  await page.goto(url);
  await expect(page.getByTestId("rollout-weight")).toHaveText(/^30% on 2\.2\.0/);
  const dialog = page.getByRole("dialog");
  // Clicked again until the page has hydrated: a click before it is lost.
  await expect(async () => {
    if (!(await dialog.isVisible())) await page.getByRole("button", { name: "Abort" }).click();
    await expect(dialog).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await dialog.getByLabel("Reason (optional)").fill("p99 doubled on the canary");
  await dialog.getByRole("button", { name: "Confirm: abort" }).click();
  await expect(status(page)).toHaveAttribute("data-status", "aborted");
  await expect(page.getByTestId("rollout-reason")).toContainText("p99 doubled on the canary");
  // Argo aborted it: status.abort set, the canary scaled down, all traffic on 2.1.0.
  await expect(() => expect((argo().status as { abort?: boolean }).abort).toBe(true)).toPass({
    timeout: 30_000,
  });
  await expect(async () => {
    await page.goto(`${app.base}/models/ranker-xl`);
    await expect(page.locator('[data-environment="production/eu-west-1"]')).toContainText(
      "2.1.0 · 100%",
      { timeout: 1_000 },
    );
  }).toPass({ timeout: 30_000 });
});

test("an engineer rolls a completed rollout back from an incident's what changed", async ({
  page,
  browser,
}) => {
  // The release manager ships 2.2.0 to eu-west-1 after all.
  const rm = await browser.newPage();
  await signIn(rm, RELEASE);
  await startRollout(rm, "ranker-xl", "2.2.0", "weight 100", "production/eu-west-1");
  await expect(status(rm)).toHaveAttribute("data-status", "completed", { timeout: 30_000 });
  await rm.close();
  await expect(() => {
    const s = argo().status as { stableRS?: string; currentPodHash?: string };
    expect(templateVersion()).toBe("2.2.0");
    expect(s.stableRS).toBe(s.currentPodHash);
  }).toPass({ timeout: 30_000 });

  // On-call declares the incident; what changed shows the rollout, and rolls it back.
  await signIn(page, ENGINEER);
  await page.goto(`${app.base}/incidents/new`);
  await page.getByLabel("Title").fill("Ranker XL 5xx in eu-west-1");
  await page.getByLabel("Severity").selectOption("SEV2");
  await page.getByLabel("Affected models").selectOption("ranker-xl");
  await page.getByLabel("Affected regions").selectOption("eu-west-1");
  await page.getByRole("button", { name: "Declare incident" }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  const top = page.getByTestId("suspected-change").first();
  await expect(top).toContainText("Rollout of ranker-xl");
  await expect(top).toContainText("→ 2.2.0 in production/eu-west-1");
  await top.getByRole("button", { name: "Roll back" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("blast-radius")).toContainText(
    "All production/eu-west-1 traffic for ranker-xl moves from 2.2.0 to 2.1.0",
  );
  await dialog.getByLabel("Reason (optional)").fill("5xx since 2.2.0");
  await dialog.getByRole("button", { name: "Confirm: roll back" }).click();
  // The card says so at once, or, once the page refreshed, that the rollback replaced it.
  await expect(top).toContainText(
    /Rolling back to \S+\.|A later rollout or rollback of this model in this environment replaced it\./,
  );

  // Argo Rollouts' undo: the pod template of 2.1.0 restored, promoted, stable again.
  await expect(() => {
    const s = argo().status as { stableRS?: string; currentPodHash?: string };
    expect(templateVersion()).toBe("2.1.0");
    expect(s.stableRS).toBe(s.currentPodHash);
  }).toPass({ timeout: 30_000 });
  const timeline = page.getByRole("list", { name: "Timeline" });
  await expect(async () => {
    await page.reload();
    await expect(timeline).toContainText(`${ENGINEER} rolled production/eu-west-1 back to 2.1.0`, {
      timeout: 1_000,
    });
  }).toPass({ timeout: 30_000 });
});

test("a change made to the object outside Flightdeck pauses the rollout and says what changed", async ({
  page,
}) => {
  await signIn(page, RELEASE);
  await startRollout(
    page,
    "ranker-xl",
    "2.2.0",
    "weight 40\npause\nweight 100",
    "production/eu-west-1",
  );
  await expect(status(page)).toHaveAttribute("data-status", "paused", { timeout: 30_000 });
  // Someone sets another image by hand (as `kubectl argo rollouts set image` would).
  clusters.server(WEST).store.patch(
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      namespace: "search-serving",
      name: "ranker-xl",
    },
    {
      spec: {
        template: {
          metadata: { labels: { "flightdeck.dev/version": "2.2.1-hotfix" } },
          spec: {
            containers: [{ name: "ranker", image: "registry.example.com/ranker-xl:2.2.1-hotfix" }],
          },
        },
      },
    },
  );
  const alert = page.getByTestId("outside-change");
  await expect(alert).toBeVisible({ timeout: 30_000 });
  await expect(alert).toContainText("Changed outside Flightdeck");
  await expect(alert).toContainText(
    "it now runs version 2.2.1-hotfix (image registry.example.com/ranker-xl:2.2.1-hotfix), not 2.2.0",
  );
  await expect(alert).toContainText("Resume re-applies Flightdeck's plan (2.2.0 at 40%)");
  await expect(page.getByTestId("rollout-history")).toContainText("Changed outside Flightdeck");
  await page.screenshot({ path: test.info().outputPath("outside-change.png"), fullPage: true });
  // Flightdeck did not put its version back.
  expect(templateVersion()).toBe("2.2.1-hotfix");
  await page.goto(`${app.base}/rollouts?model=ranker-xl`);
  await expect(page.getByTestId("outside-change-badge").first()).toBeVisible();
});
