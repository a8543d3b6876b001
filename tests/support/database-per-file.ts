// A vitest setup file: runs before each integration test file, in its worker, and gives the
// file a database of its own, copied from the migrated, seeded template (about 0.1–0.7 s for
// the seeded fleet, cheaper than making files immune to each other's rows). Files run in
// parallel workers; none sees another's changes, and none depends on what ran before it.
// The copies go away with the test server at the end of the run.
import { randomBytes } from "node:crypto";
import { afterEach, inject } from "vitest";
import { databaseUrlOf, sql } from "./postgres";

const server = inject("databaseServerUrl");
const name = `${inject("databaseRun")}_${randomBytes(4).toString("hex")}`;
await sql(server, `CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`);
// The app's db() reads DATABASE_URL when it first connects; so do CLIs the tests spawn.
process.env.DATABASE_URL = databaseUrlOf(server, name);
// Notification channels' secrets are encrypted with a key from the environment (AUTH_SECRET in
// a deployment); the tests' services need one too.
process.env.FLIGHTDECK_ENCRYPTION_KEY ||= "integration-tests-notification-key";

// A user's rollout command is applied to the platform in the background (apply-now.ts): every
// test waits for the ones it started, so none runs on into the next test or past the file.
afterEach(async () => {
  const { appliesSettled } = await import("../../src/server/rollouts/apply-now");
  await appliesSettled();
});
