// `npm start`: database (embedded unless DATABASE_URL is set), migrations, first-start seed,
// production build when sources changed, then the built app as one process serving pages and
// running the worker (`node .next/standalone/flightdeck.mjs all`; `npm run dev`: the dev
// server, scripts/web.ts). Ctrl-C stops everything cleanly. Production runs the same build as
// separate `flightdeck migrate`, `web` and `worker` processes (README).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { ensureDatabase, type DatabaseHandle } from "./lib/database";
import { migrate } from "../src/lib/db/migrations";
import { buildIfChanged } from "./lib/build";
import { bin, runBin } from "./lib/run";
import { DemoFlagError, parseDemoFlag, resolveDemoMode } from "../src/lib/config/demo-mode";
import { parseTrustedProxies } from "../src/lib/net/client-address";
import { clustersFromEnvironment } from "../src/lib/platform/kubernetes/config";

const log = (message: string) => console.log(`[flightdeck] ${message}`);
const fail = (message: string): never => {
  console.error(`[flightdeck] ${message}`);
  process.exit(1);
};

const dataDir = path.resolve(process.env.FLIGHTDECK_DATA_DIR ?? ".flightdeck");
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOSTNAME ?? "0.0.0.0";
function demoSettings() {
  try {
    return resolveDemoMode({
      flag: parseDemoFlag(process.env.FLIGHTDECK_DEMO),
      embeddedDatabase: !process.env.DATABASE_URL,
      oidcConfigured: Boolean(process.env.OIDC_ISSUER),
      production: process.env.NODE_ENV === "production",
      realClusters: process.env.FLIGHTDECK_PLATFORM === "kubernetes",
    });
  } catch (error) {
    if (error instanceof DemoFlagError) return fail(error.message);
    throw error;
  }
}
const demoSetting = demoSettings();
const demo = demoSetting.enabled;
try {
  parseTrustedProxies(process.env.FLIGHTDECK_TRUSTED_PROXIES);
} catch (error) {
  fail((error as Error).message);
}
const platform = process.env.FLIGHTDECK_PLATFORM || "simulator";
if (platform !== "simulator" && platform !== "kubernetes")
  fail(`FLIGHTDECK_PLATFORM must be simulator or kubernetes, not "${platform}"`);
if (platform === "kubernetes") {
  try {
    const clusters = clustersFromEnvironment();
    log(
      `Reading ${clusters.length} Kubernetes cluster(s): ${clusters.map((c) => c.name).join(", ")}`,
    );
  } catch (error) {
    fail((error as Error).message);
  }
}
// `npm run dev`: the same bootstrap, then the Next.js dev server instead of build + start.
const devServer = process.argv.includes("--dev");
if (!Number.isInteger(port) || port < 1 || port > 65535)
  fail(`PORT must be 1-65535, got "${process.env.PORT}"`);

function authSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  if (!demo) {
    return fail(
      "AUTH_SECRET is required outside demo mode. Generate one with `openssl rand -base64 33` and set it in the environment.",
    );
  }
  // Demo mode: a random secret kept with the local data, so sessions survive restarts.
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "auth-secret");
  if (!existsSync(file)) writeFileSync(file, randomBytes(33).toString("base64"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

let database: DatabaseHandle | null = null;
let server: ChildProcess | null = null;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (server && server.exitCode === null) {
    log("Stopping the web server…");
    server.kill("SIGTERM");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server?.kill("SIGKILL");
        resolve();
      }, 10_000);
      server?.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  if (database?.embedded) {
    log("Stopping the embedded PostgreSQL…");
    await database.stop().catch((e: unknown) => console.error(e));
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  log(demoSetting.explanation);
  const secret = authSecret();
  database = await ensureDatabase({ dataDir, log });
  const env = {
    DATABASE_URL: database.url,
    AUTH_SECRET: secret,
    AUTH_TRUST_HOST: "true",
    NEXT_TELEMETRY_DISABLED: "1",
    FLIGHTDECK_DEMO: demo ? "1" : "0",
    // A line per request is for log pipelines; the demo's terminal shows warnings and errors.
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    // The plain local demo shows no "demo accounts are enabled" banner; anything else does.
    FLIGHTDECK_DEMO_LOCAL: demo && !demoSetting.banner ? "1" : "0",
  };

  log("Applying database migrations…");
  await runBin("prisma", ["generate"], env);
  const { applied } = await migrate(database.url, { log });
  if (applied.length === 0) log("The database is up to date");

  if (demo) {
    const { PrismaClient } = await import("../src/generated/prisma/client");
    const { SEED_SCALES, seedIfEmpty } = await import("../prisma/seed");
    // FLIGHTDECK_SEED_SCALE=large: a first start seeds the large fleet (minutes), not the demo.
    const scale = process.env.FLIGHTDECK_SEED_SCALE || "demo";
    if (!SEED_SCALES.some((s) => s === scale)) {
      throw new Error(`FLIGHTDECK_SEED_SCALE must be ${SEED_SCALES.join(" or ")}, not "${scale}"`);
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    const started = Date.now();
    if (scale === "large") log("Seeding the large fleet if the database is empty (minutes)…");
    if (await seedIfEmpty(prisma, { scale: scale === "large" ? "large" : "demo" })) {
      log(`Seeded the ${scale} fleet in ${Date.now() - started} ms`);
    }
    await prisma.$disconnect();
  }

  if (!devServer) await buildIfChanged(env, log);

  if (stopping) process.exit(0);
  const command = devServer
    ? [bin("tsx"), "scripts/web.ts", "--dev"]
    : [process.execPath, path.join(".next", "standalone", "flightdeck.mjs"), "all"];
  server = spawn(command[0] as string, command.slice(1), {
    stdio: "inherit",
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOSTNAME: host,
      NODE_ENV: devServer ? "development" : "production",
    },
  });
  server.on("exit", (code) => {
    if (!stopping) {
      log(`The web server exited (${code ?? "signal"})`);
      void shutdown(code ?? 1);
    }
  });
  log(`Flightdeck is starting on http://localhost:${port}`);
  if (demo) log("Demo sign-in: admin@flightdeck.demo / flightdeck-demo (see README for all roles)");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
}
