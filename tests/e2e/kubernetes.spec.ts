// Flightdeck on real clusters: the app started with FLIGHTDECK_PLATFORM=kubernetes against two
// Kubernetes API test servers (two clusters in two regions: H100 and L4 pools on GKE, A100 and
// L4 on EKS, team namespaces with GPU quotas, autoscalers, an Argo Rollout mid-canary, a
// Deployment and a KServe InferenceService). What the pages show must be what the objects say,
// with nothing simulated; then one cluster's API goes down and its pages say it is stale while
// the other stays live.
import { expect, test, type Page } from "@playwright/test";
import { startTestClusters, type TestClusters } from "../support/kube";
import { twoClusterFleet, type TwoClusterFleet } from "../support/kube/fleet-objects";
import { startAnotherApp, type AnotherApp } from "./support/another-app";

const port = Number(process.env.E2E_PORT ?? 3100) + 3;
const PASSWORD = "kubernetes journey password";
const ADMIN = "sre@example.com";

let app: AnotherApp;
let fleet: TwoClusterFleet;
let clusters: TestClusters;
const EAST = "gke-us-east1-serving";
const WEST = "eks-eu-west-1";

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(6 * 60_000);
  fleet = twoClusterFleet();
  // No controllers: the objects stay exactly as the fixture describes them.
  clusters = await startTestClusters(fleet.clusters, {
    bookmarkIntervalMs: 5_000,
    controllers: false,
  });
  const kubeconfig = clusters.kubeconfig;
  app = await startAnotherApp(port, { FLIGHTDECK_PLATFORM: "kubernetes", KUBECONFIG: kubeconfig });
  const created = app.createAdmin(ADMIN, PASSWORD, "SRE");
  expect(created.stderr).toBe("");
  // The registry knows ranker-xl (until configuration as code, an admin's insert): its two
  // versions are found serving; query-embedder and fraud-scorer are not registered.
  await app.sql(`INSERT INTO "Team" (id, slug, name) VALUES ('team-search', 'search', 'Search')`);
  await app.sql(
    `INSERT INTO "Model" (id, name, "displayName", task, description, "teamId")
     VALUES ('model-ranker', 'ranker-xl', 'Ranker XL', 'ranking', 'Search ranking', 'team-search')`,
  );
  for (const version of ["2.1.0", "2.2.0"]) {
    await app.sql(
      `INSERT INTO "ModelVersion" (id, "modelId", version, "imageDigest", "artifactUri", "trainingRunId",
         "datasetDigest", "codeCommit", "baseImageDigest", "evalMetrics", "createdBy")
       VALUES ($1, 'model-ranker', $2, $3, $4, 'run-1', 'sha256:d', 'c0ffee', 'sha256:b', '{}', 'ci')`,
      [`mv-${version}`, version, `sha256:${version}`, `s3://models/ranker-xl/${version}`],
    );
  }
  // The worker mirrors both clusters within a few seconds of their first list.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [row] = await app.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Deployment" d JOIN "Cluster" c ON c.id = d."clusterId"`,
    );
    if ((row?.n ?? 0) >= 3) break;
    if (Date.now() > deadline) throw new Error(`the fleet was not mirrored: ${app.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
});

test.afterAll(async () => {
  await app?.stop();
  await clusters?.stop();
});

async function signIn(page: Page) {
  await page.goto(`${app.base}/sign-in`);
  await page.getByLabel("Email").fill(ADMIN);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
}

test("the fleet pages show the clusters' real objects, and nothing simulated", async ({ page }) => {
  expect(app.output()).toContain(`Reading 2 Kubernetes cluster(s): ${EAST}, ${WEST}`);
  expect(app.output()).toContain("Demo mode is off");
  await signIn(page);

  const gpus = fleet.expected.pools.reduce((s, p) => s + p.gpus, 0);
  const allocated = fleet.expected.pools.reduce((s, p) => s + p.allocated, 0);
  await expect(page.getByTestId("stat-clusters")).toHaveText("2");
  await expect(page.getByTestId("stat-gpus")).toHaveText(`${allocated} / ${gpus}`);

  await page.goto(`${app.base}/clusters`);
  const rows = page.getByTestId("cluster-row");
  await expect(rows).toHaveCount(2);
  for (const c of fleet.expected.clusters) {
    const row = page.locator(`[data-testid=cluster-row][data-cluster="${c.name}"]`);
    await expect(row).toContainText(c.region);
    await expect(row).toContainText(c.provider.toUpperCase());
    await expect(row).toContainText("Kubernetes 1.30.4");
    const pools = fleet.expected.pools.filter((p) => p.cluster === c.name);
    const ready = pools.reduce((s, p) => s + p.readyNodes, 0);
    const nodes = pools.reduce((s, p) => s + p.nodes, 0);
    await expect(row.getByTestId("nodes-ready")).toContainText(`${ready} / ${nodes}`);
    await expect(row.getByTestId("cluster-stale")).toHaveCount(0);
  }

  await page.goto(`${app.base}/clusters/${EAST}`);
  await expect(page.getByRole("heading", { level: 1, name: EAST })).toBeVisible();
  const poolRows = page.getByTestId("pool-row");
  await expect(poolRows).toHaveCount(2);
  for (const p of fleet.expected.pools.filter((x) => x.cluster === EAST)) {
    const row = poolRows.filter({ hasText: p.name });
    await expect(row).toContainText(p.product);
    await expect(row).toContainText(`${p.readyNodes} / ${p.nodes}`);
    await expect(row).toContainText("unknown"); // utilization: no metrics source, never invented
    await expect(row).toContainText(`${p.nodes} nodes · bounds not reported`);
  }
  const unhealthy = fleet.expected.pools
    .filter((x) => x.cluster === EAST)
    .flatMap((p) => p.unhealthy);
  await expect(page.getByTestId("unhealthy-nodes").locator("li")).toHaveCount(unhealthy.length);
  for (const n of unhealthy)
    await expect(page.getByTestId("unhealthy-nodes")).toContainText(n.name);
  for (const n of fleet.expected.namespaces.filter((x) => x.cluster === EAST)) {
    const row = page.getByRole("row").filter({ hasText: n.name });
    await expect(row.first()).toContainText(n.team);
  }
  await expect(page.getByTestId("hpa-row")).toHaveCount(
    fleet.expected.hpas.filter((h) => h.cluster === EAST).length,
  );
  const workloads = page.getByTestId("workload-row");
  for (const w of fleet.expected.workloads.filter((x) => x.cluster === EAST)) {
    for (const v of w.versions) {
      const row = workloads.filter({ hasText: v.version }).filter({ hasText: w.model });
      await expect(row).toContainText(`${v.weight}%`);
      await expect(row).toContainText(`${w.kind} ${w.namespace}/${w.name}`);
      if (w.model !== "ranker-xl") await expect(row).toContainText("not in the registry");
    }
  }
  // every resource read, Kubeflow PyTorchJobs and training pods among them
  await expect(page.getByTestId("cluster-sources").locator("[data-live=true]")).toHaveCount(11);

  // Where ranker-xl runs: the canary's split in us-east-1, the settled version in eu-west-1.
  await page.goto(`${app.base}/models/ranker-xl`);
  for (const w of fleet.expected.workloads.filter((x) => x.model === "ranker-xl")) {
    const cell = page.locator(`[data-environment="production/${w.region}"]`);
    for (const v of w.versions) await expect(cell).toContainText(`${v.version} · ${v.weight}%`);
    await expect(cell).toContainText(w.cluster);
  }
});

test("a cluster whose API goes down is shown stale with the reason, and the other stays live", async ({
  page,
}) => {
  await signIn(page);
  await clusters.server(WEST).down();

  await page.goto(`${app.base}/clusters`);
  const west = page.locator(`[data-testid=cluster-row][data-cluster="${WEST}"]`);
  const east = page.locator(`[data-testid=cluster-row][data-cluster="${EAST}"]`);
  await expect(async () => {
    await page.reload();
    await expect(west.getByTestId("cluster-stale")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(west.getByTestId("cluster-stale")).toContainText(
    /connection refused|connection reset/,
  );
  await expect(west.getByTestId("cluster-stale")).toContainText("Last good data");
  await expect(west).toContainText("unreachable");
  await expect(east.getByTestId("cluster-stale")).toHaveCount(0);
  await expect(east).not.toContainText("unreachable");

  await page.goto(`${app.base}/clusters/${WEST}`);
  await expect(page.getByTestId("cluster-stale")).toBeVisible();
  await expect(
    page.getByTestId("cluster-sources").locator("[data-live=false]").first(),
  ).toBeVisible();
  // refused once the server is gone; reset when it went down mid-request (as the list above)
  await expect(page.getByTestId("workload-errors")).toContainText(
    /connection (refused|reset) .*every resource.*last good data \d+ s old/,
  );
  // The header's status is read once per interval for everyone (SHARED_LIVE_MS): a page
  // loaded a little later shows it.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("platform-status")).toContainText(/degraded|Degraded/, {
      timeout: 1_000,
    });
  }).toPass({ timeout: 20_000 });

  await page.goto(`${app.base}/clusters/${EAST}`);
  await expect(page.getByTestId("cluster-stale")).toHaveCount(0);
  await expect(page.getByTestId("workload-row").first()).toBeVisible();

  // Back up: live again without a restart.
  await clusters.server(WEST).up();
  await page.goto(`${app.base}/clusters`);
  await expect(async () => {
    await page.reload();
    await expect(west.getByTestId("cluster-stale")).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
});
