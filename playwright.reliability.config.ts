// `npm run reliability`: drills that wait on the running app's real clock (minutes), against the
// same app as the browser tests. Not part of `npm test`.
import { defineConfig } from "@playwright/test";
import config from "./playwright.config";

export default defineConfig({
  ...config,
  testDir: "tests/reliability",
  workers: 1,
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
});
