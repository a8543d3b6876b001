import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

test("a failed training job is resumed from its last checkpoint, once, and audited", async ({
  page,
}) => {
  // Leadership sees the failure but no button.
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/training");
  const failed = page.getByTestId("training-row").filter({ hasText: "speech-asr" });
  await expect(failed.getByText("failed")).toBeVisible();
  await expect(failed.getByRole("button", { name: "Resume from checkpoint" })).toHaveCount(0);

  // Failed and waiting for someone: its time down holds no GPUs, so it shows as time, not as
  // restart GPU-hours lost.
  await page.goto("/training/speech-asr-train-004");
  await expect(page.getByTestId("down-for")).toContainText(
    /Down for [\d.]+ (min|h|d) since it failed, holding no GPUs/,
  );
  await expect(page.getByTestId("interruption-row").first()).toContainText(
    /down for [\d.]+ (min|h|d), no GPUs held/,
  );

  await page.context().clearCookies();
  await signIn(page, "admin@flightdeck.demo");
  await page.goto("/training");
  const row = page.getByTestId("training-row").filter({ hasText: "speech-asr" });
  let dialogText = "";
  page.once("dialog", (d) => {
    dialogText = d.message();
    void d.accept();
  });
  await row.getByRole("button", { name: "Resume from checkpoint" }).click();
  await expect(row.getByRole("button", { name: "Resume from checkpoint" })).toHaveCount(0);
  expect(dialogText).toMatch(/from step [\d,]+\?/);
  await expect(row.getByText(/queued|running|checkpointing/)).toBeVisible();
  await expect(row).not.toContainText("NCCL timeout");

  // The intent, written before the platform was asked, then the outcome (newest first).
  await page.goto("/audit?action=training.resume");
  const audit = page.getByTestId("audit-row");
  await expect(audit).toHaveCount(2);
  await expect(audit.nth(0)).not.toContainText("training.resume_requested");
  await expect(audit.nth(0)).toContainText("training.resume");
  await expect(audit.nth(1)).toContainText("training.resume_requested");
});

test("the job that failed twice shows what each failure cost and whether its checkpoint interval is right", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/training");
  // Fleet-wide: interruption rates, and the job among those flagged by the advice.
  const reliability = page.getByTestId("fleet-reliability");
  await expect(
    reliability.getByTestId("rates-by-gpu").getByRole("cell", { name: "H100" }),
  ).toBeVisible();
  await expect(reliability.getByTestId("rates-by-cluster")).toBeVisible();
  const flagged = reliability
    .getByTestId("flagged-row")
    .filter({ hasText: "assistant-llm-70b-train-002" });
  await expect(flagged).toContainText("Checkpoints far too rarely");
  await expect(
    reliability.getByTestId("flagged-row").filter({ hasText: "ranker-xl-train-001" }),
  ).toContainText("Checkpoints far too often");

  // From the list to the job's page.
  await page
    .getByTestId("training-row")
    .filter({ hasText: "assistant-llm-70b" })
    .getByRole("link", { name: "assistant-llm-70b-train-002" })
    .click();
  await expect(
    page.getByRole("heading", { level: 1, name: "assistant-llm-70b-train-002" }),
  ).toBeVisible();

  // Each failure with its cause in words and what it cost.
  const rows = page.getByTestId("interruption-row");
  const xid = rows.filter({ hasText: "GPU Xid error" });
  const nccl = rows.filter({ hasText: "NCCL timeout" });
  await expect(xid).toHaveCount(1);
  await expect(nccl).toHaveCount(1);
  for (const row of [xid, nccl]) {
    const cells = row.getByRole("cell");
    await expect(cells.nth(2)).toHaveText(/^[\d,]+$/); // steps lost
    await expect(cells.nth(3)).toHaveText(/\d+(\.\d)? (h|min)/); // work lost
    await expect(cells.nth(4)).toHaveText(/\d+ min/); // restart
    await expect(cells.nth(5)).toHaveText(/^[\d,]+(\.\d)?$/); // GPU-hours lost
  }
  await expect(xid).toContainText("14 min");
  await expect(page.getByTestId("goodput")).toContainText(/\d+\.\d%/);

  // The advice: the formula with its numbers, and the verdict in words.
  const advice = page.getByTestId("checkpoint-advice");
  await expect(advice.getByTestId("advice-verdict")).toHaveText("Checkpoints far too rarely");
  await expect(advice.getByTestId("advice-formula")).toContainText(
    /τ\* = √\(2 × C × MTBI\) = √\(2 × [\d.]+ h × [\d.]+ h\) = [\d.]+ h/,
  );
  await expect(advice.getByTestId("advice-summary")).toContainText(/Checkpoint about every/);
  await expect(page.getByTestId("checkpoint-row").first()).toContainText(/\d+ s|\d+\.\d min/);

  // An unknown job is a 404.
  const missing = await page.goto("/training/no-such-job");
  expect(missing?.status()).toBe(404);
});
