// Runs a command with DATABASE_URL pointing at the embedded PostgreSQL (or the configured one).
// Usage: tsx scripts/with-db.ts <command> [args...]
import { spawn } from "node:child_process";
import { ensureDatabase } from "./lib/database";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: with-db <command> [args...]");
  process.exit(2);
}
const db = await ensureDatabase({
  dataDir: process.env.FLIGHTDECK_DATA_DIR ?? ".flightdeck",
  log: (m) => console.error(m),
});
const child = spawn(command, args, {
  stdio: "inherit",
  env: { ...process.env, DATABASE_URL: db.url },
});
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
child.on("exit", async (code) => {
  await db.stop();
  process.exit(code ?? 1);
});
