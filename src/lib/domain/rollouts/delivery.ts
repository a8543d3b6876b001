import { rankChanges, DEFAULT_LOOKBACK_MINUTES } from "../incidents/changes";
import type { IncidentStatus } from "../incidents/lifecycle";
import type { RolloutStatus } from "./state-machine";

/**
 * DORA-style delivery figures of a period, from the rollouts and incidents Flightdeck records.
 *
 * Only production rollouts count (environments of the production tier), and only rollouts of a
 * new version (`kind` "rollout"): a rollback restores, it is not a change. A rollout belongs to
 * the period in which it ended (`finishedAt`), and one that never started (a wave cancelled
 * before it began) is no change at all.
 *
 * - Deployment frequency: production rollouts completed in the period, and per week of the
 *   period (of the part elapsed, for the period in progress).
 * - Lead time: from the version's registration (`ModelVersion.createdAt`) to the rollout's
 *   completion, over the rollouts completed in the period; median and mean.
 * - Change failure rate: of the rollouts that ended in the period (completed, aborted or rolled
 *   back), the share that failed: aborted, rolled back (while running, or afterwards by a
 *   rollback from its version in the same environment), or linked to an incident.
 * - Time to restore: mean (and median) time from detection to resolution of the period's
 *   change-caused incidents, those linked to a production rollout; cancelled incidents do not
 *   count, unresolved ones are counted as `open` and not measured.
 *
 * Linked to an incident: the incident's "what changed?" rule (`rankChanges`) finds the rollout
 * (it was in progress at detection, or ended at most the lookback, 6 h, before it), and the
 * rollout changed one of the incident's models in one of its regions (any region, when the
 * incident names none).
 */

const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;

export interface DeliveryRollout {
  id: string;
  /** the owning team of the model (any key: id, slug or name) */
  team: string;
  model: string;
  /** the region code of its environment */
  region: string;
  environmentId: string;
  status: RolloutStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** when the version it rolls out was registered */
  registeredAt: Date;
  toVersionId: string;
}

/** A production rollback: it put `fromVersionId` out of the environment at `createdAt`. */
export interface DeliveryRollback {
  model: string;
  environmentId: string;
  fromVersionId: string | null;
  createdAt: Date;
}

export interface DeliveryIncident {
  id: string;
  status: IncidentStatus;
  detectedAt: Date;
  resolvedAt: Date | null;
  /** model names and region codes it affects */
  models: readonly string[];
  regions: readonly string[];
}

export interface DeliveryWindow {
  start: Date;
  /** exclusive */
  end: Date;
}

export interface DurationSummary {
  /** measured */
  count: number;
  meanMinutes: number | null;
  medianMinutes: number | null;
}

export interface DeliveryFigures {
  /** production rollouts completed in the period */
  deployments: number;
  /** deployments per week of the period (its elapsed part); null when no time has elapsed */
  deploymentsPerWeek: number | null;
  /** registration to completion of the rollouts completed in the period */
  leadTime: DurationSummary;
  /** production rollouts that ended in the period: completed, aborted or rolled back */
  changes: number;
  /** of which failed, each counted once whatever the reasons */
  failed: number;
  aborted: number;
  /** rolled back while running, or afterwards */
  rolledBack: number;
  /** linked to an incident (some of them may also be aborted or rolled back) */
  linkedToIncident: number;
  /** failed / changes; null without changes */
  changeFailureRate: number | null;
  /** detection to resolution of the period's change-caused incidents */
  timeToRestore: DurationSummary & {
    /** change-caused incidents detected in the period */
    incidents: number;
    /** of which not yet resolved (not measured) */
    open: number;
  };
}

export interface DeliveryInput {
  rollouts: readonly DeliveryRollout[];
  rollbacks: readonly DeliveryRollback[];
  incidents: readonly DeliveryIncident[];
  window: DeliveryWindow;
  /** the instant the figures are computed at: bounds the elapsed part of the period */
  now: Date;
  lookbackMinutes?: number;
}

/** Mean and median of durations in minutes; nulls when there are none. */
export function durationSummary(minutes: readonly number[]): DurationSummary {
  const sorted = [...minutes].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { count: 0, meanMinutes: null, medianMinutes: null };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { count: n, meanMinutes: sorted.reduce((a, m) => a + m, 0) / n, medianMinutes: median };
}

const inWindow = (at: Date | null, w: DeliveryWindow): at is Date =>
  at !== null && at.getTime() >= w.start.getTime() && at.getTime() < w.end.getTime();

const ENDED: readonly RolloutStatus[] = ["completed", "aborted", "rolled_back"];

/**
 * The rollouts each incident is linked to, by incident id (only incidents linked to one or
 * more). Cancelled incidents link to nothing.
 */
export function linkIncidents(
  incidents: readonly DeliveryIncident[],
  rollouts: readonly DeliveryRollout[],
  lookbackMinutes = DEFAULT_LOOKBACK_MINUTES,
): Map<string, DeliveryRollout[]> {
  const byModel = new Map<string, DeliveryRollout[]>();
  for (const r of rollouts) {
    if (r.startedAt === null) continue;
    const list = byModel.get(r.model) ?? [];
    list.push(r);
    byModel.set(r.model, list);
  }
  const out = new Map<string, DeliveryRollout[]>();
  for (const incident of incidents) {
    if (incident.status === "cancelled") continue;
    const candidates = [...new Set(incident.models)]
      .flatMap((m) => byModel.get(m) ?? [])
      .map((r) => ({
        id: r.id,
        kind: "rollout" as const,
        model: r.model,
        region: r.region,
        startedAt: r.startedAt!,
        endedAt: r.finishedAt,
        rollout: r,
      }));
    if (candidates.length === 0) continue;
    const linked = rankChanges(
      candidates,
      { detectedAt: incident.detectedAt, models: incident.models, regions: incident.regions },
      { lookbackMinutes },
    )
      .filter(
        (c) =>
          c.overlap === "model_and_region" ||
          (c.overlap === "model" && incident.regions.length === 0),
      )
      .map((c) => c.change.rollout);
    if (linked.length > 0) out.set(incident.id, linked);
  }
  return out;
}

/** Rollouts (by id) that a later rollback took out of their environment. */
function revertedLater(
  rollouts: readonly DeliveryRollout[],
  rollbacks: readonly DeliveryRollback[],
): Set<string> {
  const out = new Set<string>();
  const key = (model: string, env: string, version: string) =>
    `${model}\u0000${env}\u0000${version}`;
  const latest = new Map<string, number>();
  for (const b of rollbacks) {
    if (b.fromVersionId === null) continue;
    const k = key(b.model, b.environmentId, b.fromVersionId);
    latest.set(k, Math.max(latest.get(k) ?? -Infinity, b.createdAt.getTime()));
  }
  for (const r of rollouts) {
    if (r.status !== "completed" || r.finishedAt === null) continue;
    const at = latest.get(key(r.model, r.environmentId, r.toVersionId));
    if (at !== undefined && at >= r.finishedAt.getTime()) out.add(r.id);
  }
  return out;
}

/** The delivery figures of one window, over the rollouts and incidents given. */
function figuresOf(
  window: DeliveryWindow,
  now: Date,
  rollouts: readonly DeliveryRollout[],
  reverted: ReadonlySet<string>,
  linkedRollouts: ReadonlySet<string>,
  changeIncidents: readonly DeliveryIncident[],
): DeliveryFigures {
  const ended = rollouts.filter(
    (r) => r.startedAt !== null && ENDED.includes(r.status) && inWindow(r.finishedAt, window),
  );
  const completed = ended.filter((r) => r.status === "completed");
  const elapsed = Math.min(now.getTime(), window.end.getTime()) - window.start.getTime();
  let failed = 0;
  let aborted = 0;
  let rolledBack = 0;
  let linked = 0;
  for (const r of ended) {
    const isAborted = r.status === "aborted";
    const isRolledBack = r.status === "rolled_back" || reverted.has(r.id);
    const isLinked = linkedRollouts.has(r.id);
    if (isAborted) aborted += 1;
    if (isRolledBack) rolledBack += 1;
    if (isLinked) linked += 1;
    if (isAborted || isRolledBack || isLinked) failed += 1;
  }
  const restored = changeIncidents.filter((i) => inWindow(i.detectedAt, window));
  const restoreMinutes = restored
    .filter((i) => i.resolvedAt !== null && i.resolvedAt.getTime() >= i.detectedAt.getTime())
    .map((i) => (i.resolvedAt!.getTime() - i.detectedAt.getTime()) / MINUTE);
  return {
    deployments: completed.length,
    deploymentsPerWeek: elapsed > 0 ? completed.length / (elapsed / WEEK) : null,
    leadTime: durationSummary(
      completed
        .map((r) => (r.finishedAt!.getTime() - r.registeredAt.getTime()) / MINUTE)
        // a version registered after its rollout ended is bad data, not a negative lead time
        .filter((m) => m >= 0),
    ),
    changes: ended.length,
    failed,
    aborted,
    rolledBack,
    linkedToIncident: linked,
    changeFailureRate: ended.length === 0 ? null : failed / ended.length,
    timeToRestore: {
      ...durationSummary(restoreMinutes),
      incidents: restored.length,
      open: restored.filter((i) => i.resolvedAt === null).length,
    },
  };
}

export interface DeliveryReport {
  total: DeliveryFigures;
  /** per team key of the rollouts, in the order of `teams` */
  teams: { team: string; figures: DeliveryFigures }[];
}

/**
 * The figures of a window, in total and per team. `teams` lists the teams to report (a team
 * with no rollout gets zeros); a change-caused incident counts for every team whose rollout it
 * is linked to.
 */
export function deliveryFigures(
  input: DeliveryInput & { teams?: readonly string[] },
): DeliveryReport {
  const { window, now } = input;
  if (window.end.getTime() < window.start.getTime()) {
    throw new RangeError("The window ends before it starts.");
  }
  const links = linkIncidents(input.incidents, input.rollouts, input.lookbackMinutes);
  const reverted = revertedLater(input.rollouts, input.rollbacks);
  const linkedRollouts = new Set([...links.values()].flatMap((rs) => rs.map((r) => r.id)));
  const changeIncidents = input.incidents.filter((i) => links.has(i.id));
  const total = figuresOf(window, now, input.rollouts, reverted, linkedRollouts, changeIncidents);
  const teams = (input.teams ?? [...new Set(input.rollouts.map((r) => r.team))].sort()).map(
    (team) => ({
      team,
      figures: figuresOf(
        window,
        now,
        input.rollouts.filter((r) => r.team === team),
        reverted,
        linkedRollouts,
        changeIncidents.filter((i) => links.get(i.id)!.some((r) => r.team === team)),
      ),
    }),
  );
  return { total, teams };
}
