import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";

const globalForPrisma = globalThis as unknown as { flightdeckPrisma?: PrismaClient };

function createClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error("DATABASE_URL is not set: start Flightdeck with `npm start`.");
  }
  const adapter = new PrismaPg({
    connectionString,
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
    connectionTimeoutMillis: 5_000,
    statement_timeout: 15_000,
  });
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
