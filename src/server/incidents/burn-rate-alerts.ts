import "server-only";
import { notifyIncidentStep } from "@/server/notifications/subjects";
import { type Tx } from "@/server/db/tx";
import { appendAudit } from "@/server/db/audit";
import { formatBurnRate, formatWindow } from "@/lib/domain/slos/alerts";
import { incidentTransition } from "@/lib/domain/incidents/lifecycle";
import {
  SYSTEM_AUDIT,
  lockIncidentRow,
  lockedSloIncident,
  openIncident,
  stepTime,
} from "@/server/incidents/open-incident";

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
    await notifyIncidentStep(tx, i.id, "mitigate", {
      actor: null,
      reason: `The burn stopped: no page alert is firing on ${slos}.`,
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
