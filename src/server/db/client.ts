import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { createPool } from "@/server/db/pool";
import { databaseSettings } from "@/server/db/settings";

const globalForPrisma = globalThis as unknown as { flightdeckPrisma?: PrismaClient };

function createClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error("DATABASE_URL is not set: start Flightdeck with `npm start`.");
  }
  const settings = databaseSettings();
  // Our own pool, so /metrics can report its connections in use and requests waiting.
  const pool = createPool(connectionString, settings);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  return new PrismaClient({
    adapter,
    // Prisma fails a transaction that waited longer than maxWait for its connection even once
    // it has one: wait as long as the pool lets any query wait.
    transactionOptions: {
      maxWait: settings.connectionWaitMs,
      timeout: settings.transactionTimeoutMs,
    },
  });
}

/** One client per process (Next.js dev reloads modules; keep the pool on globalThis). */
export function db(): PrismaClient {
  globalForPrisma.flightdeckPrisma ??= createClient();
  return globalForPrisma.flightdeckPrisma;
}

export type { PrismaClient };
// A value, not only types: raw queries with a dynamic column list need Prisma.sql and join.
export { Prisma } from "@/generated/prisma/client";
