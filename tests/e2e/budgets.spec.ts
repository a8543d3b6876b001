import { gzipSync } from "node:zlib";
import { expect, test, type Browser, type BrowserContextOptions } from "@playwright/test";
import { DEMO_PASSWORD } from "./support/auth";
import { firstLink } from "./support/links";

/**
 * First-load JavaScript per page, measured in Chromium as a person opening the page with an
 * empty cache: the gzip size of every script the HTML document loads (the parser-inserted
 * ones). What the page fetches later is not first-load: charts load after the first paint
 * (components/charts/lazy.tsx) and links prefetch the pages they lead to.
 *
 * The framework alone (React DOM, the Next.js runtime and the bundler's runtime) is about
 * 130 kB of this on every page, so the budgets are that and what each kind of page adds: the
 * shell (navigation, filter, theme), buttons with a confirmation, forms with validation, and
 * the rollout page's live part (polling, actions).
 */
const SHELL = 143;
const ACTIONS = 157;
const FORMS = 190;
const ROLLOUT_PAGE = 180;

const KB = 1024;

async function firstLoad(
  browser: Browser,
  path: string,
  options: BrowserContextOptions,
): Promise<{ first: number; later: number }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const initiators = new Map<string, string>();
  cdp.on("Network.requestWillBeSent", (event) => {
    if (event.type === "Script") initiators.set(event.request.url, event.initiator.type);
  });
  const sizes = new Map<string, Promise<number>>();
  page.on("response", (response) => {
    if (response.request().resourceType() !== "script") return;
    sizes.set(
      response.url(),
      response.body().then(
        (body) => gzipSync(body).length,
        () => 0,
      ),
    );
  });
  const response = await page.goto(path, { waitUntil: "networkidle" });
  expect(response?.status(), path).toBe(200);
  let first = 0;
  let later = 0;
  for (const [url, size] of sizes) {
    if (initiators.get(url) === "parser") first += await size;
    else later += await size;
  }
  await context.close();
  return { first: first / KB, later: later / KB };
}

test("every page's first-load JavaScript is within its budget", async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const signInContext = await browser.newContext({ baseURL });
  const signInPage = await signInContext.newPage();
  await signInPage.goto("/sign-in");
  await signInPage.getByLabel("Email").fill("admin@flightdeck.demo");
  await signInPage.getByLabel("Password").fill(DEMO_PASSWORD);
  await signInPage.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(signInPage.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  const signedIn = { baseURL, storageState: await signInContext.storageState() };

  const rollout = await firstLink(signInPage, "/rollouts", /^\/rollouts\/(?!new)[a-z0-9]+$/);
  const incident = await firstLink(signInPage, "/incidents", /^\/incidents\/\d+$/);
  const promotion = await firstLink(signInPage, "/promotions", /^\/promotions\/\d+$/);
  await signInContext.close();

  const budgets: [string, number][] = [
    ["/", SHELL],
    ["/clusters", SHELL],
    ["/clusters/eks-use1-serve-01", SHELL],
    ["/regions", ACTIONS],
    ["/regions/drain?region=us-east-1", FORMS],
    ["/capacity?gpus=16&gpuType=H100&team=ranking", SHELL],
    ["/models", SHELL],
    ["/models/ranker-xl", ACTIONS],
    ["/rollouts", SHELL],
    [rollout, ROLLOUT_PAGE],
    ["/slos", SHELL],
    ["/slos/ranker-xl-availability", ACTIONS],
    ["/slos/review", SHELL],
    ["/incidents", SHELL],
    [incident, FORMS],
    ["/promotions", SHELL],
    [promotion, ACTIONS],
    ["/training", ACTIONS],
    ["/training/assistant-llm-70b-train-002", ACTIONS],
    ["/deployments", ACTIONS],
    ["/audit", SHELL],
    ["/rollouts/new", FORMS],
    ["/promotions/new", FORMS],
    ["/incidents/new", FORMS],
    ["/slos/new", FORMS],
    ["/admin/users", ACTIONS],
    ["/admin/chaos", FORMS],
    ["/admin/notifications", FORMS],
    ["/admin/notifications/deliveries", ACTIONS],
    ["/promotions/policy", FORMS],
  ];
  const rows: string[] = [];
  const over: string[] = [];
  for (const [path, budget] of budgets) {
    const { first, later } = await firstLoad(browser, path, signedIn);
    rows.push(`${path}: ${first.toFixed(1)} kB (budget ${budget}), later ${later.toFixed(1)} kB`);
    if (first > budget) over.push(`${path}: ${first.toFixed(1)} kB > ${budget} kB`);
  }
  const signInPageSize = await firstLoad(browser, "/sign-in", { baseURL });
  rows.push(`/sign-in: ${signInPageSize.first.toFixed(1)} kB (budget ${ACTIONS})`);
  if (signInPageSize.first > ACTIONS) over.push(`/sign-in: ${signInPageSize.first.toFixed(1)} kB`);

  test
    .info()
    .annotations.push({ type: "first-load JavaScript (gzip)", description: rows.join("\n") });
  expect(over, `pages over their budget:\n${rows.join("\n")}`).toEqual([]);
});
