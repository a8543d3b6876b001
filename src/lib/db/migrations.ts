// Database migrations, applied by `flightdeck migrate` (a Kubernetes Job in production, before
// the web and worker replicas roll) and by `npm start` for the demo. It reads the SQL files
// `prisma migrate diff` wrote under prisma/migrations and keeps Prisma's own bookkeeping table
// and advisory lock, so `prisma migrate deploy` and `prisma migrate status` agree with it.
// Plain `pg`: it runs from the built app, where no Prisma CLI or TypeScript config is loaded.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";

/** The key `prisma migrate` locks, so the two never run at once on one database. */
const PRISMA_MIGRATE_LOCK = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  /** shipped with this build, in order */
  expected: string[];
  /** recorded as finished in the database */
  applied: string[];
  /** shipped but not applied */
  pending: string[];
  /** applied but not shipped: the database is newer than this build */
  unknown: string[];
  /** started and never finished (a failed `prisma migrate deploy`) */
  failed: string[];
}

/** The migrations directory shipped with the app (prisma/migrations under the working directory). */
export function migrationsDirectory(root = process.cwd()): string {
  // Read at run time from the app's directory, not traced into the build's bundles.
  return path.join(/* turbopackIgnore: true */ root, "prisma", "migrations");
}

export function readMigrations(dir = migrationsDirectory()): MigrationFile[] {
  if (!existsSync(dir)) throw new Error(`No migrations at ${dir}: is this a built Flightdeck?`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface Row {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function recorded(client: pg.ClientBase): Promise<Row[]> {
  const exists = await client.query<{ t: string | null }>(
    `SELECT to_regclass('"_prisma_migrations"')::text AS t`,
  );
  if (!exists.rows[0]?.t) return [];
  const rows = await client.query<Row>(
    `SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return rows.rows;
}

/** Applied against shipped migrations, from the rows of Prisma's bookkeeping table. */
export function statusOf(files: MigrationFile[], rows: Row[]): MigrationStatus {
  const live = rows.filter((r) => r.rolled_back_at === null);
  const applied = [...new Set(live.filter((r) => r.finished_at).map((r) => r.migration_name))];
  const expected = files.map((f) => f.name);
  const failed = live
    .filter((r) => !r.finished_at && !applied.includes(r.migration_name))
    .map((r) => r.migration_name);
  return {
    expected,
    applied,
    pending: expected.filter((n) => !applied.includes(n)),
    unknown: applied.filter((n) => !expected.includes(n)),
    failed,
  };
}

/** What is applied, against what this build ships: the readiness probe's check. */
export async function migrationStatus(
  client: pg.ClientBase,
  files: MigrationFile[] = readMigrations(),
): Promise<MigrationStatus> {
  return statusOf(files, await recorded(client));
}

/** How long `migrate` waits for another run's lock before it gives up with an error. */
export const MIGRATE_LOCK_TIMEOUT = "60s";

/**
 * Applies every pending migration under Prisma's migration lock (replicas started together
 * wait for one another; the second finds nothing to do), the way `prisma migrate deploy` does:
 * a row is recorded as started, the file is sent as one script (its statements run as one
 * implicit transaction unless the file manages transactions itself, and a single
 * `CREATE INDEX CONCURRENTLY` works), then the row is marked finished. A failing migration
 * stops the run and stays recorded as failed, with the error in its logs: later runs refuse
 * until someone has checked the database and resolved it (`prisma migrate resolve`).
 */
export async function migrate(
  connectionString: string,
  options: { dir?: string; log?: (message: string) => void; lockTimeout?: string } = {},
): Promise<{ applied: string[] }> {
  const files = readMigrations(options.dir);
  const log = options.log ?? (() => {});
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`SET lock_timeout = '${options.lockTimeout ?? MIGRATE_LOCK_TIMEOUT}'`);
    try {
      await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    } catch (error) {
      throw new Error(
        `Another migration run has held the migration lock for ${options.lockTimeout ?? MIGRATE_LOCK_TIMEOUT} (${(error as Error).message}); try again when it has finished.`,
      );
    }
    await client.query("SET lock_timeout = 0");
    await client.query(BOOKKEEPING);
    const before = statusOf(files, await recorded(client));
    if (before.failed.length > 0) {
      throw new Error(
        `Migration ${before.failed[0]} failed in an earlier run; check the database, then mark it with \`prisma migrate resolve --rolled-back ${before.failed[0]}\` (or --applied) and migrate again.`,
      );
    }
    if (before.unknown.length > 0) {
      log(
        `The database has migrations this build does not ship (${before.unknown.join(", ")}): it was migrated by a newer Flightdeck.`,
      );
    }
    const done: string[] = [];
    for (const file of files) {
      if (!before.pending.includes(file.name)) continue;
      const id = randomUUID();
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), 0)`,
        [id, file.checksum, file.name],
      );
      try {
        await client.query(file.sql);
      } catch (error) {
        const message = (error as Error).message;
        await client
          .query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message])
          .catch(() => {});
        throw new Error(
          `Migration ${file.name} failed: ${message}. Its statements ran as one transaction unless the file commits on its own; check the database, then mark it with \`prisma migrate resolve --rolled-back ${file.name}\` and migrate again.`,
        );
      }
      await client.query(
        `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
      log(`Applied migration ${file.name}`);
      done.push(file.name);
    }
    return { applied: done };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]).catch(() => {});
    await client.end();
  }
}
