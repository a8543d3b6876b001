import "server-only";
import { notifyIncidentStep } from "@/server/notifications/subjects";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { principalOf, type Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import {
  alertToIncidentChange,
  planAlertChange,
  type AlertIncidentChange,
  type AlertmanagerWebhook,
  type AlertPlan,
} from "@/lib/domain/incidents/alertmanager";
import { alertScopeRefusal, type AlertTarget } from "@/lib/domain/incidents/alert-scope";
import { incidentTransition } from "@/lib/domain/incidents/lifecycle";
import {
  OPEN,
  lockIncidentRow,
  lockedSloIncident,
  openIncident,
} from "@/server/incidents/open-incident";

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
    const now = clock.now();

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
      generatorUrl: change.generatorURL,
      runbookUrl: change.runbookUrl,
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
      if (step?.ok && plan.event) {
        await notifyIncidentStep(tx, incident.id, plan.event, { actor: null, reason: plan.note });
      }
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
