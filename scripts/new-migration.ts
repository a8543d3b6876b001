// Creates prisma/migrations/<timestamp>_<name>/migration.sql from the difference between the
// committed schema (git HEAD) and the edited prisma/schema.prisma.
// Usage: npm run db:migration -- <name>
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureDatabase } from "./lib/database";
import { bin } from "./lib/run";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <name in snake_case>");
  process.exit(2);
}

const previous = execFileSync("git", ["show", "HEAD:prisma/schema.prisma"], { encoding: "utf8" });
const tmp = mkdtempSync(path.join(os.tmpdir(), "flightdeck-schema-"));
const previousFile = path.join(tmp, "schema.prisma");
writeFileSync(previousFile, previous);

// The diff needs a connection, not data: a throwaway embedded server, so a running app is no obstacle.
const dbDir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-migration-db-"));
const db = await ensureDatabase({ dataDir: dbDir });
try {
  const sql = execFileSync(
    bin("prisma"),
    [
      "migrate",
      "diff",
      "--from-schema-datamodel",
      previousFile,
      "--to-schema-datamodel",
      "prisma/schema.prisma",
      "--script",
    ],
    { encoding: "utf8", env: { ...process.env, DATABASE_URL: db.url } },
  );
  if (!sql.trim() || sql.includes("-- This is an empty migration.")) {
    console.error("prisma/schema.prisma has no changes since HEAD: no migration written.");
    process.exitCode = 1;
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join("prisma", "migrations", `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), sql);
    console.log(`Wrote ${dir}/migration.sql`);
  }
} finally {
  await db.stop();
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dbDir, { recursive: true, force: true });
}
