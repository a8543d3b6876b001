import { PrismaPg } from "@prisma/adapter-pg";
import type * as EmbeddedDatabase from "../../scripts/lib/database";
import { PrismaClient } from "@/generated/prisma/client";

/** The database has no Flightdeck tables: the CLIs report it as bad input (exit 1). */
export class MissingSchemaError extends Error {
  constructor() {
    super(
      "This database has no Flightdeck tables yet: apply the migrations (`node flightdeck.mjs migrate` from the image, `npx flightdeck migrate` after `npm run build` in a checkout) or start Flightdeck once (npm start), then try again.",
    );
  }
}

type EmbeddedModule = typeof EmbeddedDatabase;

/** No DATABASE_URL where no embedded PostgreSQL can run (the built app): bad input (exit 1). */
export class MissingDatabaseError extends Error {
  constructor() {
    super("Set DATABASE_URL to the PostgreSQL database Flightdeck uses.");
  }
}

/** DATABASE_URL, or the embedded database under FLIGHTDECK_DATA_DIR (started if it is not running). */
async function openDatabase(env: Record<string, string | undefined>) {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, stop: async () => {} };
  // Only a checkout has the embedded PostgreSQL: the built app (and its image) needs
  // DATABASE_URL. A path in a variable, so the build's bundle leaves the module out.
  const local = "../../scripts/lib/database";
  let embedded: EmbeddedModule;
  try {
    embedded = (await import(local)) as EmbeddedModule;
  } catch {
    throw new MissingDatabaseError();
  }
  const { ensureDatabase, runningEmbeddedUrl } = embedded;
  const dataDir = env.FLIGHTDECK_DATA_DIR ?? ".flightdeck";
  const running = runningEmbeddedUrl(dataDir);
  if (running) return { url: running, stop: async () => {} };
  const started = await ensureDatabase({ dataDir });
  return { url: started.url, stop: () => started.stop() };
}

/**
 * Runs `work` with a client of the command line's database, once its tables exist (after
 * `options.migrate` has applied the migrations, for commands that may meet a new database).
 */
export async function withCliDatabase<T>(
  env: Record<string, string | undefined>,
  work: (prisma: PrismaClient) => Promise<T>,
  options: { migrate?: (url: string) => Promise<unknown> } = {},
): Promise<T> {
  const database = await openDatabase(env);
  if (options.migrate) {
    try {
      await options.migrate(database.url);
    } catch (error) {
      await database.stop();
      throw error;
    }
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
  try {
    const schema = await prisma.$queryRaw<{ exists: boolean }[]>`
      SELECT to_regclass('"User"') IS NOT NULL AS exists`;
    if (!schema[0]?.exists) throw new MissingSchemaError();
    return await work(prisma);
  } finally {
    await prisma.$disconnect();
    await database.stop();
  }
}
