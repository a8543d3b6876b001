// Starts a real, throwaway PostgreSQL (embedded unless TEST_DATABASE_URL is given), and prepares
// a template database there: migrated, and seeded with the demo fleet at a fixed instant for
// reproducible assertions. Each test file then runs on its own copy of it (database-per-file.ts),
// so files run in parallel and none sees another's rows.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { PrismaPg } from "@prisma/adapter-pg";
import { ensureDatabase } from "../../scripts/lib/database";
import { PrismaClient } from "../../src/generated/prisma/client";
import { seedIfEmpty } from "../../prisma/seed";
import { migrate } from "../../src/lib/db/migrations";
import { SEED_NOW } from "./constants";
import { databaseUrlOf, sql } from "./postgres";

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-it-"));
  const external = process.env.TEST_DATABASE_URL;
  if (external) process.env.DATABASE_URL = external;
  else delete process.env.DATABASE_URL;
  const database = await ensureDatabase({ dataDir });
  // A run's own names, so that runs sharing one external server never meet.
  const run = `fd_${randomBytes(4).toString("hex")}`;
  const template = `${run}_template`;
  await sql(database.url, `CREATE DATABASE ${template}`);
  const templateUrl = databaseUrlOf(database.url, template);
  // Migrated as `flightdeck migrate` and `npm start` migrate (Prisma's bookkeeping included),
  // in a second instead of the ~12 s the Prisma CLI's Wasm engine takes.
  await migrate(templateUrl);
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: templateUrl }) });
  await seedIfEmpty(prisma, { now: SEED_NOW });
  await prisma.$disconnect();
  // CREATE DATABASE … TEMPLATE fails while anyone is connected to the template: refuse
  // connections to it from now on, so a stray one cannot break the other workers' copies.
  await sql(database.url, `ALTER DATABASE ${template} WITH ALLOW_CONNECTIONS false`);
  project.provide("databaseServerUrl", database.url);
  project.provide("templateDatabase", template);
  project.provide("databaseRun", run);
  // The seeded demo accounts act in many tests; as with `npm start`'s local demo, they may.
  process.env.FLIGHTDECK_DEMO = "1";

  return async () => {
    if (external) {
      // An external server outlives the run: drop the run's databases (the template last).
      const copies = new pg.Client({ connectionString: database.url });
      await copies.connect();
      const { rows } = await copies.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2",
        [`${run}\\_%`, template],
      );
      await copies.end();
      for (const { datname } of rows) {
        await sql(database.url, `DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      }
      await sql(database.url, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    }
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** a database on the test server to connect to for CREATE/DROP DATABASE */
    databaseServerUrl: string;
    /** the migrated, seeded database each test file copies */
    templateDatabase: string;
    /** the prefix of this run's database names */
    databaseRun: string;
  }
}
