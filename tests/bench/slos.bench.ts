import { it } from "vitest";
import type { Actor } from "@/server/auth/session";
import { evaluateSlos } from "@/server/slos/evaluator";
import { getSloDetail, listSlos } from "@/server/slos/queries";
import { sloReview, defaultPeriod } from "@/server/slos/review";
import { connectTestDatabase } from "../support/db";
import { time } from "./timing";

const prisma = connectTestDatabase();

const viewer: Actor = {
  kind: "user",
  id: "bench",
  email: "bench@bench",
  name: "Bench",
  role: "viewer",
  teamId: null,
  teamName: null,
};

/** 1,000 by default; `FLIGHTDECK_BENCH_SLOS=10000` for the evaluator at 10,000 SLOs. */
const SLOS = Number(process.env.FLIGHTDECK_BENCH_SLOS ?? 1_000);
const label = SLOS.toLocaleString("en-US");

/**
 * SLOs with 30 days of hourly and daily rollups and 6 hours of minute buckets each (about 1,100
 * bucket rows per SLO), written by PostgreSQL itself. The last half hour of minutes is written
 * after the table's statistics were taken, as the SLI feed writes them between autovacuum's
 * ANALYZE runs: PostgreSQL then does not know the newest minutes exist, which is what a plan
 * must survive.
 */
async function seedThousandSlos() {
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Slo" (id, name, description, "modelId", "teamId", "sliKind", objective,
                       "windowDays", "updatedAt")
    SELECT 'bench-' || i, 'bench-slo-' || lpad(i::text, 5, '0'), 'bench', m.id, m."teamId",
           'availability', 0.999, 30, now()
    FROM generate_series(1, ${SLOS}) i
    CROSS JOIN LATERAL (SELECT id, "teamId" FROM "Model" ORDER BY name OFFSET (i % 6) LIMIT 1) m
    ON CONFLICT DO NOTHING`);
  const now = `(now() AT TIME ZONE 'UTC')`;
  await prisma.$executeRawUnsafe(`
    INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
    SELECT s.id, 'hour', h, 60000 - (abs(hashtext(s.id || h::text)) % 90), 60000, 60, 60
    FROM "Slo" s, generate_series(date_trunc('hour', ${now} - interval '30 days'),
                                  date_trunc('hour', ${now}), interval '1 hour') h
    WHERE s.id LIKE 'bench-%'
    ON CONFLICT DO NOTHING`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
    SELECT "sloId", 'day', date_trunc('day', start), sum(good), sum(total), sum(slices), sum("goodSlices")
    FROM "SliBucket" WHERE "sloId" LIKE 'bench-%' AND resolution = 'hour'
    GROUP BY "sloId", date_trunc('day', start)
    ON CONFLICT DO NOTHING`);
  const minutes = (from: string, to: string) =>
    prisma.$executeRawUnsafe(`
      INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
      SELECT s.id, 'minute', m, 1000 - (abs(hashtext(s.id || m::text)) % 3), 1000, 1, 1
      FROM "Slo" s, generate_series(date_trunc('minute', ${now} - interval '${from}'),
                                    date_trunc('minute', ${now}) - interval '${to}',
                                    interval '1 minute') m
      WHERE s.id LIKE 'bench-%'
      ON CONFLICT DO NOTHING`);
  await minutes("6 hours", "31 minutes");
  // What autovacuum did a while ago…
  await prisma.$executeRawUnsafe(`ANALYZE "SliBucket"`);
  // …and the minutes the feed wrote since.
  await minutes("30 minutes", "1 minute");
}

it(`SLO list, evaluation, page and review with ${label} SLOs over 30-day windows`, async () => {
  const t0 = performance.now();
  await seedThousandSlos();
  const buckets = await prisma.sliBucket.count({ where: { sloId: { startsWith: "bench-" } } });
  console.log(
    `seeded ${SLOS} SLOs, ${buckets} bucket rows in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  await time(
    `evaluate all ${label} SLOs (budgets from rollups, 5 burn windows, alerts, snapshots; the worker evaluates every 15 s)`,
    10,
    () => evaluateSlos(),
  );
  await time("SLO list page 1 (snapshots + 30-day sparklines)", 30, () =>
    listSlos(viewer, { page: 1 }),
  );
  await time("SLO list page 40, grouped by team", 30, () =>
    listSlos(viewer, { page: 40, group: "team" }),
  );
  await time("SLO list filtered to at-risk", 30, () =>
    listSlos(viewer, { page: 1, status: "at_risk" }),
  );
  await time("SLO page (burn-down, 7-day burn rates, alerts, changes)", 30, () =>
    getSloDetail(viewer, "bench-slo-00500"),
  );
  // Given the time, the review is computed each run rather than read from the minute-long share
  await time(
    "leadership review of last month, computed (hourly rollups, incident/rollout split)",
    5,
    () => sloReview(viewer, defaultPeriod().key, new Date()),
  );
}, 3_600_000);
