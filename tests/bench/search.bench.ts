// The command palette's search (GET /api/v1/search): each kind of query a person types, timed
// through the service (the route adds only its JSON). By default on this file's copy of the demo
// fleet; on the large fleet (stop any Flightdeck using it first):
//
//   FLIGHTDECK_DATA_DIR=.flightdeck-large npx flightdeck seed --scale large
//   FLIGHTDECK_BENCH_DATA_DIR=.flightdeck-large npm run bench -- tests/bench/search.bench.ts
import path from "node:path";
import { it } from "vitest";
import { ensureDatabase, type DatabaseHandle } from "../../scripts/lib/database";
import { migrate } from "@/lib/db/migrations";
import type { Actor } from "@/server/auth/session";
import { time } from "./timing";

const engineer: Actor = {
  kind: "user",
  id: "bench",
  email: "bench@bench",
  name: "Bench",
  role: "admin",
  teamId: null,
  teamName: null,
};

it("search: each kind of query", async () => {
  let database: DatabaseHandle | null = null;
  const benchDir = process.env.FLIGHTDECK_BENCH_DATA_DIR;
  if (benchDir) {
    // ensureDatabase uses DATABASE_URL when it is set: this file's test database
    delete process.env.DATABASE_URL;
    database = await ensureDatabase({ dataDir: path.resolve(benchDir) });
    await migrate(database.url);
    process.env.DATABASE_URL = database.url;
  }
  // imported after DATABASE_URL names the database to search
  const { search } = await import("@/server/navigation/search");
  const { db } = await import("@/server/db/client");
  try {
    const [counts] = await db().$queryRaw<
      {
        models: number;
        versions: number;
        rollouts: number;
        incidents: number;
        slos: number;
        clusters: number;
      }[]
    >`SELECT (SELECT count(*)::int FROM "Model") AS models,
             (SELECT count(*)::int FROM "ModelVersion") AS versions,
             (SELECT count(*)::int FROM "Rollout") AS rollouts,
             (SELECT count(*)::int FROM "Incident") AS incidents,
             (SELECT count(*)::int FROM "Slo") AS slos,
             (SELECT count(*)::int FROM "Cluster") AS clusters`;
    console.log(`fleet: ${JSON.stringify(counts)}`);
    const [last] = await db().$queryRaw<
      { n: number }[]
    >`SELECT max("number")::int AS n FROM "Incident"`;
    const queries: [string, string][] = [
      ["empty (open incidents, rollouts in flight)", ""],
      ["a model with a typo", "rankr-xl"],
      ["an incident number", `#${Math.floor((last?.n ?? 1) / 2)}`],
      ["a model and a version", "ranker-xl 3.1"],
      ["a region", "us-east"],
      ["words of an incident title", "5xx after feature-store"],
      ["a page", "incidnets"],
    ];
    for (const [label, q] of queries) {
      const n = (await search(engineer, q)).length;
      await time(`search ${label} "${q}" (${n} results)`, 30, () => search(engineer, q));
    }
  } finally {
    await db().$disconnect();
    await database?.stop();
  }
}, 600_000);
