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

const SLOS = 1_000;

/**
 * 1,000 SLOs with 30 days of hourly and daily rollups and 6 hours of minute buckets each
 * (about 1.1 million bucket rows), written by PostgreSQL itself.
 */
async function seedThousandSlos() {
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Slo" (id, name, description, "modelId", "teamId", "sliKind", objective,
                       "windowDays", "updatedAt")
    SELECT 'bench-' || i, 'bench-slo-' || lpad(i::text, 4, '0'), 'bench', m.id, m."teamId",
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
  await prisma.$executeRawUnsafe(`
    INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
    SELECT s.id, 'minute', m, 1000 - (abs(hashtext(s.id || m::text)) % 3), 1000, 1, 1
    FROM "Slo" s, generate_series(date_trunc('minute', ${now} - interval '6 hours'),
                                  date_trunc('minute', ${now}) - interval '1 minute',
                                  interval '1 minute') m
    WHERE s.id LIKE 'bench-%'
    ON CONFLICT DO NOTHING`);
  // What autovacuum would have done by the time anyone looks.
  await prisma.$executeRawUnsafe(`ANALYZE "SliBucket"`);
}

it("SLO list, evaluation, page and review with 1,000 SLOs over 30-day windows", async () => {
  const t0 = performance.now();
  await seedThousandSlos();
  const buckets = await prisma.sliBucket.count({ where: { sloId: { startsWith: "bench-" } } });
  console.log(
    `seeded ${SLOS} SLOs, ${buckets} bucket rows in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  await time(
    "evaluate all SLOs (budgets from rollups, 5 burn windows, alerts, snapshots)",
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
    getSloDetail(viewer, "bench-slo-0500"),
  );
  await time("leadership review of last month (hourly rollups, incident/rollout split)", 5, () =>
    sloReview(viewer, defaultPeriod().key),
  );
}, 900_000);
