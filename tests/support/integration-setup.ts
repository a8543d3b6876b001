// Starts a real, throwaway PostgreSQL (embedded unless TEST_DATABASE_URL is given), applies
// the migrations, and seeds the demo fleet at a fixed instant for reproducible assertions.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { PrismaPg } from "@prisma/adapter-pg";
import { ensureDatabase } from "../../scripts/lib/database";
import { bin } from "../../scripts/lib/run";
import { PrismaClient } from "../../src/generated/prisma/client";
import { seedIfEmpty } from "../../prisma/seed";
import { SEED_NOW } from "./constants";

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-it-"));
  const external = process.env.TEST_DATABASE_URL;
  if (external) process.env.DATABASE_URL = external;
  else delete process.env.DATABASE_URL;
  const database = await ensureDatabase({ dataDir });
  execFileSync(bin("prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: database.url },
    stdio: "pipe",
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
  await seedIfEmpty(prisma, { now: SEED_NOW });
  await prisma.$disconnect();
  project.provide("databaseUrl", database.url);
  process.env.DATABASE_URL = database.url;
  // The seeded demo accounts act in many tests; as with `npm start`'s local demo, they may.
  process.env.FLIGHTDECK_DEMO = "1";

  return async () => {
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
