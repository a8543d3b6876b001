import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDatabase, processAlive } from "../../../scripts/lib/database";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-embedded-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL", () => {
  const savedUrl = process.env.DATABASE_URL;

  it("starts, stops without leaving a server behind, and keeps data across restarts", async () => {
    delete process.env.DATABASE_URL;
    try {
      const first = await ensureDatabase({ dataDir });
      expect(first.embedded).toBe(true);
      expect(first.url).toMatch(/^postgresql:\/\/postgres:.+@127\.0\.0\.1:\d+\/flightdeck$/);
      await query(first.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
      const pidFile = path.join(dataDir, "pg", "postmaster.pid");
      const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      expect(processAlive(pid)).toBe(true);
      await first.stop();
      expect(existsSync(pidFile)).toBe(false);
      expect(processAlive(pid)).toBe(false);

      const second = await ensureDatabase({ dataDir });
      const rows = await query(second.url, "SELECT v FROM kept");
      expect(rows.rows).toEqual([{ v: "still here" }]);
      await second.stop();
    } finally {
      process.env.DATABASE_URL = savedUrl;
    }
  }, 60_000);

  it("recovers from a stale postmaster.pid left by a crash", async () => {
    delete process.env.DATABASE_URL;
    try {
      const pidFile = path.join(dataDir, "pg", "postmaster.pid");
      writeFileSync(pidFile, "999999\n");
      const db = await ensureDatabase({ dataDir });
      expect((await query(db.url, "SELECT count(*)::int AS n FROM kept")).rows).toEqual([{ n: 1 }]);
      await db.stop();
    } finally {
      process.env.DATABASE_URL = savedUrl;
    }
  }, 60_000);

  it("stops when PostgreSQL already got Ctrl-C's signal itself", async () => {
    delete process.env.DATABASE_URL;
    try {
      const db = await ensureDatabase({ dataDir });
      const pidFile = path.join(dataDir, "pg", "postmaster.pid");
      const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      // The terminal signals the whole process group: PostgreSQL shuts down on its own.
      process.kill(pid, "SIGINT");
      while (processAlive(pid)) await new Promise((r) => setTimeout(r, 20));
      const started = Date.now();
      await db.stop();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(existsSync(pidFile)).toBe(false);
    } finally {
      process.env.DATABASE_URL = savedUrl;
    }
  }, 60_000);

  it("uses DATABASE_URL when set and starts nothing", async () => {
    process.env.DATABASE_URL = "postgresql://someone@db.internal:5432/flightdeck";
    try {
      const db = await ensureDatabase({ dataDir: path.join(dataDir, "unused") });
      expect(db).toMatchObject({ url: process.env.DATABASE_URL, embedded: false });
      expect(existsSync(path.join(dataDir, "unused"))).toBe(false);
      await db.stop();
    } finally {
      process.env.DATABASE_URL = savedUrl;
    }
  });
});
