import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { chaosEnd, chaosOverlapping, describeChaos } from "@/server/fleet/chaos";
import { formatBurnRate, formatWindow } from "@/lib/domain/slos/alerts";
import { ACTIVE } from "@/lib/domain/rollouts/state-machine";
import { type IncidentScopeRow, MINUTE, rolloutScope } from "@/server/incidents/changes";

/** Related activity on the timeline starts this long before detection. */
const TIMELINE_LEAD_MINUTES = 60;

const TIMELINE_LIMIT = 500;

export const SCOPE_SELECT = {
  id: true,
  number: true,
  status: true,
  affectedModels: true,
  affectedRegions: true,
  linkedSlos: true,
  detectedAt: true,
  resolvedAt: true,
  closedAt: true,
} as const;

// ---------------------------------------------------------------------------------------------
// Timeline

export interface RelatedTimelineEntry {
  id: string;
  at: Date;
  /** rollout | promotion | chaos | slo_alert */
  kind: string;
  message: string;
  actor: string | null;
  href: string | null;
}

/**
 * Activity around the incident that its own records do not hold: rollout steps, rollbacks and
 * promotions on its models and regions, chaos in its regions, and its SLOs' burn-rate alerts,
 * from an hour before detection until it was resolved (or cancelled, or now).
 */
export async function relatedTimeline(incident: IncidentScopeRow): Promise<RelatedTimelineEntry[]> {
  const from = new Date(incident.detectedAt.getTime() - TIMELINE_LEAD_MINUTES * MINUTE);
  const to = incident.resolvedAt ?? incident.closedAt ?? clock.now();
  const scope = rolloutScope(incident);
  const [rolloutEvents, requests, decisions, chaos, alerts] = await Promise.all([
    scope.length > 0
      ? db().rolloutEvent.findMany({
          where: {
            at: { gte: from, lte: to },
            // Only rollouts alive in the window can have events in it: the (model or
            // environment, createdAt) indexes find them without visiting every rollout in scope.
            rollout: {
              OR: scope,
              createdAt: { lte: to },
              AND: [{ OR: [{ status: { in: [...ACTIVE] } }, { finishedAt: { gte: from } }] }],
            },
          },
          orderBy: { at: "desc" },
          take: TIMELINE_LIMIT,
          select: {
            id: true,
            at: true,
            kind: true,
            message: true,
            actor: true,
            rollout: {
              select: {
                id: true,
                model: { select: { name: true } },
                environment: { select: { name: true } },
              },
            },
          },
        })
      : [],
    incident.affectedModels.length > 0
      ? db().promotionRequest.findMany({
          where: {
            model: { name: { in: incident.affectedModels } },
            requestedAt: { gte: from, lte: to },
          },
          select: {
            id: true,
            number: true,
            tier: true,
            requestedAt: true,
            requestedBy: { select: { email: true } },
            model: { select: { name: true } },
            modelVersion: { select: { version: true } },
          },
          take: 100,
        })
      : [],
    incident.affectedModels.length > 0
      ? db().promotionApproval.findMany({
          where: {
            request: { model: { name: { in: incident.affectedModels } } },
            at: { gte: from, lte: to },
          },
          select: {
            id: true,
            decision: true,
            at: true,
            approver: { select: { email: true } },
            request: { select: { number: true } },
          },
          take: 100,
        })
      : [],
    chaosOverlapping(incident.affectedRegions, from, to),
    incident.linkedSlos.length > 0
      ? db().sloAlert.findMany({
          where: {
            slo: { name: { in: incident.linkedSlos } },
            OR: [{ firedAt: { gte: from, lte: to } }, { resolvedAt: { gte: from, lte: to } }],
          },
          select: {
            id: true,
            severity: true,
            longWindowMinutes: true,
            shortWindowMinutes: true,
            threshold: true,
            longBurn: true,
            peakBurn: true,
            firedAt: true,
            resolvedAt: true,
            slo: { select: { name: true } },
          },
          take: 100,
        })
      : [],
  ]);
  const out: RelatedTimelineEntry[] = [];
  for (const e of rolloutEvents) {
    out.push({
      id: `rollout-event:${e.id}`,
      at: e.at,
      kind: "rollout",
      message: `${e.rollout.model.name} in ${e.rollout.environment.name}: ${e.message}`,
      actor: e.actor,
      href: `/rollouts/${e.rollout.id}`,
    });
  }
  for (const p of requests) {
    out.push({
      id: `promotion:${p.id}`,
      at: p.requestedAt,
      kind: "promotion",
      message: `Promotion #${p.number} requested: ${p.model.name} ${p.modelVersion.version} to ${p.tier}`,
      actor: p.requestedBy.email,
      href: `/promotions/${p.number}`,
    });
  }
  for (const d of decisions) {
    out.push({
      id: `approval:${d.id}`,
      at: d.at,
      kind: "promotion",
      message: `Promotion #${d.request.number} ${d.decision === "approve" ? "approved" : "rejected"}`,
      actor: d.approver.email,
      href: `/promotions/${d.request.number}`,
    });
  }
  for (const c of chaos) {
    const what = describeChaos(c);
    if (c.startedAt >= from) {
      out.push({
        id: `chaos-start:${c.id}`,
        at: c.startedAt,
        kind: "chaos",
        message: `Chaos experiment started: ${what}`,
        actor: c.createdBy,
        href: "/admin/chaos",
      });
    }
    const end = chaosEnd(c);
    if (end <= to && end >= from) {
      out.push({
        id: `chaos-end:${c.id}`,
        at: end,
        kind: "chaos",
        message: `Chaos experiment ${c.stoppedAt ? "stopped" : "healed"}: ${what}`,
        actor: null,
        href: "/admin/chaos",
      });
    }
  }
  for (const a of alerts) {
    const name = `${a.severity} alert on ${a.slo.name} (${formatWindow(a.longWindowMinutes)}/${formatWindow(a.shortWindowMinutes)} windows, threshold ${formatBurnRate(a.threshold)})`;
    if (a.firedAt >= from && a.firedAt <= to) {
      out.push({
        id: `slo-alert-fired:${a.id}`,
        at: a.firedAt,
        kind: "slo_alert",
        message: `Burn-rate ${name} fired at ${formatBurnRate(a.longBurn)}`,
        actor: null,
        href: `/slos/${a.slo.name}`,
      });
    }
    if (a.resolvedAt && a.resolvedAt >= from && a.resolvedAt <= to) {
      out.push({
        id: `slo-alert-resolved:${a.id}`,
        at: a.resolvedAt,
        kind: "slo_alert",
        message: `Burn-rate ${name} resolved (peak ${formatBurnRate(a.peakBurn)})`,
        actor: null,
        href: `/slos/${a.slo.name}`,
      });
    }
  }
  return out;
}
