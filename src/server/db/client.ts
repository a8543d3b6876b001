import "server-only";
import { envNumber } from "@/lib/config/env";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/generated/prisma/client";
import { registerPool } from "@/lib/telemetry/metrics";

const globalForPrisma = globalThis as unknown as { flightdeckPrisma?: PrismaClient };

function createClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error("DATABASE_URL is not set: start Flightdeck with `npm start`.");
  }
  // Our own pool, so /metrics can report its connections in use and requests waiting.
  const pool = new pg.Pool({
    connectionString,
    max: envNumber("DATABASE_POOL_SIZE", 10, { min: 1, max: 1_000 }),
    connectionTimeoutMillis: 5_000,
    statement_timeout: 15_000,
  });
  registerPool(() => pool);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  return new PrismaClient({ adapter });
}

/** One client per process (Next.js dev reloads modules; keep the pool on globalThis). */
export function db(): PrismaClient {
  globalForPrisma.flightdeckPrisma ??= createClient();
  return globalForPrisma.flightdeckPrisma;
}

export type { PrismaClient };
// A value, not only types: raw queries with a dynamic column list need Prisma.sql and join.
export { Prisma } from "@/generated/prisma/client";
