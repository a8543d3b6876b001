import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";
import { versionBehaviour } from "../../src/lib/platform/simulator/behaviour";
import { verifyWebhookSignature } from "../../src/lib/domain/notifications/delivery";

// A signed webhook told about a rollout the analysis aborts. fraud-scorer (Trust & Safety) in
// production/us-west-2 is this file's: no other spec rolls fraud-scorer out (chaos.spec reads
// its error rate; this canary serves 10% of one region for a few seconds, a negligible share),
// and no other spec aborts a Trust & Safety rollout, so the subscription below hears only this
// one. Not us-east-1: chaos.spec degrades that region, and the engine pauses a rollout whose
// model's SLOs burn fast, before its analysis can abort it. production/us-west-2 takes changes
// only through promotions (other specs rely on that), so the admin starts it as a fix.
const DEMO_SEED = 20261129;
const MODEL = "fraud-scorer";
const TEAM = "Trust & Safety";
const ENVIRONMENT = "production/us-west-2";
const run = randomBytes(3).toString("hex");
const CHANNEL = `e2e-hook-${run}`;
const SECRET = `e2e-signing-secret-${randomBytes(12).toString("hex")}`;

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** when it arrived, for the signature's replay window */
  atSeconds: number;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers 200. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        atSeconds: Math.floor(Date.now() / 1000),
      });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

async function signInAs(page: Page, email: string) {
  await page.context().clearCookies();
  await signIn(page, email);
}

const header = (r: Received, name: string) => {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

interface WebhookBody {
  schema: string;
  id: string;
  type: string;
  summary: string;
  team: string | null;
  model: string | null;
  environment: string | null;
  subject: { kind: string; id: string; name: string; url: string };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;

test.beforeAll(async () => {
  receiver = await startReceiver();
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
});

test("only admins manage notifications", async ({ page }) => {
  for (const email of ["viewer@flightdeck.demo", "engineer@flightdeck.demo"]) {
    await signInAs(page, email);
    await expect(page.getByRole("link", { name: "Notifications" })).toHaveCount(0);
    for (const path of ["/admin/notifications", "/admin/notifications/deliveries"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
      await expect(
        page.getByText(
          /Your role cannot (manage notification channels|read the notification delivery log)/,
        ),
      ).toBeVisible();
      await expect(page.getByRole("form", { name: "Add channel" })).toHaveCount(0);
    }
  }
});

test("an admin's signed webhook hears, once and verifiably, about a rollout the analysis aborts", async ({
  page,
}) => {
  test.setTimeout(200_000);
  const hook = `${receiver.url}/flightdeck/${run}`;
  await signInAs(page, "admin@flightdeck.demo");
  await page.getByRole("link", { name: "Notifications", exact: true }).first().click();
  await expect(page).toHaveURL(/\/admin\/notifications$/);
  await expect(page.getByRole("heading", { level: 1, name: "Notifications" })).toBeVisible();

  // A webhook without a secret gets one generated, shown once; this one is deleted again.
  const form = page.getByRole("form", { name: "Add channel" });
  const chooseWebhook = async () =>
    // Chosen again until the form has hydrated and shows the webhook's fields.
    expect(async () => {
      await form.getByLabel("Kind").selectOption({ label: "Signed webhook" });
      await expect(form.getByLabel("Webhook URL")).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
  await chooseWebhook();
  await form.getByLabel("Name", { exact: true }).fill(`${CHANNEL}-generated`);
  await form.getByLabel("Webhook URL").fill(`${receiver.url}/unused`);
  await form.getByRole("button", { name: "Add channel" }).click();
  await expect(form.getByRole("status")).toContainText(`Channel “${CHANNEL}-generated” added`);
  await expect(page.getByTestId("new-signing-secret")).toHaveText(/^whsec_[\w-]{20,}$/);
  const generated = page.getByRole("region", { name: `${CHANNEL}-generated`, exact: true });
  await expect(generated).toContainText("Signed webhook");
  page.once("dialog", (d) => void d.accept());
  await generated.getByRole("button", { name: "Delete" }).click();
  await expect(generated).toHaveCount(0);

  // The receiver's channel, with the secret the receiver knows.
  await chooseWebhook();
  await form.getByLabel("Name", { exact: true }).fill(CHANNEL);
  await form.getByLabel("Webhook URL").fill(hook);
  await form.getByLabel("Signing secret (optional)").fill(SECRET);
  await form.getByRole("button", { name: "Add channel" }).click();
  await expect(form.getByRole("status")).toContainText(`Channel “${CHANNEL}” added`);
  await expect(page.getByTestId("new-signing-secret")).toHaveCount(0);
  const channel = page.getByRole("region", { name: CHANNEL, exact: true });
  await expect(channel.getByTestId("channel-state")).toHaveText("enabled");
  await expect(channel).toContainText(hook);
  await expect(channel).toContainText(`…${SECRET.slice(-4)}`);
  await expect(channel).not.toContainText(SECRET);
  const channelId = (await channel.getAttribute("data-channel-id")) ?? "";
  expect(channelId).toMatch(/^c[a-z0-9]+$/);

  // Subscribed for the model's team, to aborted rollouts only.
  await channel.locator("summary", { hasText: "Add subscription" }).click();
  const subscribe = channel.getByRole("form", { name: `Add subscription to ${CHANNEL}` });
  await subscribe.getByLabel("Team", { exact: true }).selectOption({ label: TEAM });
  for (const box of await subscribe.getByRole("checkbox").all()) await box.setChecked(false);
  await subscribe.getByLabel("Rollout aborted", { exact: true }).check();
  await subscribe.getByRole("button", { name: "Add subscription" }).click();
  await expect(subscribe.getByRole("status")).toHaveText("Subscribed.");
  const subscription = channel.getByTestId("subscription");
  await expect(subscription).toHaveCount(1);
  await expect(subscription.getByTestId("subscription-scope")).toHaveText(`team ${TEAM}`);
  await expect(subscription.getByRole("list", { name: "Events" })).toHaveText("Rollout aborted");

  // A bad version (elevated 5xx) with analysis: the engine aborts it by itself.
  await page.goto(`/rollouts/new?model=${MODEL}`);
  const start = page.getByRole("form", { name: "Start a rollout" });
  await expect(start.getByLabel("Model")).toHaveValue(MODEL);
  await expect(start.getByLabel("Version").locator("option")).not.toHaveCount(0);
  const versions = await start.getByLabel("Version").locator("option").allTextContents();
  const bad = versions
    .map((v) => v.trim())
    .find((v) => versionBehaviour(DEMO_SEED, MODEL, v).fault === "errors");
  expect(bad, `a faulty ${MODEL} version among ${versions.join(", ")}`).toBeDefined();
  // 10% of the region's traffic: enough requests for every 6 s interval at the daily low, too
  // little for the canary's errors to burn the model's SLOs fast.
  const steps = "weight 10\nanalysis 120s every 6s\nweight 100";
  // Filled again until the form holds exactly this (a fill before hydration can be lost).
  await expect(async () => {
    await start.getByLabel("Version").selectOption(bad ?? "");
    await start.getByLabel("Steps, one per line").fill(steps);
    await start.getByLabel("Waves, one per line").fill(ENVIRONMENT);
    await expect(start.getByLabel("Version")).toHaveValue(bad ?? "", { timeout: 1_000 });
    await expect(start.getByLabel("Steps, one per line")).toHaveValue(steps, { timeout: 1_000 });
    await expect(start.getByLabel("Waves, one per line")).toHaveValue(ENVIRONMENT, {
      timeout: 1_000,
    });
  }).toPass({ timeout: 15_000 });
  await expect(start.getByTestId("release-process")).toContainText(
    `${ENVIRONMENT} takes changes only through promotions`,
  );
  await start.getByLabel("This change is a fix").check();
  await start.getByLabel(/Reason for the override/).fill(`Notifications drill (e2e ${run})`);
  page.once("dialog", (d) => void d.accept());
  await start.getByRole("button", { name: "Start rollout" }).click();
  await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
  const rolloutPath = new URL(page.url()).pathname;
  // Another spec's chaos in us-east-1 can make fraud-scorer's SLOs burn fast for a few minutes:
  // the engine's burn guard then pauses the canary. As on-call would, resume it (the guard gives
  // a resumed rollout five minutes), and the analysis goes on to abort it.
  const live = page.getByTestId("rollout-live");
  await expect(async () => {
    const status = await live.getAttribute("data-status");
    if (status === "paused") {
      await expect(page.getByTestId("rollout-reason")).toContainText("burning its error budget", {
        timeout: 1_000,
      });
      await page.getByRole("button", { name: "Resume" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Confirm: resume" }).click();
    }
    expect(await live.getAttribute("data-status")).toBe("aborted");
  }).toPass({ timeout: 100_000, intervals: [2_000] });
  await expect(page.getByTestId("rollout-reason")).toContainText("Analysis failed");
  // After the fact, the error-rate chart still shows the canary the analysis caught, and when.
  const errors = page.getByRole("figure").filter({ hasText: "Error rate" });
  await expect(errors.getByTestId("chart-reading")).toContainText(/canary \d+\.\d{2}%/);
  await expect(errors.getByRole("img", { name: /^Error rate: / })).toHaveAttribute(
    "aria-label",
    /; aborted at /,
  );

  // The delivery log, filtered to the channel: delivered within a few worker passes.
  await page.goto(`/admin/notifications/deliveries?channel=${channelId}`);
  const row = page.getByTestId("delivery-row").filter({ hasText: "Rollout aborted" });
  await expect(async () => {
    await page.reload();
    await expect(row).toHaveAttribute("data-status", "delivered", { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId("delivery-row")).toHaveCount(1);
  await expect(row.getByRole("link", { name: new RegExp(`^${MODEL} ${bad}`) })).toHaveAttribute(
    "href",
    rolloutPath,
  );
  await expect(row).toContainText(`Rollout of ${MODEL} ${bad} to ${ENVIRONMENT} aborted`);
  await expect(row).toContainText("HTTP 200");
  await expect(row.getByRole("cell").nth(3)).toContainText("delivered");
  const eventId = (await row.getAttribute("data-event-id")) ?? "";
  // The status filter is a link that keeps the channel.
  await page.getByRole("group", { name: "Status" }).getByRole("link", { name: "Dead" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]channel=${channelId}`));
  await expect(page).toHaveURL(/[?&]status=dead/);
  await expect(page.getByText("No deliveries match these filters")).toBeVisible();

  // Exactly one request, signed with the channel's secret, about this rollout. (Two more worker
  // passes first, so a duplicate send would have arrived.)
  await page.waitForTimeout(4_500);
  const ours = receiver.received.filter((r) => r.path === `/flightdeck/${run}`);
  expect(ours).toHaveLength(1);
  const [request] = ours;
  if (!request) throw new Error("no request");
  expect(header(request, "content-type")).toMatch(/^application\/json/);
  expect(header(request, "X-Flightdeck-Event-Id")).toBe(eventId);
  const signature = header(request, "X-Flightdeck-Signature");
  expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  expect(signature).toContain(`t=${header(request, "X-Flightdeck-Timestamp")},`);
  expect(
    verifyWebhookSignature({
      header: signature,
      secret: SECRET,
      body: request.body,
      nowSeconds: request.atSeconds,
    }),
  ).toEqual({ ok: true });
  expect(
    verifyWebhookSignature({
      header: signature,
      secret: `${SECRET}-wrong`,
      body: request.body,
      nowSeconds: request.atSeconds,
    }).ok,
  ).toBe(false);
  const body = JSON.parse(request.body) as WebhookBody;
  expect(body.schema).toBe("flightdeck.notification.v1");
  expect(body.id).toBe(eventId);
  expect(body.type).toBe("rollout.aborted");
  expect(body.subject.kind).toBe("rollout");
  expect(`/rollouts/${body.subject.id}`).toBe(rolloutPath);
  expect(body.subject.url.endsWith(rolloutPath)).toBe(true);
  expect(body.team).toBe(TEAM);
  expect(body.model).toBe(MODEL);
  expect(body.environment).toBe(ENVIRONMENT);

  // Redelivered on request: the same event id again, signed again.
  await page.goto(`/admin/notifications/deliveries?channel=${channelId}&status=delivered`);
  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Redeliver" }).click();
  await expect
    .poll(() => receiver.received.filter((r) => r.path === `/flightdeck/${run}`).length, {
      timeout: 30_000,
    })
    .toBe(2);
  const again = receiver.received.filter((r) => r.path === `/flightdeck/${run}`)[1];
  if (!again) throw new Error("no second request");
  expect(header(again, "X-Flightdeck-Event-Id")).toBe(eventId);
  expect(
    verifyWebhookSignature({
      header: header(again, "X-Flightdeck-Signature"),
      secret: SECRET,
      body: again.body,
      nowSeconds: again.atSeconds,
    }),
  ).toEqual({ ok: true });

  // Leave nothing subscribed for later runs against the same app.
  await page.goto("/admin/notifications");
  page.once("dialog", (d) => void d.accept());
  await channel.getByRole("button", { name: "Delete" }).click();
  await expect(channel).toHaveCount(0);
});
