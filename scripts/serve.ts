// The built app's entry point (`npm run build` bundles it into .next/standalone/flightdeck.mjs,
// which is also the container image's command):
//   node flightdeck.mjs migrate   apply database migrations (a Kubernetes Job), then exit
//   node flightdeck.mjs web       pages and APIs
//   node flightdeck.mjs worker    the rollout engine, fleet sync, SLO evaluation and incident
//                                 sources; over HTTP only its probes and /metrics
//   node flightdeck.mjs all       both in one process (what `npm start` runs for the demo)
// Nothing is compiled at start, and nothing is written under the app's directory.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "../src/lib/db/migrations";
import { log } from "../src/lib/telemetry/log";
import { serve, type Role } from "./lib/web-server";

const USAGE = `Usage: node flightdeck.mjs web|worker|all|migrate|diff|apply|export

  migrate  apply the database migrations this build ships (DATABASE_URL), then exit
  web      serve pages and APIs on PORT (default 3000)
  worker   run the background loops; serve /api/health/live, /api/health/ready and /metrics
  all      web and worker in one process (the demo)
  diff, apply, export
           the fleet configuration file (flightdeck.yaml) against DATABASE_URL:
           node flightdeck.mjs apply --help
`;

const dir = path.dirname(fileURLToPath(import.meta.url));
const command = process.argv[2];

if (command === "migrate") {
  process.env.FLIGHTDECK_ROLE = "migrate";
  const url = process.env.DATABASE_URL;
  if (!url) {
    log().fatal("DATABASE_URL is not set: it names the database to migrate.");
    process.exit(1);
  }
  try {
    const { applied } = await migrate(url, {
      dir: path.join(dir, "prisma", "migrations"),
      log: (message) => log().info(message),
    });
    log().info(
      { applied: applied.length },
      applied.length === 0
        ? "The database is up to date"
        : `Applied ${applied.length} migration(s)`,
    );
    process.exit(0);
  } catch (error) {
    log().fatal({ err: error }, (error as Error).message);
    process.exit(1);
  }
} else if (command === "web" || command === "worker" || command === "all") {
  const role: Role = command;
  process.env.FLIGHTDECK_ROLE = role;
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  // The build's configuration, as Next.js's own standalone server passes it: next.config.ts is
  // not read (or compiled) at start.
  const required = path.join(dir, ".next", "required-server-files.json");
  if (!existsSync(required)) {
    log().fatal(`${required} is missing: run this from a build (npm run build).`);
    process.exit(1);
  }
  const { config } = JSON.parse(readFileSync(required, "utf8")) as { config: unknown };
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
  process.chdir(dir);
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    log().fatal(`PORT must be 1-65535, got "${process.env.PORT}"`);
    process.exit(1);
  }
  await serve({ role, dev: false, dir, port, hostname: process.env.HOSTNAME ?? "0.0.0.0" });
} else if (command === "diff" || command === "apply" || command === "export") {
  // The same commands as `npx flightdeck diff|apply|export` in a checkout, for a Kubernetes
  // Job that applies the fleet's flightdeck.yaml from the image.
  process.env.FLIGHTDECK_ROLE = "config";
  const { configMain } = await import("../src/cli/config");
  process.exit(await configMain(process.argv.slice(2)));
} else {
  process.stderr.write(command ? `Unknown command: ${command}\n\n${USAGE}` : USAGE);
  process.exit(2);
}
