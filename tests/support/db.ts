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
