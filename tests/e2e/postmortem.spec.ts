import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

const ENGINEER = "engineer@flightdeck.demo";

test("an engineer cannot close a resolved SEV2 until its postmortem is complete, then closes it", async ({
  page,
}) => {
  const title = `Ranker XL errors after a config push (e2e ${Date.now().toString(36)})`;
  page.on("dialog", (d) => void d.accept());
  await page.context().clearCookies();
  await signIn(page, ENGINEER);

  await page.goto("/incidents/new");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Severity").selectOption("SEV2");
  await page.getByLabel("Affected models").selectOption("ranker-xl");
  await page.getByLabel("Linked SLOs").selectOption("ranker-xl-availability");
  await page.getByRole("button", { name: "Declare incident" }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  const incidentUrl = page.url();
  const badges = page.getByLabel("Severity and status");

  await page.getByRole("button", { name: "Resolve", exact: true }).click();
  await expect(badges.locator('[data-status="resolved"]')).toBeVisible();

  // Close is refused, with the reason.
  await expect(page.getByRole("button", { name: "Close", exact: true })).toHaveCount(0);
  await expect(page.getByTestId("close-blocked")).toHaveText(
    "Close is not available: This incident is resolved but cannot be closed yet: it needs a complete postmortem (it is a SEV2 incident). None has been started.",
  );
  await expect(page.getByRole("heading", { name: "SLO impact" })).toBeVisible();
  await expect(page.getByRole("list", { name: "SLO impact" })).toContainText(
    /ranker-xl-availability.*of the error budget/,
  );

  await page.getByRole("link", { name: "Write the postmortem" }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+\/postmortem$/);
  await expect(
    page.getByRole("heading", { level: 1, name: new RegExp(`^Postmortem: #\\d+ `) }),
  ).toBeVisible();
  const progress = page
    .getByRole("form", { name: "Postmortem" })
    .getByTestId("postmortem-progress");
  await expect(progress).toContainText("Required: it is a SEV2 incident.");
  await expect(progress).toContainText("Write a summary.");

  // The timeline is filled in from the incident: kept as it is.
  const timeline = page.getByRole("list", { name: "Postmortem timeline" });
  await expect(timeline.getByRole("listitem")).not.toHaveCount(0);
  const texts = await timeline
    .getByRole("textbox")
    .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
  expect(texts).toEqual(
    expect.arrayContaining(["Detected", `Declared SEV2: ${title} (${ENGINEER})`, "Resolved"]),
  );

  await page
    .getByLabel("Summary")
    .fill("A config push turned on a ranking feature whose store was not warmed.");
  await page
    .getByLabel("Impact", { exact: true })
    .fill("About 4% of ranking requests failed for 20 minutes in us-east-1.");
  await page.getByRole("button", { name: "Add contributing factor" }).click();
  await page
    .getByLabel("Contributing factor 1", { exact: true })
    .fill("The feature flag had no staged rollout.");
  await page.getByRole("button", { name: "Add follow-up" }).click();
  await page.getByLabel("Follow-up 1 action").fill("Roll feature flags out in stages");
  await page.getByLabel("Follow-up 1 owner").selectOption(ENGINEER);
  await page.getByLabel("Follow-up 1 due date").fill("2027-01-15");
  await expect(progress).toContainText("Complete");
  await expect(page.getByRole("status").filter({ hasText: "Unsaved changes." })).toBeVisible();

  await page.getByRole("button", { name: "Save postmortem" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();

  // Back on the incident, the card says so and close works.
  await page.goto(incidentUrl);
  await expect(page.getByTestId("postmortem-progress")).toContainText("Complete");
  await expect(page.getByTestId("close-blocked")).toHaveCount(0);
  await page.getByRole("button", { name: "Close", exact: true }).click();
  await expect(badges.locator('[data-status="closed"]')).toBeVisible();
  await expect(page.getByRole("list", { name: "Timeline" })).toContainText("Postmortem completed");

  // Once closed, the postmortem is read-only.
  await page.getByRole("link", { name: "Read the postmortem" }).click();
  await expect(page.getByTestId("read-only")).toContainText(
    "is closed; its postmortem is read-only",
  );
  await expect(page.getByRole("button", { name: "Save postmortem" })).toHaveCount(0);
  await expect(page.getByRole("article", { name: "Postmortem" })).toContainText(
    "Roll feature flags out in stages",
  );
});
