import "server-only";
import type { Tx } from "@/server/db/tx";
import { notify } from "@/server/notifications/outbox";
import { verdictCountsText, type Verdict } from "@/lib/domain/traffic/drain-plan";
import type { FreezeWindowView } from "@/lib/domain/promotions/gates";
import type { NotificationEventType, NotificationFact } from "@/lib/domain/notifications/events";

/**
 * The events of each part of the product, as the outbox records them: each reads what its
 * message needs inside the caller's transaction (after the change), so the message says what
 * the change made true.
 */

interface Who {
  /** the person's email, or null when Flightdeck did it */
  actor: string | null;
  reason?: string | null;
}

type RolloutEvent = Extract<NotificationEventType, `rollout.${string}`>;

const ROLLOUT_VERBS: Record<RolloutEvent, string> = {
  "rollout.paused": "paused",
  "rollout.aborted": "aborted",
  "rollout.rolled_back": "rolled back",
  "rollout.completed": "completed",
  "rollout.blocked": "blocked",
};

/**
 * A rollout's event. `weight` is the canary's share when it happened (before an abort sent it
 * back): the blast radius. A rollback's subject is the rollback rollout.
 */
export async function notifyRollout(
  tx: Tx,
  rolloutId: string,
  type: RolloutEvent,
  who: Who & { weight?: number },
): Promise<void> {
  const r = await tx.rollout.findUniqueOrThrow({
    where: { id: rolloutId },
    select: {
      id: true,
      kind: true,
      currentWeight: true,
      currentStep: true,
      reason: true,
      blockedReason: true,
      model: { select: { id: true, name: true, team: { select: { id: true, name: true } } } },
      environment: { select: { id: true, name: true } },
      toVersion: { select: { version: true } },
      fromVersion: { select: { version: true } },
    },
  });
  const model = r.model.name;
  const env = r.environment.name;
  const weight = who.weight ?? r.currentWeight;
  const name =
    r.kind === "rollback"
      ? `rollback of ${model} to ${r.toVersion.version} in ${env}`
      : `${model} ${r.toVersion.version} → ${env}`;
  const by = who.actor ? ` by ${who.actor}` : "";
  const summary =
    type === "rollout.rolled_back"
      ? `${model} in ${env} rolled back to ${r.toVersion.version}${by}.`
      : `Rollout of ${model} ${r.toVersion.version} to ${env} ${ROLLOUT_VERBS[type]}${by}${type === "rollout.completed" ? "" : ` at ${weight}%`}.`;
  const blastRadius =
    type === "rollout.completed" || type === "rollout.rolled_back"
      ? `all of ${model}'s traffic in ${env}`
      : weight > 0
        ? `${weight}% of ${model}'s traffic in ${env}`
        : `none of ${model}'s traffic in ${env} (the canary had no traffic)`;
  const facts: NotificationFact[] = [
    { label: "Version", value: r.toVersion.version },
    ...(r.fromVersion ? [{ label: "Stable", value: r.fromVersion.version }] : []),
    { label: "Canary weight", value: `${weight}%` },
  ];
  const reason =
    who.reason ?? (type === "rollout.blocked" ? r.blockedReason : null) ?? r.reason ?? null;
  await notify(tx, {
    subjectKey: `rollout:${r.id}`,
    teamId: r.model.team.id,
    modelId: r.model.id,
    environmentId: r.environment.id,
    payload: {
      type,
      subject: { kind: "rollout", id: r.id, name, path: `/rollouts/${r.id}` },
      summary,
      actor: who.actor,
      reason,
      blastRadius,
      team: r.model.team.name,
      model,
      environment: env,
      severity: null,
      openedByFlightdeck: false,
      facts,
    },
  });
}

type IncidentEvent = Extract<NotificationEventType, `incident.${string}`>;

const INCIDENT_VERBS: Record<IncidentEvent, string> = {
  "incident.opened": "opened",
  "incident.acknowledged": "acknowledged",
  "incident.mitigated": "mitigated",
  "incident.resolved": "resolved",
};

/** An incident's event; its team is its first affected model's. */
export async function notifyIncident(
  tx: Tx,
  incidentId: string,
  type: IncidentEvent,
  who: Who,
): Promise<void> {
  const i = await tx.incident.findUniqueOrThrow({
    where: { id: incidentId },
    select: {
      id: true,
      number: true,
      title: true,
      severity: true,
      source: true,
      summary: true,
      affectedModels: true,
      affectedRegions: true,
      linkedSlos: true,
      commander: true,
      model: { select: { id: true, name: true, team: { select: { id: true, name: true } } } },
    },
  });
  const name = `INC-${i.number}`;
  const by = who.actor ? ` by ${who.actor}` : i.source === "manual" ? "" : " by Flightdeck";
  const regions = i.affectedRegions.join(", ");
  const models = i.affectedModels.join(", ");
  await notify(tx, {
    subjectKey: `incident:${i.id}`,
    teamId: i.model?.team.id ?? null,
    modelId: i.model?.id ?? null,
    environmentId: null,
    payload: {
      type,
      subject: { kind: "incident", id: i.id, name, path: `/incidents/${i.number}` },
      summary: `${i.severity} ${i.title}: ${INCIDENT_VERBS[type]}${by}.`,
      actor: who.actor,
      reason: who.reason ?? (type === "incident.opened" ? i.summary : null),
      blastRadius:
        models || regions
          ? [models && `models ${models}`, regions && `regions ${regions}`]
              .filter(Boolean)
              .join(" in ")
          : null,
      team: i.model?.team.name ?? null,
      model: i.model?.name ?? null,
      environment: null,
      severity: i.severity,
      openedByFlightdeck: i.source !== "manual",
      facts: [
        ...(i.linkedSlos.length > 0 ? [{ label: "SLOs", value: i.linkedSlos.join(", ") }] : []),
        ...(i.commander ? [{ label: "Commander", value: i.commander }] : []),
      ],
    },
  });
}

type PromotionEvent = Extract<NotificationEventType, `promotion.${string}`>;

const PROMOTION_VERBS: Record<PromotionEvent, string> = {
  "promotion.requested": "requested",
  "promotion.approved": "approved",
  "promotion.rejected": "rejected",
  "promotion.started": "started",
};

/**
 * A promotion request's event. A waiting approval links to the request's page with its
 * evidence; nothing in a message approves anything.
 */
export async function notifyPromotion(
  tx: Tx,
  requestId: string,
  type: PromotionEvent,
  who: Who,
): Promise<void> {
  const p = await tx.promotionRequest.findUniqueOrThrow({
    where: { id: requestId },
    select: {
      id: true,
      number: true,
      tier: true,
      regions: true,
      fix: true,
      justification: true,
      requiredApprovals: true,
      blockedReason: true,
      model: { select: { id: true, name: true, team: { select: { id: true, name: true } } } },
      modelVersion: { select: { version: true } },
      _count: { select: { approvals: true } },
    },
  });
  const what = `${p.model.name} ${p.modelVersion.version} to ${p.tier} (${p.regions.join(", ")})`;
  const by = who.actor ? ` by ${who.actor}` : "";
  const waiting =
    type === "promotion.requested"
      ? ` It needs ${p.requiredApprovals} approval${p.requiredApprovals === 1 ? "" : "s"}: review the evidence on its page.`
      : "";
  await notify(tx, {
    subjectKey: `promotion:${p.id}`,
    teamId: p.model.team.id,
    modelId: p.model.id,
    environmentId: null,
    payload: {
      type,
      subject: {
        kind: "promotion",
        id: p.id,
        name: `PR-${p.number}`,
        path: `/promotions/${p.number}`,
      },
      summary: `Promotion of ${what} ${PROMOTION_VERBS[type]}${by}.${waiting}`,
      actor: who.actor,
      reason: who.reason ?? (type === "promotion.requested" ? p.justification : null),
      blastRadius: `${p.model.name} in ${p.tier} ${p.regions.join(", ")}`,
      team: p.model.team.name,
      model: p.model.name,
      environment: p.tier,
      severity: null,
      openedByFlightdeck: false,
      facts: [
        { label: "Version", value: p.modelVersion.version },
        { label: "Approvals", value: `${p._count.approvals} of ${p.requiredApprovals}` },
        ...(p.fix ? [{ label: "Fix", value: "yes (may go out during a freeze)" }] : []),
        ...(p.blockedReason ? [{ label: "Blocked", value: p.blockedReason }] : []),
      ],
    },
  });
}

type SloEvent = Extract<NotificationEventType, `slo.${string}`>;

/** An SLO's event: an alert firing or resolving, or its budget exhausted. */
export async function notifySlo(
  tx: Tx,
  sloId: string,
  type: SloEvent,
  detail: { summary: string; severity?: "page" | "ticket"; facts?: NotificationFact[] },
): Promise<void> {
  const s = await tx.slo.findUniqueOrThrow({
    where: { id: sloId },
    select: {
      id: true,
      name: true,
      displayName: true,
      objective: true,
      model: { select: { id: true, name: true } },
      team: { select: { id: true, name: true } },
    },
  });
  await notify(tx, {
    subjectKey: `slo:${s.id}`,
    teamId: s.team.id,
    modelId: s.model.id,
    environmentId: null,
    payload: {
      type,
      subject: { kind: "slo", id: s.id, name: s.displayName ?? s.name, path: `/slos/${s.name}` },
      summary: detail.summary,
      actor: null,
      reason: null,
      blastRadius: `${s.model.name}`,
      team: s.team.name,
      model: s.model.name,
      environment: null,
      severity: detail.severity ?? null,
      openedByFlightdeck: false,
      facts: [
        { label: "Objective", value: `${+(s.objective * 100).toFixed(3)}%` },
        ...(detail.facts ?? []),
      ],
    },
  });
}

/**
 * The event a rollout's state change is, if any: it paused, aborted or completed. A rollback
 * rollout's own completion is not one: its start was the "rolled back" event.
 */
export async function notifyRolloutChange(
  tx: Tx,
  rolloutId: string,
  before: { status: string; weight: number; kind: string },
  after: string,
  who: Who,
): Promise<void> {
  if (after === before.status) return;
  const type: RolloutEvent | null =
    after === "aborted"
      ? "rollout.aborted"
      : after === "paused"
        ? "rollout.paused"
        : after === "completed" && before.kind !== "rollback"
          ? "rollout.completed"
          : null;
  if (!type) return;
  await notifyRollout(tx, rolloutId, type, {
    ...who,
    weight: type === "rollout.completed" ? 100 : before.weight,
  });
}

const INCIDENT_STEP_EVENTS: Partial<Record<string, IncidentEvent>> = {
  acknowledge: "incident.acknowledged",
  mitigate: "incident.mitigated",
  resolve: "incident.resolved",
};

/** The event a lifecycle step is (acknowledge, mitigate, resolve), if any. */
export async function notifyIncidentStep(
  tx: Tx,
  incidentId: string,
  step: string,
  who: Who,
): Promise<void> {
  const type = INCIDENT_STEP_EVENTS[step];
  if (type) await notifyIncident(tx, incidentId, type, who);
}

/**
 * Change freezes (one-off or repeating) that started in the last ten minutes: one
 * "freeze.starting" event each, whichever worker sees it first (the event's key is the freeze
 * and its start). For every subscription of the event, whatever it scopes: a freeze stops every
 * team's changes in its environments. A worker down for longer than ten minutes does not
 * announce freezes that long under way.
 */
export async function announceStartedFreezes(
  tx: Tx,
  freezes: readonly FreezeWindowView[],
  now: Date,
): Promise<number> {
  const since = now.getTime() - 10 * 60_000;
  let announced = 0;
  const keyOf = (f: FreezeWindowView) =>
    `freeze:${f.name}:${f.tier ?? "all"}:${f.startsAt.toISOString()}`;
  // in one order on every worker, so two announcing at once never wait on each other's keys
  for (const f of [...freezes].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))) {
    const start = f.startsAt.getTime();
    if (start <= since || start > now.getTime() || f.endsAt.getTime() <= now.getTime()) continue;
    const where = f.tier ? `${f.tier} environments` : "every environment";
    await notify(tx, {
      subjectKey: `freeze:${f.name}`,
      // one freeze is its name, tier and start: two of one name starting together are one
      dedupeKey: keyOf(f),
      teamId: null,
      modelId: null,
      environmentId: null,
      everyone: true,
      occurredAt: f.startsAt,
      payload: {
        type: "freeze.starting",
        subject: { kind: "freeze", id: f.name, name: f.name, path: "/promotions/policy" },
        summary: `Change freeze "${f.name}" started: no new changes to ${where} until ${f.endsAt.toISOString().slice(0, 16).replace("T", " ")} UTC, except fixes.`,
        actor: null,
        reason: f.reason || null,
        blastRadius: where,
        team: null,
        model: null,
        environment: f.tier,
        severity: null,
        openedByFlightdeck: false,
        facts: [
          { label: "Starts", value: f.startsAt.toISOString() },
          { label: "Ends", value: f.endsAt.toISOString() },
        ],
      },
    });
    announced += 1;
  }
  return announced;
}

type DrainEvent = Extract<NotificationEventType, `drain.${string}`>;

/**
 * A region drain's or failover's event; `summary` is the sentence its timeline records. A drain
 * of one team's models reaches that team's subscriptions (and the model's, for one model); a
 * drain of everything in the region reaches every subscription to the event, as every team
 * serving there is moved. Environment-scoped subscriptions match the region's production.
 */
export async function notifyDrain(
  tx: Tx,
  drainId: string,
  type: DrainEvent,
  who: Who & { summary: string },
): Promise<void> {
  const d = await tx.regionDrain.findUniqueOrThrow({
    where: { id: drainId },
    select: { id: true, region: true, kind: true, scopeKind: true, steps: true, models: true },
  });
  const models = (Array.isArray(d.models) ? d.models : []).flatMap((m) => {
    const o = m && typeof m === "object" && !Array.isArray(m) ? m : {};
    const { model, modelId, teamId, verdict } = o as Record<string, unknown>;
    return typeof model === "string" && typeof modelId === "string" && typeof teamId === "string"
      ? [{ model, modelId, teamId, verdict: typeof verdict === "string" ? verdict : null }]
      : [];
  });
  const teamIds = [...new Set(models.map((m) => m.teamId))];
  const onlyTeam = d.scopeKind !== "all" && teamIds.length === 1 ? teamIds[0] : undefined;
  const onlyModel = onlyTeam && models.length === 1 ? models[0] : undefined;
  const [team, environment] = await Promise.all([
    onlyTeam
      ? tx.team.findUnique({ where: { id: onlyTeam }, select: { id: true, name: true } })
      : null,
    tx.environment.findFirst({
      where: { tier: "production", region: { code: d.region } },
      select: { id: true, name: true },
    }),
  ]);
  const what = d.kind === "failover" ? "Emergency failover" : "Drain";
  const names = models.map((m) => m.model);
  const blastRadius =
    models.length === 1
      ? `${names[0]}'s production traffic in ${d.region}`
      : `the production traffic of ${models.length} models in ${d.region}`;
  const counts = { safe: 0, tight: 0, impossible: 0 };
  for (const m of models) if (m.verdict && m.verdict in counts) counts[m.verdict as Verdict] += 1;
  const verdicts =
    counts.safe + counts.tight + counts.impossible > 0 ? verdictCountsText(counts) : "";
  await notify(tx, {
    subjectKey: `drain:${d.id}`,
    teamId: team?.id ?? null,
    modelId: onlyModel?.modelId ?? null,
    environmentId: environment?.id ?? null,
    everyone: !team,
    payload: {
      type,
      subject: {
        kind: "drain",
        id: d.id,
        name: `${what} of ${d.region}`,
        path: `/regions/drains/${d.id}`,
      },
      summary: who.summary,
      actor: who.actor,
      reason: who.reason ?? null,
      blastRadius,
      team: team?.name ?? null,
      model: onlyModel?.model ?? null,
      environment: environment?.name ?? null,
      severity: null,
      openedByFlightdeck: false,
      facts: [
        { label: "Region", value: d.region },
        {
          label: models.length === 1 ? "Model" : "Models",
          value:
            names.length > 5
              ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`
              : names.join(", "),
        },
        ...(verdicts ? [{ label: "Capacity check", value: verdicts }] : []),
        {
          label: "Steps",
          value: d.kind === "failover" ? "all traffic at once" : `${d.steps.join(", ")}%`,
        },
      ],
    },
  });
}
