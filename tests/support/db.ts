import { inject } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../src/generated/prisma/client";

/** Points the app's db() at the test database and returns a separate client for assertions. */
export function connectTestDatabase(): PrismaClient {
  const url = inject("databaseUrl");
  process.env.DATABASE_URL = url;
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
}
