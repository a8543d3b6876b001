// `flightdeck migrate` (and `npm start`): every shipped migration once, under a lock, each
// whole or not at all, in Prisma's own bookkeeping so Prisma's tools agree.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  migrate,
  migrationStatus,
  migrationsDirectory,
  readMigrations,
} from "../../../src/lib/db/migrations";
import { databaseUrlOf, sql } from "../../support/postgres";

const server = inject("databaseServerUrl");
const made: string[] = [];
const temp: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `${inject("databaseRun")}_m_${randomBytes(4).toString("hex")}`;
  await sql(server, `CREATE DATABASE ${name}`);
  made.push(name);
  return databaseUrlOf(server, name);
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of made) await sql(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

describe("migrate", () => {
  it("applies every shipped migration once; a second run finds nothing to do", async () => {
    const url = await emptyDatabase();
    const shipped = readMigrations().map((m) => m.name);
    expect(shipped.length).toBeGreaterThan(10);
    expect((await migrate(url)).applied).toEqual(shipped);
    expect((await migrate(url)).applied).toEqual([]);
    const rows = await query<{ migration_name: string; checksum: string }>(
      url,
      `SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(shipped);
    expect(rows.map((r) => r.checksum)).toEqual(readMigrations().map((m) => m.checksum));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const status = await migrationStatus(client);
      expect(status).toMatchObject({ pending: [], unknown: [], failed: [] });
      expect(status.applied).toEqual(shipped);
    } finally {
      await client.end();
    }
    // The schema is the app's: a table of the latest migration is there.
    expect(await query(url, `SELECT "leaseOwner" FROM "Rollout" LIMIT 0`)).toEqual([]);
  });

  it("lets replicas started together apply each migration exactly once", async () => {
    const url = await emptyDatabase();
    const runs = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const applied = runs.flatMap((r) => r.applied);
    expect(applied.sort()).toEqual(readMigrations().map((m) => m.name));
    const [{ n }] = (await query<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM "_prisma_migrations"`,
    )) as [{ n: number }];
    expect(n).toBe(applied.length);
  });

  /** The shipped migrations plus `extra` (name → SQL), in a directory of their own. */
  function migrationsWith(extra: Record<string, string>): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-migrations-"));
    temp.push(dir);
    cpSync(migrationsDirectory(), dir, { recursive: true });
    for (const [name, sqlText] of Object.entries(extra)) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, "migration.sql"), sqlText);
    }
    return dir;
  }

  it("leaves a failing migration's statements undone, records it as failed, and refuses to go on until it is resolved", async () => {
    const url = await emptyDatabase();
    const dir = migrationsWith({
      "29991231000000_broken": `CREATE TABLE "HalfDone" (id int);\nALTER TABLE "NoSuchTable" ADD COLUMN x int;\n`,
    });
    await expect(migrate(url, { dir })).rejects.toThrow(
      /Migration 29991231000000_broken failed: relation "NoSuchTable" does not exist\. .*prisma migrate resolve --rolled-back 29991231000000_broken/,
    );
    // One script, one implicit transaction: the table its first statement made is gone.
    expect(await query(url, `SELECT to_regclass('"HalfDone"') AS t`)).toEqual([{ t: null }]);
    const rows = await query<{ finished_at: Date | null; logs: string | null }>(
      url,
      `SELECT finished_at, logs FROM "_prisma_migrations" WHERE migration_name = '29991231000000_broken'`,
    );
    expect(rows).toEqual([{ finished_at: null, logs: 'relation "NoSuchTable" does not exist' }]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await migrationStatus(client, readMigrations(dir))).failed).toEqual([
        "29991231000000_broken",
      ]);
    } finally {
      await client.end();
    }
    await expect(migrate(url, { dir })).rejects.toThrow(
      /Migration 29991231000000_broken failed in an earlier run; check the database/,
    );
    // Resolved as rolled back (what `prisma migrate resolve --rolled-back` writes), then fixed.
    await query(
      url,
      `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '29991231000000_broken'`,
    );
    const fixed = migrationsWith({ "29991231000000_broken": `CREATE TABLE "HalfDone" (id int);` });
    expect((await migrate(url, { dir: fixed })).applied).toEqual(["29991231000000_broken"]);
  });

  it("runs a file that manages its own transaction, or builds an index concurrently, as Prisma does", async () => {
    const url = await emptyDatabase();
    const dir = migrationsWith({
      "29991231000001_concurrent_index": `CREATE INDEX CONCURRENTLY "Team_name_idx" ON "Team" ("name");`,
      "29991231000002_own_transaction": `BEGIN;\nCREATE TABLE "Committed" (id int);\nCOMMIT;\nALTER TABLE "NoSuchTable" ADD COLUMN x int;\n`,
    });
    await expect(migrate(url, { dir })).rejects.toThrow(
      /Migration 29991231000002_own_transaction failed: .*unless the file commits on its own/,
    );
    expect(await query(url, `SELECT to_regclass('"Team_name_idx"')::text AS t`)).toEqual([
      { t: '"Team_name_idx"' },
    ]);
    // What the file committed stays, and the run does not claim otherwise: it is recorded failed.
    expect(await query(url, `SELECT to_regclass('"Committed"')::text AS t`)).toEqual([
      { t: '"Committed"' },
    ]);
    const rows = await query<{ migration_name: string; finished: boolean }>(
      url,
      `SELECT migration_name, finished_at IS NOT NULL AS finished FROM "_prisma_migrations"
       WHERE migration_name LIKE '29991231%' ORDER BY migration_name`,
    );
    expect(rows).toEqual([
      { migration_name: "29991231000001_concurrent_index", finished: true },
      { migration_name: "29991231000002_own_transaction", finished: false },
    ]);
  });

  it("gives up with a clear error when another run holds the lock too long", async () => {
    const url = await emptyDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(72707369)");
      await expect(migrate(url, { lockTimeout: "200ms" })).rejects.toThrow(
        /Another migration run has held the migration lock for 200ms/,
      );
    } finally {
      await holder.end();
    }
    expect((await migrate(url)).applied).toHaveLength(readMigrations().length);
  });

  it("is what Prisma's own tools see as up to date", async () => {
    const url = await emptyDatabase();
    await migrate(url);
    const status = spawnSync(path.join("node_modules", ".bin", "prisma"), ["migrate", "status"], {
      env: { ...process.env, DATABASE_URL: url },
      encoding: "utf8",
    });
    expect(status.stdout + status.stderr).toContain("Database schema is up to date!");
    expect(status.status).toBe(0);
  });
});
