import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";

// The keyboard-first journeys of on-call: the command palette (Ctrl/⌘-K) and the shortcuts.
// Its rollout is assistant-llm-70b's in staging/us-east-1, which no other spec changes.

async function declareIncident(page: Page, title: string): Promise<number> {
  await page.goto("/incidents/new");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Severity").selectOption("SEV3");
  await page.getByLabel("Summary").fill("Declared by the keyboard journey.");
  await page.getByLabel("Affected models").selectOption("ranker-xl");
  await page.getByLabel("Affected regions").selectOption("us-east-1");
  await page.getByRole("button", { name: "Declare incident" }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  return Number(new URL(page.url()).pathname.split("/").pop());
}

test("from any page, an engineer finds an incident by number in the palette, acknowledges it and reaches what changed, without the mouse", async ({
  page,
}) => {
  await signIn(page, "engineer@flightdeck.demo");
  const number = await declareIncident(page, `Palette journey (e2e ${Date.now().toString(36)})`);

  await page.goto("/clusters");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.keyboard.press("Control+k");
  const palette = page.getByTestId("command-palette");
  const input = palette.getByRole("combobox");
  await expect(input).toBeFocused();
  await page.keyboard.type(String(number));
  const ack = palette.getByRole("option", { name: `→ Acknowledge incident #${number}` });
  await expect(ack).toBeVisible();
  // The incident first, then its actions: one step down is "Acknowledge".
  await expect(palette.getByRole("option").first()).toContainText(`#${number}`);
  await page.keyboard.press("ArrowDown");
  await expect(ack).toHaveAttribute("aria-selected", "true");
  await expect(input).toHaveAttribute(
    "aria-activedescendant",
    (await ack.getAttribute("id")) ?? "",
  );
  await page.keyboard.press("Enter");

  // The incident's page opens with the step's confirmation, nothing done yet.
  await expect(page).toHaveURL(new RegExp(`/incidents/${number}`));
  const dialog = page.getByRole("dialog", { name: `Acknowledge incident #${number}?` });
  await expect(dialog.getByTestId("blast-radius")).toContainText("acknowledged by you");
  const status = page.getByLabel("Severity and status");
  await expect(status.locator('[data-status="triage"]')).toBeVisible();
  const confirm = dialog.getByRole("button", { name: "Confirm: acknowledge" });
  await expect(confirm).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(status.locator('[data-status="investigating"]')).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/incidents/${number}$`));

  // w: to "What changed?"
  await page.keyboard.press("w");
  await expect(page.getByRole("region", { name: "What changed?" })).toBeFocused();

  // a again: the step is no longer available, and the page says so instead of acting
  await page.keyboard.press("a");
  await expect(page.getByTestId("act-unavailable")).toContainText("not available");
});

test("? lists the shortcuts; g i goes to Incidents; j, k and o move through the list and open a row", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/");
  await page.keyboard.press("?");
  const help = page.getByTestId("shortcut-help");
  await expect(help.getByRole("heading", { name: "Keyboard shortcuts" })).toBeVisible();
  await expect(help).toContainText("Acknowledge the incident");
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();

  await page.keyboard.press("g");
  await page.keyboard.press("i");
  await expect(page).toHaveURL(/\/incidents$/);
  await expect(page.getByRole("heading", { level: 1, name: "Incidents" })).toBeVisible();
  const rows = page.locator("main table tbody tr:has(a[href])");
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await expect(rows.nth(0)).toHaveAttribute("data-kbd-selected", "");
  await page.keyboard.press("j");
  await expect(rows.nth(1)).toHaveAttribute("data-kbd-selected", "");
  const href = await rows.nth(1).locator("a[href]").first().getAttribute("href");
  await expect(rows.nth(1).locator("a[href]").first()).toBeFocused();
  await page.keyboard.press("o");
  await expect(page).toHaveURL(new RegExp(`${href}$`));

  // Typing in a field is typing, not shortcuts.
  await page.goto("/incidents");
  await page.keyboard.press("Control+k");
  await page.keyboard.type("g i ?");
  await expect(page).toHaveURL(/\/incidents$/);
  await expect(page.getByTestId("shortcut-help")).toHaveCount(0);
  await expect(page.getByTestId("command-palette").getByRole("combobox")).toHaveValue("g i ?");
  // Ctrl-K again while it is open, then closed: the shortcuts work again.
  await page.keyboard.press("Control+k");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("command-palette")).toHaveCount(0);
  await page.keyboard.press("?");
  await expect(page.getByTestId("shortcut-help")).toBeVisible();
});

test("the palette's abort opens the rollout page's own confirmation with its blast radius, and Escape changes nothing", async ({
  page,
}) => {
  await signIn(page, "admin@flightdeck.demo");
  await page.goto("/rollouts/new");
  const form = page.getByRole("form", { name: "Start a rollout" });
  await form.getByLabel("Model").selectOption("assistant-llm-70b");
  await form.getByLabel("Steps, one per line").fill("weight 20\npause\nweight 100");
  await form.getByLabel("Waves, one per line").fill("staging/us-east-1");
  page.once("dialog", (d) => void d.accept());
  await form.getByRole("button", { name: "Start rollout" }).click();
  await expect(page).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
  const url = page.url();
  const live = page.getByTestId("rollout-live");
  await expect(live).toHaveAttribute("data-status", "paused", { timeout: 15_000 });
  const version = (await page.getByRole("heading", { level: 1 }).textContent())?.split(" ")[1];

  await page.goto("/");
  await page.keyboard.press("Control+k");
  await page.keyboard.type(`assistant-llm-70b ${version}`);
  const palette = page.getByTestId("command-palette");
  const abort = palette.getByRole("option", {
    name: `→ Abort rollout of assistant-llm-70b ${version} in staging/us-east-1`,
  });
  await expect(abort).toBeVisible();
  await abort.click();

  await expect(page).toHaveURL(url);
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("blast-radius")).toContainText("20% of staging/us-east-1");
  await expect(dialog.getByRole("button", { name: "Confirm: abort" })).toBeVisible();
  // destructive: the keyboard starts in the reason, not on the confirm button
  await expect(dialog.getByRole("textbox")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(live).toHaveAttribute("data-status", "paused");
  // a reload does not ask again: the request left the address
  await page.reload();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  // Clean up: the journey's rollout ends here.
  await page.getByRole("button", { name: "Abort" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Confirm: abort" }).click();
  await expect(live).toHaveAttribute("data-status", "aborted", { timeout: 15_000 });
});
