import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";

async function signInAs(page: Page, email: string) {
  await page.context().clearCookies();
  await signIn(page, email);
}

/** Starts `model` with `steps` in `environment` from the New rollout form; returns the refusal or the page. */
// query-embedder in production/us-west-2 is this file's: no other spec changes it. (The flood
// test runs by itself after all other specs, in the "alone" project; it comes after the others
// in this file too, so the model's rollouts here never overlap.)
async function submitRollout(
  page: Page,
  model: string,
  environment: string,
  steps: string,
  fix?: string,
) {
  await page.goto(`/rollouts/new?model=${model}`);
  const form = page.getByRole("form", { name: "Start a rollout" });
  // Filled again until the form holds exactly this: a fill before the form has hydrated can
  // be merged with the plan it loads (a fresh-clone run submitted "pauseweight 10").
  await expect(async () => {
    await form.getByLabel("Steps, one per line").fill(steps);
    await form.getByLabel("Waves, one per line").fill(environment);
    await expect(form.getByLabel("Steps, one per line")).toHaveValue(steps, { timeout: 1_000 });
    await expect(form.getByLabel("Waves, one per line")).toHaveValue(environment, {
      timeout: 1_000,
    });
  }).toPass({ timeout: 15_000 });
  await expect(form.getByTestId("release-process")).toContainText(
    `${environment} takes changes only through promotions`,
  );
  if (fix) {
    await form.getByLabel("This change is a fix").check();
    await form.getByLabel(/Reason for the override/).fill(fix);
  }
  page.once("dialog", (d) => void d.accept());
  await form.getByRole("button", { name: "Start rollout" }).click();
  return form;
}

test("demo accounts beside single sign-on are announced on every page", async ({ page }) => {
  await page.goto("/sign-in");
  await expect(page.getByTestId("demo-banner")).toContainText("Demo accounts are enabled");
  await signIn(page, "viewer@flightdeck.demo");
  for (const path of ["/", "/rollouts", "/slos", "/incidents"]) {
    await page.goto(path);
    await expect(page.getByTestId("demo-banner")).toBeVisible();
  }
});

test("production takes changes only through promotions; an admin's fix with a reason goes through and says so", async ({
  page,
}) => {
  await signInAs(page, "release@flightdeck.demo");
  const refused = await submitRollout(
    page,
    "query-embedder",
    "production/us-west-2",
    "weight 10\npause",
  );
  await expect(refused.getByRole("alert")).toContainText(
    "production/us-west-2 takes changes only through promotions. Starting a rollout here directly is refused. Request a promotion instead",
  );
  await expect(page).toHaveURL(/\/rollouts\/new/);

  await signInAs(page, "admin@flightdeck.demo");
  await submitRollout(
    page,
    "query-embedder",
    "production/us-west-2",
    "weight 10\npause",
    "Hotfix for the tokenizer crash (e2e drill)",
  );
  await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
  await expect(page.getByTestId("rollout-overrides")).toContainText(
    "production/us-west-2 takes changes only through promotions: overridden by an admin for a fix: Hotfix for the tokenizer crash (e2e drill)",
  );
  // Leave nothing in flight for later journeys.
  await expect(page.getByTestId("rollout-live")).toHaveAttribute("data-status", "paused", {
    timeout: 15_000,
  });
  await page.getByRole("button", { name: "Abort" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Confirm: abort" }).click();
  await expect(page.getByTestId("rollout-live")).toHaveAttribute("data-status", "aborted");
});

test(
  "a flood of sign-ins for one account leaves health checks, the rollout engine and an engineer's abort on time",
  {
    tag: "@alone",
  },
  async ({ page, browser, baseURL }, testInfo) => {
    test.setTimeout(120_000);
    const base = baseURL ?? "";
    // The engineer signs in first: between the rollout's start and the first check of its
    // weight there is only one page load, well inside the timed pause (a fresh-clone run signed
    // in there, took over 4 s, and found the pause already over).
    const engineer = await browser.newPage({ baseURL: testInfo.project.use.baseURL });
    await signIn(engineer, "engineer@flightdeck.demo");
    // A rollout whose timed pause the engine must end while the flood runs.
    await signInAs(page, "admin@flightdeck.demo");
    await submitRollout(
      page,
      "query-embedder",
      "production/us-west-2",
      "weight 10\npause 8s\nweight 20\npause",
      "Sign-in flood drill",
    );
    await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
    const rolloutUrl = new URL(page.url()).pathname;
    await engineer.goto(rolloutUrl);
    await expect(engineer.getByTestId("rollout-weight")).toHaveText(/^10% on/, { timeout: 15_000 });

    const healthLatency = async () => {
      const t = performance.now();
      const res = await fetch(`${base}/api/health`);
      expect(res.status).toBe(200);
      return performance.now() - t;
    };
    const normal = Math.max(...(await Promise.all([1, 2, 3].map(() => healthLatency()))));

    // 200 concurrent password attempts for one account, through Auth.js like the sign-in form.
    const csrf = await fetch(`${base}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookie = (csrf.headers.getSetCookie() ?? []).map((c) => c.split(";")[0]).join("; ");
    const target = `flood-${Date.now()}@flightdeck.demo`;
    const flood = Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${base}/api/auth/callback/credentials`, {
          method: "POST",
          redirect: "manual",
          headers: {
            origin: base,
            cookie,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ csrfToken, email: target, password: `guess-${i}` }),
        }).then((r) => r.status),
      ),
    );

    // While it runs: health answers, the engine ends the timed pause, and an abort lands.
    const during: number[] = [];
    for (let i = 0; i < 5; i++) during.push(await healthLatency());
    await expect(engineer.getByTestId("rollout-weight")).toHaveText(/^20% on/, { timeout: 15_000 });
    const clicked = performance.now();
    await engineer.getByRole("button", { name: "Abort" }).click();
    await engineer.getByRole("dialog").getByRole("button", { name: "Confirm: abort" }).click();
    await expect(engineer.getByTestId("rollout-live")).toHaveAttribute("data-status", "aborted", {
      timeout: 5_000,
    });
    const abortMs = performance.now() - clicked;
    const statuses = await flood;

    testInfo.annotations.push({
      type: "figures",
      description: `health normally ${normal.toFixed(0)} ms, during the flood at most ${Math.max(...during).toFixed(0)} ms; abort applied in ${abortMs.toFixed(0)} ms`,
    });
    // Every attempt was answered: checked (a redirect back to the sign-in page) or, beyond a
    // few at once from one address, refused at the door; none failed.
    expect(statuses.every((s) => s === 302 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 302).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(100);
    expect(Math.max(...during)).toBeLessThan(1_500);
    expect(abortMs).toBeLessThan(5_000);
    await engineer.close();
  },
);
