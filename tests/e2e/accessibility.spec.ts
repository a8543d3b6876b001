import { expect, test } from "@playwright/test";
import { audit } from "./support/axe";
import { signIn } from "./support/auth";
import { firstLink } from "./support/links";

/**
 * axe-core on every page, as an admin sees it (every control showing), in the light and the dark
 * theme, and with the palette and the shortcut help open: no serious or critical violation of
 * WCAG 2.1 A and AA. Minor and moderate findings are printed, not failed.
 */
test("every page has no serious or critical accessibility violation", async ({ page }) => {
  test.setTimeout(420_000);
  const problems: string[] = [];
  await page.goto("/sign-in");
  problems.push(...(await audit(page, "/sign-in")));

  await signIn(page, "admin@flightdeck.demo");
  const rollout = await firstLink(page, "/rollouts", /^\/rollouts\/(?!new)[a-z0-9]+$/);
  const incident = await firstLink(page, "/incidents", /^\/incidents\/\d+$/);
  const promotion = await firstLink(page, "/promotions", /^\/promotions\/\d+$/);
  const version = await firstLink(page, "/models/ranker-xl", /^\/models\/ranker-xl\/versions\//);
  const pages = [
    "/",
    "/clusters",
    "/clusters/eks-use1-serve-01",
    "/regions",
    "/regions/drain?region=us-east-1",
    "/capacity?gpus=16&gpuType=H100&team=ranking",
    "/models",
    "/models/ranker-xl",
    "/models/ranker-xl/compare",
    version,
    "/deployments",
    "/rollouts",
    rollout,
    "/rollouts/new",
    "/promotions",
    promotion,
    "/promotions/new",
    "/promotions/policy",
    "/slos",
    "/slos/ranker-xl-availability",
    "/slos/ranker-xl-availability/edit",
    "/slos/new",
    "/slos/import",
    "/slos/review",
    "/incidents",
    incident,
    `${incident}/postmortem`,
    "/incidents/new",
    "/training",
    "/training/assistant-llm-70b-train-002",
    "/audit",
    "/settings",
    "/admin/users",
    "/admin/tokens",
    "/admin/notifications",
    "/admin/notifications/deliveries",
    "/admin/config",
    "/admin/chaos",
    "/no-such-page",
  ];
  for (const theme of ["light", "dark"] as const) {
    await page.evaluate((t) => localStorage.setItem("theme", t), theme);
    for (const path of pages) {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
      problems.push(...(await audit(page, `${path} (${theme})`)));
    }
  }

  // the overlays of the keyboard
  await page.goto("/");
  await page.keyboard.press("Control+k");
  await page.getByTestId("command-palette").getByRole("combobox").fill("ranker");
  await expect(page.getByTestId("command-palette").getByRole("option").first()).toBeVisible();
  problems.push(...(await audit(page, "command palette")));
  await page.keyboard.press("Escape");
  await page.keyboard.press("?");
  await expect(page.getByTestId("shortcut-help")).toBeVisible();
  problems.push(...(await audit(page, "shortcut help")));

  expect(problems, problems.join("\n")).toEqual([]);
});
