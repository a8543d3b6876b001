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
