import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

test("an anonymous visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/rollouts");
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await expect(page.getByText("admin@flightdeck.demo")).toBeVisible();
});

test("a wrong password is refused with a clear message", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("engineer@flightdeck.demo");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.locator("form [role=alert]")).toContainText("Email or password is incorrect");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("sign in, visit every section, see seeded data, sign out", async ({ page }) => {
  await signIn(page, "engineer@flightdeck.demo");
  await expect(page.getByTestId("current-role")).toHaveText("Engineer");

  // Overview counts reflect the seeded fleet.
  await expect(page.getByTestId("stat-clusters")).toHaveText("8");
  await expect(page.getByTestId("stat-models")).toHaveText("6");
  await expect(page.getByTestId("stat-slos")).toHaveText(/^(1[2-9]|[2-9]\d)$/);
  // Live traffic comes from the platform layer (the simulator), one row per deployed model.
  await expect(page.getByTestId("live-traffic-row")).toHaveCount(6);
  await expect(page.getByTestId("platform-status")).toHaveAttribute("data-status", "ok");

  const sections = [
    {
      link: "Clusters",
      heading: "Clusters",
      row: "cluster-row",
      min: 8,
      text: "eks-use1-serve-01",
    },
    { link: "Models", heading: "Models", row: "model-row", min: 6, text: "Ranker XL" },
    { link: "Rollouts", heading: "Rollouts", row: "rollout-row", min: 20, text: "completed" },
    { link: "SLOs", heading: "SLOs", row: "slo-row", min: 12, text: "ranker-xl-availability" },
    { link: "Incidents", heading: "Incidents", row: "incident-row", min: 3, text: "SEV2" },
    {
      link: "Training",
      heading: "Training jobs",
      row: "training-row",
      min: 5,
      text: "assistant-llm-70b-train-002",
    },
    { link: "Audit log", heading: "Audit log", row: "audit-row", min: 1, text: "auth.sign_in" },
  ];
  const nav = page.getByRole("navigation", { name: "Sections" }).first();
  for (const s of sections) {
    await nav.getByRole("link", { name: s.link, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: s.heading })).toBeVisible();
    await expect(page.getByTestId(s.row).first()).toBeVisible();
    const count = await page.getByTestId(s.row).count();
    expect(count, `${s.link} rows`).toBeGreaterThanOrEqual(Math.min(s.min, 20));
    await expect(page.getByRole("main")).toContainText(s.text);
  }

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("the region and environment filter lives in the URL and follows navigation", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.getByRole("link", { name: "Rollouts", exact: true }).first().click();
  // Filter only once the Rollouts page is there, or the filter applies to the page left behind.
  await expect(page.getByRole("heading", { level: 1, name: "Rollouts" })).toBeVisible();
  await page.getByLabel("Region").selectOption("us-east-1");
  await expect(page).toHaveURL(/region=us-east-1/);
  await page.getByLabel("Environment").selectOption("production");
  await expect(page).toHaveURL(/env=production/);
  const rows = page.getByTestId("rollout-row");
  await expect(rows.first()).toContainText("production/us-east-1");
  for (const text of await rows.allTextContents()) expect(text).toContain("production/us-east-1");

  // A shared link opens the same view; the sidebar keeps the filter.
  const shared = page.url();
  await page.goto(shared);
  await expect(page.getByLabel("Region")).toHaveValue("us-east-1");
  await page.getByRole("link", { name: "Clusters", exact: true }).first().click();
  await expect(page).toHaveURL(/\/clusters\?region=us-east-1&env=production/);
  await expect(page.getByTestId("cluster-row")).toHaveCount(2);
});

test("pagination moves through rollouts on the server", async ({ page }) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/rollouts");
  await expect(page.getByTestId("page-summary")).toHaveText(/^1–20 of \d+$/);
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByTestId("page-summary")).toHaveText(/^21–40 of \d+$/);
});

test("unknown pages show a not-found page", async ({ page }) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("health reports the database and platform, with details for signed-in users", async ({
  page,
  request,
}) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({
    status: "ok",
    checks: { database: { status: "ok" }, platform: { status: "ok" } },
  });
  await signIn(page, "viewer@flightdeck.demo");
  const detailed = await page.request.get("/api/health");
  expect(detailed.status()).toBe(200);
  expect(await detailed.json()).toMatchObject({
    status: "ok",
    checks: { database: { status: "ok" }, platform: { adapter: "simulator", status: "ok" } },
  });
});
