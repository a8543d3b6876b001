import "server-only";
import { notifyIncident } from "@/server/notifications/subjects";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import type { DeclareIncidentData } from "@/lib/schemas/incidents";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { assertKnown, assertRoleHolders } from "@/server/incidents/incident-row";

/** A second declaration of the same title by the same person within this time is a double submit. */
const DOUBLE_SUBMIT_MS = 60_000;

/**
 * Declares an incident in triage, detected now. Models, regions and SLOs must exist; the same
 * title declared again by the same person within a minute (a double submit) returns the first.
 */
export async function declareIncident(
  actor: Actor | null,
  meta: RequestMeta,
  input: DeclareIncidentData,
): Promise<{ number: number; created: boolean }> {
  assertAllowed(actor, "incident.work");
  const [models, regions, slos] = await Promise.all([
    db().model.findMany({
      where: { name: { in: input.affectedModels } },
      select: { id: true, name: true },
    }),
    db().region.findMany({
      where: { code: { in: input.affectedRegions } },
      select: { code: true },
    }),
    db().slo.findMany({ where: { name: { in: input.linkedSlos } }, select: { name: true } }),
  ]);
  await assertKnown(
    "model",
    input.affectedModels,
    models.map((m) => m.name),
    "Choose models from the registry.",
  );
  await assertKnown(
    "region",
    input.affectedRegions,
    regions.map((r) => r.code),
    "Choose regions the fleet runs in.",
  );
  await assertKnown(
    "SLO",
    input.linkedSlos,
    slos.map((s) => s.name),
    "Link SLOs that are defined in Flightdeck.",
  );
  return db().$transaction(async (tx) => {
    await advisoryLock(tx, LOCKS.incidentDeclare(actor.email, input.title));
    const now = clock.now();
    const first = await tx.incident.findFirst({
      where: {
        declaredBy: actor.email,
        title: input.title,
        detectedAt: { gte: new Date(now.getTime() - DOUBLE_SUBMIT_MS) },
      },
      orderBy: { detectedAt: "asc" },
      select: { number: true },
    });
    if (first) return { number: first.number, created: false };
    await assertRoleHolders(tx, [input.commander]);
    const firstModel = input.affectedModels[0];
    const created = await tx.incident.create({
      data: {
        title: input.title,
        severity: input.severity,
        status: "triage",
        summary: input.summary,
        affectedModels: input.affectedModels,
        affectedRegions: input.affectedRegions,
        linkedSlos: input.linkedSlos,
        // the list shows and filters by one model and region: the first of each
        modelId: models.find((m) => m.name === firstModel)?.id ?? null,
        regionCode: input.affectedRegions[0] ?? null,
        declaredBy: actor.email,
        commander: input.commander || null,
        detectedAt: now,
        events: {
          create: {
            at: now,
            kind: "declared",
            message: `Declared ${input.severity}: ${input.title}`,
            actor: actor.email,
          },
        },
      },
      select: { id: true, number: true },
    });
    await notifyIncident(tx, created.id, "incident.opened", { actor: actor.email });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "incident.declare",
      targetType: "incident",
      targetId: created.id,
      outcome: "allowed",
      after: {
        number: created.number,
        title: input.title,
        severity: input.severity,
        affectedModels: input.affectedModels,
        affectedRegions: input.affectedRegions,
        linkedSlos: input.linkedSlos,
        commander: input.commander || null,
      },
    });
    return { number: created.number, created: true };
  });
}
