import "server-only";
import type pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { hasDatabasePriority } from "@/lib/db/priority";
import { createLanePool, createPool } from "@/server/db/pool";
import { databaseSettings } from "@/server/db/settings";
import { installPlanCache } from "@/server/db/plan-cache";

const globalForPrisma = globalThis as unknown as {
  flightdeckPrisma?: PrismaClient;
  flightdeckPriorityPrisma?: PrismaClient;
  flightdeckPool?: pg.Pool;
  flightdeckLanePool?: pg.Pool;
};

function connectionString(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: start Flightdeck with `npm start`.");
  return url;
}

function mainPool(): pg.Pool {
  globalForPrisma.flightdeckPool ??= createPool(connectionString(), databaseSettings());
  return globalForPrisma.flightdeckPool;
}

function lanePool(): pg.Pool {
  globalForPrisma.flightdeckLanePool ??= createLanePool(
    connectionString(),
    databaseSettings(),
    mainPool(),
  );
  return globalForPrisma.flightdeckLanePool;
}

function createClient(priority: boolean): PrismaClient {
  installPlanCache();
  const settings = databaseSettings();
  const pool = priority ? lanePool() : mainPool();
  // The main pool outlives a client's disconnect only if another client uses it: the priority
  // client never ends it.
  const adapter = new PrismaPg(pool, { disposeExternalPool: !priority });
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

/**
 * One client per process (Next.js dev reloads modules; keep the pool on globalThis), and one
 * for a person's changes (withDatabasePriority): its own client, so that Prisma, which
 * dispatches the queries of one moment together, never runs them on the pages' pool, and its
 * own lane of connections (server/db/pool.ts).
 */
export function db(): PrismaClient {
  if (hasDatabasePriority()) {
    globalForPrisma.flightdeckPriorityPrisma ??= createClient(true);
    return globalForPrisma.flightdeckPriorityPrisma;
  }
  globalForPrisma.flightdeckPrisma ??= createClient(false);
  return globalForPrisma.flightdeckPrisma;
}

/**
 * The connection pool under `db()` (the priority lane's for a person's change), for the few
 * statements that carry megabytes: Prisma's client hands every query's arguments to its query
 * compiler, which costs the event loop about 40 ms for the simulator's 4 MB fleet document.
 */
export function dbPool(): pg.Pool {
  return hasDatabasePriority() ? lanePool() : mainPool();
}

export type { PrismaClient };
// A value, not only types: raw queries with a dynamic column list need Prisma.sql and join.
export { Prisma } from "@/generated/prisma/client";
