import { defineConfig } from "@playwright/test";
import { chromiumPath } from "./tests/e2e/support/chromium";

const port = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "tests/e2e",
  globalSetup: "./tests/e2e/support/global-setup.ts",
  // Spec files run in parallel workers against the one app; a file's tests run in order. Specs
  // are independent: each uses its own models, environments and data, or cleans up, and none
  // counts rows another may add.
  fullyParallel: false,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    // localhost, not 127.0.0.1: Next.js rewrites loopback addresses to "localhost" in request
    // URLs, and an SSO redirect URI must be spelled the same way at both ends.
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "chromium", use: { browserName: "chromium" }, grepInvert: /@alone/ },
    // Tests that measure the app under a load they make themselves (a sign-in flood) would
    // shed or slow other specs' requests: they run after everything else, by themselves.
    {
      name: "alone",
      use: { browserName: "chromium" },
      grep: /@alone/,
      dependencies: ["chromium"],
    },
  ],
});
