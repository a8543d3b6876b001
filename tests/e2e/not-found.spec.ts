import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";

/** The first link on a list page to one of its objects. */
async function firstLink(page: Page, list: string, pattern: RegExp): Promise<string> {
  await page.goto(list);
  // The list streams in after the page's loading skeleton.
  const links = page.locator(`main a[href^="${list}/"]`);
  await expect(links.first()).toBeVisible();
  const hrefs = await links.evaluateAll((all) => all.map((a) => a.getAttribute("href") ?? ""));
  const href = hrefs.map((h) => h.split("?")[0] ?? "").find((h) => pattern.test(h));
  if (!href) throw new Error(`no link matching ${pattern} on ${list}`);
  return href;
}

test("a page for an object that does not exist answers 404; one that exists, 200", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  const status = async (path: string) => (await page.request.get(path)).status();

  const missing = [
    "/clusters/no-such-cluster",
    "/incidents/99999",
    "/incidents/99999/postmortem",
    "/incidents/not-a-number",
    "/models/no-such-model",
    "/models/no-such-model/compare",
    "/models/no-such-model/versions/1.0.0",
    "/models/ranker-xl/versions/0.0.0-no-such-version",
    "/promotions/99999",
    "/rollouts/no-such-rollout",
    "/slos/no-such-slo",
    "/slos/no-such-slo/edit",
  ];
  for (const path of missing) expect(await status(path), path).toBe(404);

  const incident = await firstLink(page, "/incidents", /^\/incidents\/\d+$/);
  const rollout = await firstLink(page, "/rollouts", /^\/rollouts\/[a-z0-9]+$/);
  const promotion = await firstLink(page, "/promotions", /^\/promotions\/\d+$/);
  const version = await firstLink(page, "/models/ranker-xl", /^\/models\/ranker-xl\/versions\/.+/);
  const existing = [
    "/clusters/gke-euw1-serve-01",
    incident,
    `${incident}/postmortem`,
    "/models/ranker-xl",
    "/models/ranker-xl/compare",
    version,
    promotion,
    rollout,
    "/slos/ranker-xl-availability",
    "/slos/ranker-xl-availability/edit",
    // Static pages beside the dynamic ones are pages, not objects.
    "/incidents/new",
    "/promotions/policy",
    "/slos/review",
  ];
  for (const path of existing) expect(await status(path), path).toBe(200);

  // In the browser too: the status, and the not-found page.
  const res = await page.goto("/clusters/no-such-cluster");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("signed out, a missing object's page sends you to sign in, like any other", async ({
  request,
}) => {
  for (const path of ["/clusters/no-such-cluster", "/clusters/gke-euw1-serve-01"]) {
    const res = await request.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(307);
    expect(res.headers().location).toMatch(/\/sign-in/);
  }
});
