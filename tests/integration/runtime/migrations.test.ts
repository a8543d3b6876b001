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

  it("rolls a failing migration back whole and says which one; the database keeps its version", async () => {
    const url = await emptyDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-migrations-"));
    temp.push(dir);
    cpSync(migrationsDirectory(), dir, { recursive: true });
    const broken = path.join(dir, "29991231000000_broken");
    mkdirSync(broken);
    writeFileSync(
      path.join(broken, "migration.sql"),
      `CREATE TABLE "HalfDone" (id int);\nALTER TABLE "NoSuchTable" ADD COLUMN x int;\n`,
    );
    await expect(migrate(url, { dir })).rejects.toThrow(
      /Migration 29991231000000_broken failed and was rolled back: relation "NoSuchTable" does not exist/,
    );
    expect(await query(url, `SELECT to_regclass('"HalfDone"') AS t`)).toEqual([{ t: null }]);
    const names = await query<{ migration_name: string }>(
      url,
      `SELECT migration_name FROM "_prisma_migrations"`,
    );
    expect(names.map((r) => r.migration_name)).not.toContain("29991231000000_broken");
    expect(names).toHaveLength(readMigrations().length);
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
