import "server-only";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { lockRow, type Tx } from "@/server/db/tx";
import { db } from "@/server/db/client";
import { appendAudit, type AuditInput } from "@/server/db/audit";
import { principalOf, type Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-context";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import {
  alertToIncidentChange,
  planAlertChange,
  type AlertIncidentChange,
  type AlertmanagerWebhook,
  type AlertPlan,
} from "@/lib/domain/incidents/alertmanager";
import { formatBurnRate, formatWindow } from "@/lib/domain/slos/alerts";
import { alertScopeRefusal, type AlertTarget } from "@/lib/domain/incidents/alert-scope";
import {
  incidentTransition,
  OPEN_INCIDENT_STATUSES,
  type IncidentStatus,
  type Severity,
} from "@/lib/domain/incidents/lifecycle";

/**
 * Incidents opened and updated by machines: Alertmanager's webhook, and Flightdeck's own
 * page-severity burn-rate alerts. Both keep one open incident per problem: an alert's
 * fingerprint, or an SLO (later alerts on an SLO with an open incident attach to it).
 */

const OPEN: IncidentStatus[] = [...OPEN_INCIDENT_STATUSES];

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
const SYSTEM_AUDIT = { actorId: null, actorEmail: null, actorRole: "system" } as const;

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

async function openIncident(
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
async function lockedSloIncident(tx: Tx, slo: string) {
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
async function lockIncidentRow(tx: Tx, id: string) {
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
function stepTime(now: Date): Date {
  return new Date(Math.max(now.getTime(), Date.now()));
}

// ---------------------------------------------------------------------------------------------
// Flightdeck's burn-rate alerts

export interface FiredSloAlert {
  sloId: string;
  severity: "page" | "ticket";
  longWindowMinutes: number;
  shortWindowMinutes: number;
  threshold: number;
  longBurn: number;
  shortBurn: number;
}

/**
 * Page alerts that just fired open an incident for their SLO, or join the open one: an incident
 * already linking the SLO (declared by hand or opened earlier) gets the alert on its timeline,
 * and a mitigated one goes back to investigating, since the burn is back. Runs in the SLO
 * evaluator's transaction (one evaluator at a time), so two replicas never open two incidents.
 */
export async function incidentsForFiredAlerts(
  tx: Tx,
  fired: readonly FiredSloAlert[],
  now: Date,
): Promise<{ opened: number[]; attached: number[] }> {
  const pages = fired.filter((a) => a.severity === "page");
  const opened: number[] = [];
  const attached: number[] = [];
  if (pages.length === 0) return { opened, attached };
  const slos = await tx.slo.findMany({
    where: { id: { in: [...new Set(pages.map((a) => a.sloId))] } },
    select: {
      id: true,
      name: true,
      displayName: true,
      objective: true,
      model: { select: { id: true, name: true } },
    },
    // the per-SLO locks are always taken in this order
    orderBy: { name: "asc" },
  });
  for (const slo of slos) {
    // The fastest-burning page alert of this SLO speaks for it.
    const alert = pages
      .filter((a) => a.sloId === slo.id)
      .sort((a, b) => b.longBurn - a.longBurn)[0]!;
    const what =
      `page alert on ${slo.name}: burning ${formatBurnRate(alert.longBurn)} over ${formatWindow(alert.longWindowMinutes)} ` +
      `and ${formatBurnRate(alert.shortBurn)} over ${formatWindow(alert.shortWindowMinutes)} (threshold ${formatBurnRate(alert.threshold)})`;
    const existing = await lockedSloIncident(tx, slo.name);
    if (existing) {
      const at = stepTime(now);
      const recurred =
        existing.status === "mitigated" ? incidentTransition(existing, "investigate", at) : null;
      // Only a status change makes the responders' view stale; a timeline entry does not.
      if (recurred?.ok) {
        await tx.incident.update({
          where: { id: existing.id },
          data: { version: { increment: 1 }, status: recurred.next, ...recurred.timestamps },
        });
      }
      await tx.incidentEvent.create({
        data: {
          incidentId: existing.id,
          at,
          kind: recurred?.ok ? "status" : "alert",
          message: recurred?.ok
            ? `Status: investigating (the burn is back: ${what})`
            : `Alert attached: ${what}`,
        },
      });
      await appendAudit(tx, {
        ...SYSTEM_AUDIT,
        action: "incident.alert",
        targetType: "incident",
        targetId: existing.id,
        outcome: "allowed",
        after: {
          number: existing.number,
          slo: slo.name,
          status: recurred?.ok ? recurred.next : existing.status,
        },
      });
      attached.push(existing.number);
      continue;
    }
    const name = slo.displayName ?? slo.name;
    // The SLO measures the model wherever it serves: those regions are the ones affected.
    const served = await tx.deployment.findMany({
      where: { modelId: slo.model.id, environment: { tier: "production" } },
      distinct: ["environmentId"],
      select: { environment: { select: { region: { select: { code: true } } } } },
    });
    const regions = [...new Set(served.map((d) => d.environment.region.code))].sort();
    const created = await openIncident(
      tx,
      {
        title: `${name}: error budget burning at ${formatBurnRate(alert.longBurn)}`,
        severity: "SEV2",
        summary:
          `Opened automatically by a page-severity burn-rate alert: the ${name} SLO ` +
          `(objective ${(slo.objective * 100).toFixed(2).replace(/\.?0+$/, "")}%) is spending its ` +
          `error budget ${formatBurnRate(alert.longBurn)} faster than it can sustain.`,
        source: "slo",
        affectedModels: [slo.model],
        affectedRegions: regions,
        linkedSlos: [slo.name],
        detectedAt: now,
        declaredMessage: `Opened by ${what}`,
      },
      SYSTEM_AUDIT,
    );
    opened.push(created.number);
  }
  return { opened, attached };
}

/**
 * When the burn stops (no page alert firing on any SLO it links), an incident someone is
 * investigating moves to mitigated: the symptom is gone, and people resolve it once the fix
 * holds. One still in triage only gets a timeline entry: nobody has looked at it yet, and
 * marking it mitigated would also mark it acknowledged.
 */
export async function incidentsForResolvedAlerts(
  tx: Tx,
  resolvedSloIds: readonly string[],
  now: Date,
): Promise<{ mitigated: number[] }> {
  const mitigated: number[] = [];
  if (resolvedSloIds.length === 0) return { mitigated };
  const [slos, firing] = await Promise.all([
    tx.slo.findMany({ where: { id: { in: [...resolvedSloIds] } }, select: { name: true } }),
    tx.sloAlert.findMany({
      where: { resolvedAt: null, severity: "page" },
      select: { slo: { select: { name: true } } },
    }),
  ]);
  const stillBurning = new Set(firing.map((a) => a.slo.name));
  const calmed = slos.map((s) => s.name).filter((n) => !stillBurning.has(n));
  if (calmed.length === 0) return { mitigated };
  const incidents = await tx.incident.findMany({
    where: {
      linkedSlos: { hasSome: calmed },
      status: { in: ["triage", "investigating"] },
      // An Alertmanager alert still firing on it says the problem is not over.
      alerts: { none: { status: "firing" } },
    },
    orderBy: { id: "asc" },
    select: { id: true, number: true, linkedSlos: true },
  });
  for (const i of incidents) {
    if (i.linkedSlos.some((s) => stillBurning.has(s))) continue;
    const row = await lockIncidentRow(tx, i.id);
    const at = stepTime(now);
    const slos = i.linkedSlos.join(", ");
    if (row.status !== "investigating") {
      if (row.status === "triage") {
        await tx.incidentEvent.create({
          data: {
            incidentId: i.id,
            at,
            kind: "alert",
            message: `Burn stopped: no page alert is firing on ${slos}. Still in triage: acknowledge it to take it on.`,
          },
        });
      }
      continue;
    }
    const step = incidentTransition(row, "mitigate", at);
    if (!step.ok) continue;
    await tx.incident.update({
      where: { id: i.id },
      data: { status: step.next, ...step.timestamps, version: { increment: 1 } },
    });
    await tx.incidentEvent.create({
      data: {
        incidentId: i.id,
        at,
        kind: "status",
        message: `Status: mitigated (the burn stopped: no page alert is firing on ${slos})`,
      },
    });
    await appendAudit(tx, {
      ...SYSTEM_AUDIT,
      action: "incident.transition",
      targetType: "incident",
      targetId: i.id,
      outcome: "allowed",
      before: { status: row.status },
      after: { number: i.number, event: "mitigate", status: step.next, reason: "burn stopped" },
    });
    mitigated.push(i.number);
  }
  return { mitigated };
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

export type AlertOutcome =
  | "opened"
  | "updated"
  | "attached"
  | "duplicate"
  | "ignored"
  /** it would touch another team's model, SLO or incident: nothing changed */
  | "refused";

export interface AlertResult {
  fingerprint: string;
  status: "firing" | "resolved";
  outcome: AlertOutcome;
  /** the incident that holds the alert, when one does */
  incident: number | null;
  reason?: string;
}

/**
 * One Alertmanager notification: each alert opens an incident, updates the open incident
 * holding its fingerprint, or attaches to the open incident of the SLO it names. Repeated
 * notifications change nothing but the alert's last-seen time. Each alert is handled in its own
 * transaction under a lock on its fingerprint, so concurrent deliveries open one incident. An
 * alert that would touch another team's model, SLO or incident is refused and audited; the rest
 * of the notification goes on.
 */
export async function receiveAlertmanagerWebhook(
  actor: Actor | null,
  meta: RequestMeta,
  payload: AlertmanagerWebhook,
): Promise<AlertResult[]> {
  assertAllowed(actor, "incident.work");
  const results: AlertResult[] = [];
  for (const alert of payload.alerts) {
    const change = alertToIncidentChange(alert);
    results.push(await receiveAlert(actor, meta, change));
  }
  return results;
}

async function receiveAlert(
  actor: Actor,
  meta: RequestMeta,
  change: AlertIncidentChange,
): Promise<AlertResult> {
  const base = { fingerprint: change.dedupeKey, status: change.status };
  const audit = auditActor(actor, meta);
  const principal = principalOf(actor);
  return db().$transaction(async (tx) => {
    await advisoryLock(tx, LOCKS.alertmanagerAlert(change.dedupeKey));
    const now = new Date();

    /** The refusal when the alert would touch another team's objects, audited; or null. */
    const outOfScope = async (targets: AlertTarget[]): Promise<AlertResult | null> => {
      const reason = alertScopeRefusal(principal, targets);
      if (!reason) return null;
      await appendAudit(tx, {
        ...audit,
        action: "incident.alert",
        targetType: "incident",
        outcome: "denied",
        reason,
        after: {
          fingerprint: change.dedupeKey,
          alert: change.status,
          model: change.model,
          slo: change.slo,
        },
      });
      return { ...base, outcome: "refused", incident: null, reason };
    };
    const incidentTargets = async (incidentId: string): Promise<AlertTarget[]> => {
      const i = await tx.incident.findUniqueOrThrow({
        where: { id: incidentId },
        select: { number: true, affectedModels: true },
      });
      const models = await tx.model.findMany({
        where: { name: { in: i.affectedModels } },
        select: { teamId: true },
      });
      return models.map((m) => ({ kind: "incident", name: String(i.number), teamId: m.teamId }));
    };

    // What the alert names: its model and its SLO must be the caller's team's.
    const [namedModel, namedSlo] = await Promise.all([
      change.model
        ? tx.model.findUnique({ where: { name: change.model }, select: { teamId: true } })
        : null,
      change.slo
        ? tx.slo.findUnique({ where: { name: change.slo }, select: { teamId: true } })
        : null,
    ]);
    const named = await outOfScope([
      ...(namedModel && change.model
        ? [{ kind: "model" as const, name: change.model, teamId: namedModel.teamId }]
        : []),
      ...(namedSlo && change.slo
        ? [{ kind: "slo" as const, name: change.slo, teamId: namedSlo.teamId }]
        : []),
    ]);
    if (named) return named;
    const alertData = {
      status: change.status,
      title: change.title,
      labels: change.labels,
      startsAt: change.startedAt,
      endsAt: change.endedAt,
      lastSeenAt: now,
    };

    /**
     * Applies the plan to an open incident (locked, read after the lock) that holds or takes the
     * alert: raise its severity, send it back to investigating, note the timeline.
     */
    const update = async (
      incident: Awaited<ReturnType<typeof lockIncidentRow>>,
      plan: Extract<AlertPlan, { action: "update" }>,
      outcome: "updated" | "attached",
    ): Promise<AlertResult> => {
      const step = plan.event ? incidentTransition(incident, plan.event, now) : null;
      if (plan.escalateTo || step?.ok) {
        await tx.incident.update({
          where: { id: incident.id },
          data: {
            version: { increment: 1 },
            ...(plan.escalateTo ? { severity: plan.escalateTo } : {}),
            ...(step?.ok ? { status: step.next, ...step.timestamps } : {}),
          },
        });
      }
      await tx.incidentAlert.upsert({
        where: {
          incidentId_fingerprint: { incidentId: incident.id, fingerprint: change.dedupeKey },
        },
        create: {
          ...alertData,
          incidentId: incident.id,
          fingerprint: change.dedupeKey,
          receivedAt: now,
        },
        update: alertData,
      });
      await tx.incidentEvent.create({
        data: { incidentId: incident.id, at: now, kind: "alert", message: plan.note },
      });
      await appendAudit(tx, {
        ...audit,
        action: "incident.alert",
        targetType: "incident",
        targetId: incident.id,
        outcome: "allowed",
        before: { status: incident.status, severity: incident.severity },
        after: {
          number: incident.number,
          fingerprint: change.dedupeKey,
          alert: change.status,
          status: step?.ok ? step.next : incident.status,
          severity: plan.escalateTo ?? incident.severity,
        },
      });
      return { ...base, outcome, incident: incident.number };
    };

    // The open incident holding this fingerprint, if any (locked, read after the lock).
    const held = await tx.incidentAlert.findFirst({
      where: { fingerprint: change.dedupeKey, incident: { status: { in: OPEN } } },
      orderBy: { receivedAt: "desc" },
      select: { id: true, status: true, incidentId: true },
    });
    const holder = held ? await lockIncidentRow(tx, held.incidentId) : null;
    if (held && holder && OPEN.includes(holder.status)) {
      const foreign = await outOfScope(await incidentTargets(holder.id));
      if (foreign) return foreign;
      const plan = planAlertChange(change, holder);
      if (plan.action === "update") {
        // The same resolution delivered again: already on the incident.
        if (change.status === "resolved" && held.status === "resolved") {
          await tx.incidentAlert.update({ where: { id: held.id }, data: { lastSeenAt: now } });
          return { ...base, outcome: "duplicate" as const, incident: holder.number };
        }
        return update(holder, plan, "updated");
      }
      if (held.status !== change.status) {
        // Firing again after it resolved, with nothing else to change: record and note it.
        return update(
          holder,
          {
            action: "update",
            escalateTo: null,
            event: null,
            note: `Alert firing again since ${change.startedAt.toISOString()}: ${change.title}`,
          },
          "updated",
        );
      }
      await tx.incidentAlert.update({ where: { id: held.id }, data: { lastSeenAt: now } });
      return { ...base, outcome: "duplicate" as const, incident: holder.number };
    }

    if (change.status === "resolved") {
      return {
        ...base,
        outcome: "ignored" as const,
        incident: null,
        reason: "No open incident holds this alert.",
      };
    }
    // Firing, and no open incident holds it: join the open incident of the SLO it names, or
    // open a new one.
    const slo = change.slo
      ? await tx.slo.findUnique({ where: { name: change.slo }, select: { name: true } })
      : null;
    const sloIncident = slo ? await lockedSloIncident(tx, slo.name) : null;
    if (sloIncident) {
      const foreign = await outOfScope(await incidentTargets(sloIncident.id));
      if (foreign) return foreign;
      const plan = planAlertChange(change, sloIncident);
      return update(
        sloIncident,
        plan.action === "update"
          ? { ...plan, note: `Alert attached. ${plan.note}` }
          : {
              action: "update",
              escalateTo: null,
              event: null,
              note: `Alert attached: ${change.title} (firing since ${change.startedAt.toISOString()})`,
            },
        "attached",
      );
    }
    const plan = planAlertChange(change, null);
    if (plan.action !== "open") {
      return { ...base, outcome: "ignored" as const, incident: null, reason: "Nothing to do." };
    }
    const [model, region] = await Promise.all([
      change.model
        ? tx.model.findUnique({ where: { name: change.model }, select: { id: true, name: true } })
        : null,
      change.region
        ? tx.region.findUnique({ where: { code: change.region }, select: { code: true } })
        : null,
    ]);
    // Alertmanager may report a start slightly ahead of this clock; detection is never in the future.
    const detectedAt = change.startedAt.getTime() < now.getTime() ? change.startedAt : now;
    const created = await openIncident(
      tx,
      {
        title: change.title,
        severity: plan.severity,
        summary: change.description ?? "",
        source: "alertmanager",
        affectedModels: model ? [model] : [],
        affectedRegions: region ? [region.code] : [],
        linkedSlos: slo ? [slo.name] : [],
        detectedAt,
        declaredMessage:
          `Opened by Alertmanager alert ${change.labels.alertname ?? change.dedupeKey} ` +
          `(${plan.severity} from ${change.severitySource})`,
      },
      audit,
    );
    await tx.incidentAlert.create({
      data: {
        ...alertData,
        incidentId: created.id,
        fingerprint: change.dedupeKey,
        receivedAt: now,
      },
    });
    return { ...base, outcome: "opened" as const, incident: created.number };
  });
}
