// A second Flightdeck started from this checkout with its own embedded PostgreSQL and settings
// (an empty production install, real clusters…), beside the app the other specs use. Starts
// are taken one at a time across spec files: each `npm start` runs `prisma generate` and checks
// the build, and two at once could see each other's half-written files.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, rmdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { ensureDatabase, type DatabaseHandle } from "../../../scripts/lib/database";

const LOCK = path.join(os.tmpdir(), `flightdeck-e2e-start-${process.env.E2E_PORT ?? 3100}`);

async function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`another app start holds ${LOCK}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmdirSync(LOCK);
  }
}

export interface AnotherApp {
  base: string;
  output: () => string;
  databaseUrl: string;
  sql<T>(text: string, values?: unknown[]): Promise<T[]>;
  /** `npx flightdeck admin create` against this app's database */
  createAdmin(email: string, password: string, name?: string): { stdout: string; stderr: string };
  stop(): Promise<void>;
}

/** Starts `npm start` on `port` with an empty embedded database and `env` added. */
export async function startAnotherApp(
  port: number,
  env: Record<string, string | undefined>,
): Promise<AnotherApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-app-"));
  // Running as root, the embedded PostgreSQL runs as "postgres", which must reach its directory.
  chmodSync(dataDir, 0o755);
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  let database: DatabaseHandle;
  try {
    database = await ensureDatabase({ dataDir: path.join(dataDir, "db") });
  } finally {
    if (saved) process.env.DATABASE_URL = saved;
  }
  const base = `http://localhost:${port}`;
  const full: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    AUTH_SECRET: randomBytes(33).toString("base64"),
    PORT: String(port),
    FLIGHTDECK_DATA_DIR: path.join(dataDir, "app"),
  };
  for (const key of Object.keys(full)) {
    if (key.startsWith("OIDC_") || key === "FLIGHTDECK_DEMO" || key === "PROMETHEUS_URL")
      delete full[key];
  }
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete full[key];
    else full[key] = value;
  }
  let output = "";
  const app: ChildProcess = await exclusive(async () => {
    const child = spawn("npm", ["start"], {
      env: full,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 4 * 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
      const ok = await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return child;
      if (Date.now() > deadline) throw new Error(`not healthy in time: ${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  return {
    base,
    output: () => output,
    databaseUrl: database.url,
    async sql<T>(text: string, values: unknown[] = []) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query(text, values)).rows as T[];
      } finally {
        await client.end();
      }
    },
    createAdmin(email, password, name = "First") {
      const run = spawnSync(
        "node",
        ["bin/flightdeck.mjs", "admin", "create", "--email", email, "--name", name],
        {
          env: { ...process.env, DATABASE_URL: database.url },
          input: `${password}\n`,
          encoding: "utf8",
        },
      );
      return { stdout: run.stdout, stderr: run.stderr };
    },
    async stop() {
      if (app.pid && app.exitCode === null) {
        process.kill(-app.pid, "SIGINT");
        await new Promise<void>((resolve) => {
          if (app.exitCode !== null) return resolve();
          app.once("exit", () => resolve());
        });
      }
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
