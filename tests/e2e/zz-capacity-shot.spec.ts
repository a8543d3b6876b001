import { test } from "@playwright/test";
import { signIn } from "./support/auth";

test("capacity screenshots", async ({ page }) => {
  await page.setViewportSize({ width: 1400, height: 1000 });
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/capacity?gpus=16&gpuType=H100&team=ranking");
  await page.screenshot({ path: "/tmp/cap-full.png", fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto("/capacity?type=H100");
  await page.screenshot({ path: "/tmp/cap-dark.png", fullPage: true });
});
