import "server-only";
import { notifyIncident } from "@/server/notifications/subjects";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { lockRow, type Tx } from "@/server/db/tx";
import { appendAudit, type AuditInput } from "@/server/db/audit";
import {
  OPEN_INCIDENT_STATUSES,
  type IncidentStatus,
  type Severity,
} from "@/lib/domain/incidents/lifecycle";

export const OPEN: IncidentStatus[] = [...OPEN_INCIDENT_STATUSES];

/** What the lifecycle rules read of an incident. */
const LIFECYCLE_SELECT = {
  status: true,
  severity: true,
  detectedAt: true,
  acknowledgedAt: true,
  mitigatedAt: true,
  resolvedAt: true,
  closedAt: true,
} as const;

/** The automatic actor of audit records and timeline entries written by Flightdeck itself. */
export const SYSTEM_AUDIT = { actorId: null, actorEmail: null, actorRole: "system" } as const;

interface NewIncident {
  title: string;
  severity: Severity;
  summary: string;
  source: "slo" | "alertmanager";
  affectedModels: { id: string; name: string }[];
  affectedRegions: string[];
  linkedSlos: string[];
  detectedAt: Date;
  /** the timeline's first entry */
  declaredMessage: string;
}

export async function openIncident(
  tx: Tx,
  input: NewIncident,
  audit: Pick<AuditInput, "actorId" | "actorEmail" | "actorRole" | "requestId" | "clientIp">,
) {
  const created = await tx.incident.create({
    data: {
      title: input.title,
      severity: input.severity,
      status: "triage",
      summary: input.summary,
      source: input.source,
      affectedModels: input.affectedModels.map((m) => m.name),
      affectedRegions: input.affectedRegions,
      linkedSlos: input.linkedSlos,
      modelId: input.affectedModels[0]?.id ?? null,
      regionCode: input.affectedRegions[0] ?? null,
      detectedAt: input.detectedAt,
      events: {
        create: { at: input.detectedAt, kind: "declared", message: input.declaredMessage },
      },
    },
    select: { id: true, number: true },
  });
  await notifyIncident(tx, created.id, "incident.opened", { actor: null });
  await appendAudit(tx, {
    ...audit,
    action: "incident.declare",
    targetType: "incident",
    targetId: created.id,
    outcome: "allowed",
    after: {
      number: created.number,
      source: input.source,
      title: input.title,
      severity: input.severity,
      affectedModels: input.affectedModels.map((m) => m.name),
      affectedRegions: input.affectedRegions,
      linkedSlos: input.linkedSlos,
    },
  });
  return created;
}

/**
 * The open incident linking an SLO (the oldest, if people declared more), locked for this
 * transaction and read after the lock, or null. Takes a per-SLO advisory lock first: the
 * evaluator and the webhook both come through here, so they never open two incidents for one
 * SLO, and an incident resolved meanwhile is seen as closed, not joined.
 */
export async function lockedSloIncident(tx: Tx, slo: string) {
  await advisoryLock(tx, LOCKS.sloIncident(slo));
  for (;;) {
    const found = await tx.incident.findFirst({
      where: { linkedSlos: { has: slo }, status: { in: OPEN } },
      orderBy: { detectedAt: "asc" },
      select: { id: true },
    });
    if (!found) return null;
    const row = await lockIncidentRow(tx, found.id);
    if (OPEN.includes(row.status)) return row;
  }
}

/** Locks an incident row and reads what the lifecycle rules need, after the lock. */
export async function lockIncidentRow(tx: Tx, id: string) {
  await lockRow(tx, "Incident", id);
  return tx.incident.findUniqueOrThrow({
    where: { id },
    select: { id: true, number: true, ...LIFECYCLE_SELECT },
  });
}

/**
 * The evaluator's round started at `now`; people may have acted on an incident since. Steps are
 * dated no earlier than the present, so they are never refused as back-dated.
 */
export function stepTime(now: Date): Date {
  return new Date(Math.max(now.getTime(), clock.ms()));
}

// ---------------------------------------------------------------------------------------------
// Flightdeck's burn-rate alerts
