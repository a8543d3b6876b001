import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

test("on-call sees live cluster capacity, filters by region and opens a cluster", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/clusters");
  await expect(page.getByTestId("cluster-row")).toHaveCount(8);
  await expect(page.getByText(/^live · read/)).toBeVisible();
  for (const cell of await page.getByTestId("nodes-ready").all()) {
    await expect(cell).toHaveText(/^\d+ \/ \d+/);
  }

  await page.goto("/clusters?region=eu-west-1");
  await expect(page.getByTestId("cluster-row")).toHaveCount(2);
  const serving = page.getByTestId("cluster-row").filter({ hasText: "serve" });
  await serving.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/clusters\/[a-z0-9-]+-serve-01\?region=eu-west-1$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/euw1-serve-01$/);
  await expect(page.getByTestId("pool-row")).toHaveCount(3);
  await expect(page.getByRole("heading", { name: "Namespaces and GPU quotas" })).toBeVisible();
  expect(await page.getByTestId("hpa-row").count()).toBeGreaterThan(0);
  await expect(page.getByRole("meter").first()).toHaveAttribute("aria-valuetext", /GPUs allocated/);
});

test("a GPU node failure shows on the cluster with its reason and heals when stopped", async ({
  page,
}) => {
  // Its own experiment, told apart from other specs' by its reason.
  const reason = `e2e: node failure drill ${Date.now().toString(36)}`;
  await signIn(page, "admin@flightdeck.demo");
  await page.goto("/admin/chaos");
  const form = page.getByRole("form", { name: "Start a chaos experiment" });
  await form.getByLabel("Fault").selectOption("node_failure");
  await form.getByLabel("Region").selectOption("ap-southeast-1");
  await form.getByLabel("Strength (%)").fill("100");
  await form.getByLabel("Heals after (minutes)").fill("10");
  await form.getByLabel("Reason").fill(reason);
  page.once("dialog", (d) => d.accept());
  await form.getByRole("button", { name: "Start experiment" }).click();
  await expect(form.getByRole("status")).toHaveText("Started.");
  const experiment = page.getByTestId("chaos-row").filter({ hasText: reason });
  await expect(experiment).toContainText("100% of the region's GPU nodes go NotReady");

  await page.goto("/clusters?region=ap-southeast-1");
  const rows = page.getByTestId("cluster-row");
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) {
    await expect(row.getByText("degraded")).toBeVisible();
    await expect(row.getByTestId("nodes-ready")).toHaveText(/^0 \/ \d+/);
  }
  await rows.filter({ hasText: "serve" }).getByRole("link").first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/apse1-serve-01$/);
  // Waits for the cluster page: a count taken during navigation would read the old page.
  const unhealthy = page.getByTestId("unhealthy-nodes").getByRole("listitem");
  await expect(unhealthy.first()).toContainText("NotReady");
  expect(await unhealthy.count()).toBeGreaterThan(0);

  await page.goto("/admin/chaos");
  await experiment.getByRole("button", { name: "Stop and heal" }).click();
  await expect(experiment).toContainText("stopped");
  await page.goto("/clusters?region=ap-southeast-1");
  for (const row of await page.getByTestId("cluster-row").all()) {
    await expect(row.getByTestId("nodes-ready")).not.toHaveText(/^0 \//);
  }
});
