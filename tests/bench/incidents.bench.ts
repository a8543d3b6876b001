import { it } from "vitest";
import type { Actor } from "@/server/auth/session";
import {
  recentResponseTimes,
  responseTimes,
  reviewResponseTimes,
} from "@/server/incidents/response-times";
import { defaultPeriod } from "@/server/slos/review";
import { previousPeriod, periodContaining } from "@/lib/domain/slos/budget";
import { connectTestDatabase } from "../support/db";
import { time } from "./timing";

const prisma = connectTestDatabase();
const INCIDENTS = 20_000;

const viewer: Actor = {
  kind: "user",
  id: "bench",
  email: "bench@bench",
  name: "Bench",
  role: "viewer",
  teamId: null,
  teamName: null,
};

/**
 * 20,000 incidents over the last year (about 55 a day) across every model, severity and status:
 * most closed, some still open, a few cancelled. Written by PostgreSQL itself.
 */
async function seedIncidents() {
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Incident" (id, title, severity, status, summary, "modelId", "regionCode",
      "affectedModels", "affectedRegions", "detectedAt", "acknowledgedAt", "resolvedAt")
    SELECT 'bench-i' || i, 'bench incident ' || i,
           (ARRAY['SEV1','SEV2','SEV3','SEV3','SEV4'])[i % 5 + 1]::"Severity",
           (CASE WHEN i % 50 = 0 THEN 'cancelled' WHEN i % 23 = 0 THEN 'investigating'
                 ELSE 'closed' END)::"IncidentStatus",
           'bench', m.id, 'us-east-1', ARRAY[m.name], ARRAY['us-east-1'], d,
           d + ((i % 90) + 1) * interval '1 minute',
           CASE WHEN i % 23 = 0 THEN NULL ELSE d + ((i % 72) + 1) * interval '1 hour' END
    FROM generate_series(1, ${INCIDENTS}) i
    CROSS JOIN LATERAL (SELECT id, name FROM "Model" ORDER BY name OFFSET (i % 6) LIMIT 1) m
    CROSS JOIN LATERAL (
      SELECT (now() AT TIME ZONE 'UTC') - (i * 365.0 / ${INCIDENTS}) * interval '1 day' AS d
    ) t
    ON CONFLICT DO NOTHING`);
  // What autovacuum would have done by the time anyone looks.
  await prisma.$executeRawUnsafe(`ANALYZE "Incident"`);
}

it("incident response times (MTTA, MTTR) over 20,000 incidents", async () => {
  const t0 = performance.now();
  await seedIncidents();
  try {
    console.log(
      `${await prisma.incident.count()} incidents (seeded in ${(performance.now() - t0).toFixed(0)} ms)`,
    );
    const week = await recentResponseTimes(viewer, { unit: "week" });
    const month = await recentResponseTimes(viewer, { unit: "month" });
    console.log(
      `12 weeks hold ${week.incidents} incidents, 6 months ${month.incidents}; ` +
        `12-week MTTA ${week.mtta.total.meanMinutes?.toFixed(1)} min, MTTR ${week.mttr.total.meanMinutes?.toFixed(0)} min`,
    );
    await time("incidents page: last 12 weeks by week", 30, () =>
      recentResponseTimes(viewer, { unit: "week" }),
    );
    await time("incidents page: last 6 months by month", 30, () =>
      recentResponseTimes(viewer, { unit: "month" }),
    );
    await time("incidents page: last 6 months, one team", 30, () =>
      recentResponseTimes(viewer, { unit: "month", team: "ranking" }),
    );
    await time("incidents page: last 12 weeks, one region", 30, () =>
      recentResponseTimes(viewer, { unit: "week", region: "us-east-1" }),
    );
    await time("review: last month by week", 30, () =>
      reviewResponseTimes(viewer, defaultPeriod()),
    );
    await time("review: last quarter by month", 30, () =>
      reviewResponseTimes(viewer, previousPeriod(periodContaining("quarter", new Date()))),
    );
    const yearAgo = new Date(Date.now() - 366 * 86_400_000);
    await time("all 20,000: a year by month", 20, () =>
      responseTimes(viewer, { unit: "month", start: yearAgo, end: new Date() }),
    );
    const plan = await prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`
      EXPLAIN ANALYZE SELECT i.status::text, i.severity::text, i."detectedAt",
             i."acknowledgedAt", i."resolvedAt", m."teamId"
      FROM "Incident" i LEFT JOIN "Model" m ON m.id = i."modelId"
      WHERE i."detectedAt" >= (now() AT TIME ZONE 'UTC') - interval '84 days'`);
    console.log(plan.map((r) => r["QUERY PLAN"]).join("\n"));
  } finally {
    await prisma.incident.deleteMany({ where: { id: { startsWith: "bench-i" } } });
  }
}, 600_000);
