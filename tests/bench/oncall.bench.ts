import { it } from "vitest";
import { actor } from "../support/actors";
import { connectTestDatabase } from "../support/db";
import { time } from "./timing";
import { onCallBoard } from "@/server/incidents/oncall";
import { getIncident } from "@/server/incidents/queries";
import { incidentChanges } from "@/server/incidents/changes";
import { SCOPE_SELECT } from "@/server/incidents/timeline";

const prisma = connectTestDatabase();
const ROLLOUTS = 20_000;
const EVENTS_PER_ROLLOUT = 5;
const INCIDENTS = 5_000;

/**
 * A busy fleet's history: 20,000 rollouts over 90 days across every model and environment, each
 * with 5 events and an analysis run, and 5,000 incidents, a few dozen of them open. The incident
 * measured was detected an hour ago on ranker-xl in us-east-1, where changes are densest.
 */
async function seedHistory() {
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Rollout" (id, "modelId", "fromVersionId", "toVersionId", "environmentId", strategy,
      status, "currentStep", "currentWeight", "createdAt", "startedAt", "finishedAt", version, kind)
    SELECT 'bench-r' || i, v."modelId", v.id, v.id, e.id, 'canary',
           (CASE WHEN i <= 20 THEN 'paused' WHEN i % 10 = 0 THEN 'rolled_back' ELSE 'completed' END)::"RolloutStatus",
           1, 100,
           now() - (i * 6.5 || ' minutes')::interval, now() - (i * 6.5 || ' minutes')::interval,
           CASE WHEN i <= 20 THEN NULL ELSE now() - (i * 6.5 - 20 || ' minutes')::interval END,
           1, 'rollout'
    FROM generate_series(1, ${ROLLOUTS}) i
    JOIN LATERAL (SELECT id, "modelId" FROM "ModelVersion" ORDER BY id OFFSET (i % 40) LIMIT 1) v ON true
    JOIN LATERAL (SELECT id FROM "Environment" ORDER BY name OFFSET (i % 8) LIMIT 1) e ON true
    ON CONFLICT DO NOTHING`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "RolloutEvent" (id, "rolloutId", at, kind, message)
    SELECT r.id || '-e' || k, r.id, r."createdAt" + (k * 3 || ' minutes')::interval, 'step',
           'Set weight to ' || (k * 20) || '%'
    FROM "Rollout" r, generate_series(1, ${EVENTS_PER_ROLLOUT}) k
    WHERE r.id LIKE 'bench-r%'
    ON CONFLICT DO NOTHING`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "AnalysisRun" (id, "rolloutId", "stepIndex", at, verdict, score, metrics, reason)
    SELECT r.id || '-a', r.id, 1, r."createdAt" + interval '5 minutes',
           CASE WHEN r.status = 'rolled_back' THEN 'fail' ELSE 'pass' END, 100, '[]'::jsonb, 'bench'
    FROM "Rollout" r WHERE r.id LIKE 'bench-r%'
    ON CONFLICT DO NOTHING`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Incident" (id, title, severity, status, summary, "affectedModels", "affectedRegions",
      "linkedSlos", "detectedAt", "acknowledgedAt", "resolvedAt", "closedAt", source)
    SELECT 'bench-i' || i, 'Bench incident ' || i,
           (ARRAY['SEV1','SEV2','SEV3','SEV4'])[1 + i % 4]::"Severity",
           (CASE WHEN i <= 30 THEN 'investigating' ELSE 'closed' END)::"IncidentStatus", '',
           ARRAY['ranker-xl'], ARRAY['us-east-1'], ARRAY['ranker-xl-availability'],
           now() - (i * 25 || ' minutes')::interval - interval '1 hour',
           now() - (i * 25 || ' minutes')::interval - interval '50 minutes',
           CASE WHEN i <= 30 THEN NULL ELSE now() - (i * 25 || ' minutes')::interval END,
           CASE WHEN i <= 30 THEN NULL ELSE now() - (i * 25 || ' minutes')::interval END,
           'manual'
    FROM generate_series(1, ${INCIDENTS}) i
    ON CONFLICT DO NOTHING`);
}

async function cleanUp() {
  await prisma.incident.deleteMany({ where: { id: { startsWith: "bench-i" } } });
  await prisma.rollout.deleteMany({ where: { id: { startsWith: "bench-r" } } });
}

it("on-call board and an incident's page with a busy history", async () => {
  await seedHistory();
  try {
    const viewer = actor("viewer", null);
    const engineer = actor("engineer", null);
    const incident = await prisma.incident.findUniqueOrThrow({
      where: { id: "bench-i1" },
      select: SCOPE_SELECT,
    });
    const changes = await incidentChanges(engineer, incident);
    const detail = await getIncident(engineer, incident.number);
    console.log(
      `${ROLLOUTS} rollouts, ${ROLLOUTS * EVENTS_PER_ROLLOUT} rollout events, ${INCIDENTS} incidents; ` +
        `the incident ranks ${changes.length} changes and shows ${detail.timeline.length} timeline entries`,
    );
    await time("on-call board (home page)", 30, () => onCallBoard(viewer, {}));
    await time("incident: timeline with related activity (getIncident)", 30, () =>
      getIncident(engineer, incident.number),
    );
    await time("incident: what changed? ranked with evidence", 30, () =>
      incidentChanges(engineer, incident),
    );
  } finally {
    await cleanUp();
  }
}, 600_000);
