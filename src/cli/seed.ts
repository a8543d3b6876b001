import { parseArgs } from "node:util";
import { migrate } from "@/lib/db/migrations";
import { SEED_SCALES, seedIfEmpty, type SeedScale } from "../../prisma/seed";
import { largeFleetCounts } from "../../prisma/seed/large";
import { MissingDatabaseError, withCliDatabase } from "./database";

/**
 * `flightdeck seed`: a fleet for a database that has none, the demo's or the large one (the
 * demo scaled out 25 times, to try Flightdeck at a large platform team's size). Migrations are
 * applied first; a database with a fleet is left as it is.
 */

export const SEED_USAGE = `Usage:
  flightdeck seed [--scale demo|large]
      Seed a database that has no fleet yet, after applying the migrations:
      demo   the demo fleet (what npm start seeds): 4 regions, 8 clusters, 6 models
      large  the demo scaled out: 12 regions, 200 clusters, 30 teams, 300 models,
             about 20,000 rollouts, 1,000 SLOs with their SLI history, 5,000 incidents,
             1,000 training jobs and a million audit events (a few minutes)
      Every account signs in with the demo password. A database with a fleet is left as it
      is: seed a new one (FLIGHTDECK_DATA_DIR=.flightdeck-large, or another DATABASE_URL).

Exit status: 0 seeded, 1 the database has a fleet already, 2 bad usage.
The database is DATABASE_URL, or the embedded one under FLIGHTDECK_DATA_DIR (.flightdeck).
`;

export interface SeedCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

function parse(argv: string[]): { scale: SeedScale; help: boolean } {
  let values: { scale?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { scale: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const scale = values.scale ?? "demo";
  if (!SEED_SCALES.includes(scale as SeedScale)) {
    throw new UsageError(`--scale must be ${SEED_SCALES.join(" or ")}, not "${scale}".`);
  }
  return { scale: scale as SeedScale, help: values.help ?? false };
}

/** Runs `flightdeck seed …` and returns the exit code. */
export async function seedMain(argv: string[], io: SeedCliIo): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv);
  } catch (e) {
    io.stderr(`flightdeck: ${(e as Error).message}\n\n${SEED_USAGE}`);
    return 2;
  }
  if (options.help) {
    io.stdout(SEED_USAGE);
    return 0;
  }
  try {
    return await withCliDatabase(
      io.env,
      async (prisma) => {
        const started = Date.now();
        io.stdout(`Seeding the ${options.scale} fleet…\n`);
        if (!(await seedIfEmpty(prisma, { scale: options.scale }))) {
          io.stderr(
            "flightdeck: this database has a fleet already; nothing was changed. Seed a new database (FLIGHTDECK_DATA_DIR=.flightdeck-large, or another DATABASE_URL).\n",
          );
          return 1;
        }
        const counts = await largeFleetCounts(prisma);
        io.stdout(
          `Seeded the ${options.scale} fleet in ${Math.round((Date.now() - started) / 1000)} s:\n${Object.entries(
            counts,
          )
            .map(([what, n]) => `  ${what}: ${n.toLocaleString("en-US")}`)
            .join("\n")}\n`,
        );
        return 0;
      },
      { migrate: (url) => migrate(url) },
    );
  } catch (e) {
    if (e instanceof MissingDatabaseError) {
      io.stderr(`flightdeck: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
