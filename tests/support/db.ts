import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../src/generated/prisma/client";

/** This test file's own database (see database-per-file.ts). */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: is database-per-file.ts a setup file?");
  return url;
}

/** Returns a client of this file's database for assertions; the app's db() uses the same one. */
export function connectTestDatabase(): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: testDatabaseUrl() }) });
}

/**
 * Runs `work` with the app's db() pointed at a database that does not answer, as a process
 * started against a dead address would hold it: DATABASE_URL names a closed port, and the
 * process's client and pool (on globalThis) are made anew; all three are put back afterwards.
 */
export async function withUnreachableDatabase<T>(work: () => Promise<T>): Promise<T> {
  const g = globalThis as {
    flightdeckPrisma?: { $disconnect(): Promise<void> };
    flightdeckPool?: unknown;
  };
  const saved = {
    url: process.env.DATABASE_URL,
    client: g.flightdeckPrisma,
    pool: g.flightdeckPool,
  };
  process.env.DATABASE_URL = "postgresql://postgres:x@127.0.0.1:1/flightdeck";
  g.flightdeckPrisma = undefined;
  g.flightdeckPool = undefined;
  try {
    return await work();
  } finally {
    // the client work made (TypeScript still sees the undefined assigned above)
    const made = g.flightdeckPrisma as { $disconnect(): Promise<void> } | undefined;
    await made?.$disconnect().catch(() => undefined);
    process.env.DATABASE_URL = saved.url;
    g.flightdeckPrisma = saved.client;
    g.flightdeckPool = saved.pool;
  }
}
