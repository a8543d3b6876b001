import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";

const ENGINEER = "engineer@flightdeck.demo";

async function signInAs(page: Page, email: string) {
  await page.context().clearCookies();
  await signIn(page, email);
}

/** Clicks a lifecycle button (its confirmation, if any, is accepted) and waits for the status. */
async function step(page: Page, button: string, status: string) {
  await page.getByRole("button", { name: button, exact: true }).click();
  await expect(
    page.getByLabel("Severity and status").locator(`[data-status="${status}"]`),
  ).toBeVisible();
}

test("an engineer declares a SEV3 incident and works it from triage to closed", async ({
  page,
}) => {
  const title = `Ranker XL 5xx in us-east-1 (e2e ${Date.now().toString(36)})`;
  const confirmations: string[] = [];
  page.on("dialog", (d) => {
    confirmations.push(d.message());
    void d.accept();
  });
  await signInAs(page, ENGINEER);
  await page.goto("/incidents");
  await page.getByRole("link", { name: "Declare incident" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Declare incident" })).toBeVisible();

  // Validation happens before anything is sent.
  await page.getByRole("button", { name: "Declare incident" }).click();
  await expect(page.getByText("Say what is wrong in a title")).toBeVisible();

  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Severity").selectOption("SEV3");
  await page.getByLabel("Summary").fill("5xx rate above 2% on ranker-xl in us-east-1.");
  await page.getByLabel("Affected models").selectOption("ranker-xl");
  await page.getByLabel("Affected regions").selectOption("us-east-1");
  await page.getByLabel("Linked SLOs").selectOption("ranker-xl-availability");
  await page.getByRole("button", { name: "Declare incident" }).click();

  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  await expect(
    page.getByRole("heading", { level: 1, name: new RegExp(title.replace(/[()]/g, "\\$&")) }),
  ).toBeVisible();
  const badges = page.getByLabel("Severity and status");
  await expect(badges.locator('[data-status="SEV3"]')).toHaveText("SEV3");
  await expect(badges.locator('[data-status="triage"]')).toHaveText("triage");
  await expect(page.getByRole("link", { name: "Ranker XL (ranker-xl)" })).toHaveAttribute(
    "href",
    "/models/ranker-xl",
  );
  await expect(page.getByRole("link", { name: "us-east-1", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "ranker-xl-availability" })).toBeVisible();
  const timeline = page.getByRole("list", { name: "Timeline" });
  // The incident's own entries; related activity in us-east-1 (earlier tests' chaos) may
  // be interleaved.
  const own = timeline.locator('li[data-source="incident"]');
  await expect(own).toHaveCount(1);
  await expect(timeline).toContainText(`Declared SEV3: ${title}`);

  await step(page, "Acknowledge", "investigating");
  await expect(timeline).toContainText("Acknowledged");

  await page.getByLabel("Note", { exact: true }).fill("Shifted 50% of traffic to us-west-2.");
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(timeline).toContainText("Shifted 50% of traffic to us-west-2.");

  await page.getByLabel("Incident commander").selectOption(ENGINEER);
  await page.getByRole("button", { name: "Assign roles" }).click();
  await expect(timeline).toContainText(`Commander: ${ENGINEER}`);

  await step(page, "Mark mitigated", "mitigated");
  await expect(timeline).toContainText("Status: mitigated");
  await step(page, "Resolve", "resolved");
  await expect(timeline).toContainText("Status: resolved");
  await step(page, "Close", "closed");
  await expect(timeline).toContainText("Status: closed");

  await expect(own).toHaveCount(7);
  // resolve and close ask first; acknowledge and mitigate do not
  expect(confirmations).toEqual([
    expect.stringMatching(/^Resolve this incident\?/),
    expect.stringMatching(/^Close this incident\?/),
  ]);
  await expect(page.getByRole("button", { name: "Reopen" })).toHaveCount(0);
  await expect(page.getByText("its lifecycle has ended")).toBeVisible();
  const url = page.url();

  // The list links to it.
  await page.goto("/incidents");
  await expect(page.getByRole("link", { name: title })).toHaveAttribute(
    "href",
    new URL(url).pathname,
  );

  // A viewer reads it but sees no lifecycle buttons or forms.
  await signInAs(page, "viewer@flightdeck.demo");
  await page.goto(url);
  await expect(
    page.getByRole("list", { name: "Timeline" }).locator('li[data-source="incident"]'),
  ).toHaveCount(7);
  for (const name of ["Acknowledge", "Resolve", "Close", "Add note", "Assign roles"]) {
    await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
  }
  await page.goto("/incidents");
  await expect(page.getByRole("link", { name: "Declare incident" })).toHaveCount(0);
});

test("a viewer sees no lifecycle buttons on an open incident", async ({ page }) => {
  await signInAs(page, ENGINEER);
  await page.goto("/incidents/new");
  const title = `Viewer check (e2e ${Date.now().toString(36)})`;
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Severity").selectOption("SEV4");
  await page.getByRole("button", { name: "Declare incident" }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  await expect(page.getByRole("button", { name: "Acknowledge", exact: true })).toBeVisible();
  const url = page.url();

  await signInAs(page, "viewer@flightdeck.demo");
  await page.goto(url);
  await expect(
    page.getByRole("heading", { level: 1, name: new RegExp(title.replace(/[()]/g, "\\$&")) }),
  ).toBeVisible();
  for (const name of [
    "Acknowledge",
    "Mark mitigated",
    "Resolve",
    "Cancel incident",
    "Add note",
    "Assign roles",
  ]) {
    await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
  }
  await expect(page.getByLabel("Note", { exact: true })).toHaveCount(0);
});
