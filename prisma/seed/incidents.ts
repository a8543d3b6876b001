import { randomUUID } from "node:crypto";
import type { Prisma } from "../../src/generated/prisma/client";
import { metricPeriod } from "../../src/lib/domain/incidents/response-times";
import {
  DAY,
  HOUR,
  MINUTE,
  floorToMinute,
  type BadWindow,
  type IncidentPlan,
  type Tx,
} from "./common";
import {
  INCIDENT_COMMANDER,
  MODELS,
  OUTAGES,
  ROUTINE_CAUSES,
  ROUTINE_RESPONSE,
  ROUTINE_SEVERITIES,
  ROUTINE_WEEKS,
  TEAM_PACE,
} from "./demo-data";
import { seededPostmortem } from "./postmortems";
import { createRng, type Rng } from "./rng";

type Response = Omit<NonNullable<IncidentPlan["response"]>, "summary">;

/** The infrastructure outages: their incidents, and the errors they caused. */
export function outages(nowMs: number): { incidents: IncidentPlan[]; badWindows: BadWindow[] } {
  const incidents: IncidentPlan[] = [];
  const badWindows: BadWindow[] = [];
  for (const o of OUTAGES) {
    const day = nowMs - o.daysAgo * DAY;
    const start =
      o.utcHour === undefined
        ? day - o.hoursAgo * HOUR
        : Math.floor(day / DAY) * DAY + o.utcHour * HOUR;
    incidents.push({
      model: o.model,
      region: o.region,
      at: start,
      version: "",
      severity: o.severity,
      title: o.title,
      lessons: { factor: o.factor, followUp: o.followUp },
    });
    badWindows.push({ model: o.model, start, end: start + o.hours * HOUR, errorRate: o.errorRate });
  }
  return { incidents, badWindows };
}

/**
 * The given incidents (failed canaries, outages) and routine ones, all resolved or closed, with
 * their timelines; a closed one with the postmortem completed before it was closed. Written in
 * three statements (incidents, their timelines, postmortems) rather than one per incident; the
 * ids are set here so the timelines can refer to them.
 */
export async function seedIncidents(
  tx: Tx,
  input: {
    rng: Rng;
    seed: number;
    nowMs: number;
    modelIds: ReadonlyMap<string, string>;
    plans: readonly IncidentPlan[];
  },
): Promise<void> {
  const { rng, nowMs } = input;
  // A separate RNG: the routine incidents leave every other seeded figure as it was.
  const plans = [...input.plans, ...routineIncidents(createRng(input.seed + 1), nowMs)];
  const incidents: Prisma.IncidentCreateManyInput[] = [];
  const events: Prisma.IncidentEventCreateManyInput[] = [];
  const postmortems: Prisma.PostmortemCreateManyInput[] = [];
  for (const plan of plans.sort((a, b) => a.at - b.at)) {
    const id = randomUUID();
    const times = plan.response ?? drawnResponse(rng, plan.at);
    const isClosed = times.closed < nowMs;
    const summary =
      plan.response?.summary ??
      plan.summary ??
      `Capacity or dependency failure in ${plan.region}; mitigated by shifting traffic.`;
    incidents.push({
      id,
      title: plan.title,
      severity: plan.severity,
      status: isClosed ? "closed" : "resolved",
      summary,
      modelId: input.modelIds.get(plan.model) ?? null,
      regionCode: plan.region,
      affectedModels: [plan.model],
      affectedRegions: [plan.region],
      commander: INCIDENT_COMMANDER,
      detectedAt: new Date(plan.at),
      acknowledgedAt: new Date(times.ack),
      mitigatedAt: new Date(times.mitigated),
      resolvedAt: new Date(times.resolved),
      closedAt: isClosed ? new Date(times.closed) : null,
    });
    const own = timeline(id, plan.at, times, isClosed);
    events.push(...own);
    if (isClosed) {
      const written = seededPostmortem({
        id,
        severity: plan.severity,
        summary,
        model: plan.model,
        region: plan.region,
        detectedAt: plan.at,
        acknowledgedAt: times.ack,
        mitigatedAt: times.mitigated,
        resolvedAt: times.resolved,
        closedAt: times.closed,
        events: [
          ...own.map((e) => ({ at: e.at.getTime(), message: e.message, actor: e.actor ?? null })),
          ...(plan.related ?? []),
        ],
        lessons: plan.lessons,
        author: INCIDENT_COMMANDER,
      });
      postmortems.push(written.postmortem);
      events.push(written.event);
    }
  }
  // In time order, so incident numbers follow detection as they did when written one by one.
  await tx.incident.createMany({ data: incidents });
  await tx.incidentEvent.createMany({ data: events });
  await tx.postmortem.createMany({ data: postmortems });
}

/** A quick response: the incidents of failed canaries and outages were handled within hours. */
function drawnResponse(rng: Rng, detected: number): Response {
  const ack = detected + rng.int(2, 9) * MINUTE;
  const mitigated = ack + rng.int(10, 40) * MINUTE;
  const resolved = mitigated + rng.int(30, 120) * MINUTE;
  return { ack, mitigated, resolved, closed: resolved + rng.int(1, 3) * DAY };
}

function timeline(
  incidentId: string,
  detected: number,
  times: Response,
  isClosed: boolean,
): (Prisma.IncidentEventCreateManyInput & { at: Date })[] {
  const event = (at: number, kind: string, message: string) => ({
    incidentId,
    at: new Date(at),
    kind,
    message,
    actor: INCIDENT_COMMANDER,
  });
  return [
    { incidentId, at: new Date(detected), kind: "alert", message: "Burn-rate page fired" },
    event(times.ack, "acknowledged", "Acknowledged"),
    event(times.mitigated, "status", "Status: mitigated"),
    event(times.resolved, "status", "Status: resolved"),
    ...(isClosed ? [event(times.closed, "status", "Status: closed, postmortem published")] : []),
  ];
}

/**
 * Two to four incidents a week over the last 26 weeks, across severities, models and teams, so
 * response times (MTTA, MTTR) have something to chart; responses get quicker over the months.
 * Only incidents resolved by `nowMs` are kept: the demo has no open incidents (so this week may
 * have fewer).
 */
function routineIncidents(rng: Rng, nowMs: number): IncidentPlan[] {
  const plans: IncidentPlan[] = [];
  // Whole ISO weeks, as the incidents page counts them; this week's future ones are dropped.
  const thisWeek = metricPeriod("week", new Date(nowMs)).start.getTime();
  for (let week = ROUTINE_WEEKS - 1; week >= 0; week--) {
    const count = rng.int(2, 4);
    for (let n = 0; n < count; n++) {
      const m = MODELS[rng.int(0, MODELS.length - 1)];
      if (!m) throw new Error("model index out of range");
      const region = rng.pick(m.regions);
      const severity = rng.pick(ROUTINE_SEVERITIES);
      const cause = rng.pick(ROUTINE_CAUSES);
      const pace = TEAM_PACE[m.team] * (0.75 + (0.5 * week) / ROUTINE_WEEKS);
      const { ackMin, resolveH } = ROUTINE_RESPONSE[severity];
      const at = floorToMinute(new Date(thisWeek + (rng.float(0, 7) - week * 7) * DAY)).getTime();
      const ack = at + Math.max(1, Math.round(rng.float(...ackMin) * pace)) * MINUTE;
      const resolved = at + Math.round(rng.float(...resolveH) * pace * 60) * MINUTE;
      const mitigated = ack + Math.round((resolved - ack) * rng.float(0.3, 0.7));
      const closed = resolved + rng.int(1, 3) * DAY;
      if (resolved >= nowMs) continue;
      plans.push({
        model: m.name,
        region,
        at,
        version: "",
        severity,
        title: cause.title(m.displayName, region),
        response: { ack, mitigated, resolved, closed, summary: cause.summary },
        lessons: { factor: cause.factor, followUp: cause.followUp },
      });
    }
  }
  return plans;
}
