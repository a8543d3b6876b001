import type { IntervalVerdict } from "../rollouts/analysis";

/**
 * "What changed?": the changes that could have caused an incident, most suspicious first.
 *
 * Eligible: a change that was in progress at some moment of the lookback window
 * [detectedAt − lookback, detectedAt] (default 6 h), boundaries included: it started at or
 * before detection and had not ended before the window opened. A change still running at
 * detection is eligible however long ago it started; one started after detection is not.
 * Changes that touch neither an affected model nor an affected region are left out.
 *
 * Score (20–100, one decimal), the sum of these, capped at 100:
 * - overlap, what the change touched against what the incident affects:
 *     same model and region (or the model in every region)  50
 *     same model, another region (or the incident names none) 35
 *     same region only: another model there, every model there, or the whole fleet  20
 * - proximity, up to 30: 30 when still running at detection, otherwise falling linearly with
 *   the time from its end to detection, to 0 at the window's edge;
 * - evidence: a failed canary analysis +20, a marginal one +10; a chaos experiment (faults
 *   injected on purpose) +15. A passed or inconclusive analysis adds nothing but is mentioned.
 * So overlap leads, but a fault injected in the region right now (20+30+15) outranks a rollout of
 * the model that finished hours earlier (50+5).
 *
 * Ties (equal rounded scores): closer overlap first, then the one that ended closer to detection,
 * then the later start, then by id, so the order never depends on the input's order.
 */

export const CHANGE_KINDS = ["rollout", "promotion", "rollback", "config", "chaos"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ChangeCandidate {
  id: string;
  kind: ChangeKind;
  /** the model changed; null when the change touched every model in its region(s) */
  model: string | null;
  /** null when the change touched every region */
  region: string | null;
  startedAt: Date;
  /** null while still in progress; a change made at one instant ends when it starts */
  endedAt: Date | null;
  /** the canary analysis verdict, for rollouts that ran one */
  verdict?: IntervalVerdict | null;
}

/** What the incident affects, and when it was detected. */
export interface IncidentScope {
  detectedAt: Date;
  models: readonly string[];
  regions: readonly string[];
}

export type ChangeOverlap = "model_and_region" | "model" | "region";

export interface RankedChange<C extends ChangeCandidate = ChangeCandidate> {
  change: C;
  score: number;
  overlap: ChangeOverlap;
  activeAtDetection: boolean;
  /** from the change's end to detection; 0 when still running */
  minutesBeforeDetection: number;
  /** why it is suspected, one sentence each: overlap, timing, evidence */
  why: string[];
}

export const DEFAULT_LOOKBACK_MINUTES = 6 * 60;

const OVERLAP_POINTS: Record<ChangeOverlap, number> = {
  model_and_region: 50,
  model: 35,
  region: 20,
};
const PROXIMITY_POINTS = 30;
const VERDICT_POINTS: Partial<Record<IntervalVerdict, number>> = { fail: 20, marginal: 10 };
const CHAOS_POINTS = 15;

const MINUTE = 60_000;

const KIND_WORDS: Record<ChangeKind, string> = {
  rollout: "rollout",
  promotion: "promotion",
  rollback: "rollback",
  config: "config change",
  chaos: "chaos experiment",
};

function duration(minutes: number): string {
  if (minutes < 1) return "less than a minute";
  const m = Math.floor(minutes);
  if (m < 60) return `${m} min`;
  return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function overlapOf(
  change: ChangeCandidate,
  incident: IncidentScope,
): { overlap: ChangeOverlap; why: string } | null {
  const sameModel = change.model !== null && incident.models.includes(change.model);
  const everyRegion = change.region === null;
  const sameRegion = change.region !== null && incident.regions.includes(change.region);
  const regions = incident.regions.join(", ");
  if (sameModel && sameRegion) {
    return {
      overlap: "model_and_region",
      why: `Same model (${change.model}) and region (${change.region}) as the incident.`,
    };
  }
  if (sameModel && everyRegion && incident.regions.length > 0) {
    return {
      overlap: "model_and_region",
      why: `Changed ${change.model} in every region, including ${regions}.`,
    };
  }
  if (sameModel) {
    return {
      overlap: "model",
      why:
        incident.regions.length === 0
          ? `Same model (${change.model}); the incident names no region.`
          : `Same model (${change.model}), in ${change.region ?? "every region"}, not ${regions}.`,
    };
  }
  if (change.model === null && everyRegion) {
    return { overlap: "region", why: "Changed every model in every region." };
  }
  if (change.model === null && sameRegion) {
    return { overlap: "region", why: `Changed every model in ${change.region}.` };
  }
  if (sameRegion) {
    return {
      overlap: "region",
      why: `Another model (${change.model}) in the same region (${change.region}).`,
    };
  }
  return null;
}

/** Scores the eligible changes and returns them most suspicious first. */
export function rankChanges<C extends ChangeCandidate>(
  changes: readonly C[],
  incident: IncidentScope,
  options: { lookbackMinutes?: number } = {},
): RankedChange<C>[] {
  const lookback = options.lookbackMinutes ?? DEFAULT_LOOKBACK_MINUTES;
  if (!(lookback > 0) || !Number.isFinite(lookback)) {
    throw new RangeError(`lookbackMinutes must be a positive number, got ${lookback}`);
  }
  const detected = incident.detectedAt.getTime();
  if (Number.isNaN(detected)) throw new RangeError("detectedAt is not a valid date");
  const windowStart = detected - lookback * MINUTE;

  const ranked: RankedChange<C>[] = [];
  for (const change of changes) {
    const start = change.startedAt.getTime();
    // an end before the start is bad data: treat the change as instantaneous
    const end = change.endedAt === null ? null : Math.max(start, change.endedAt.getTime());
    if (Number.isNaN(start) || (end !== null && Number.isNaN(end))) continue;
    if (start > detected || (end !== null && end < windowStart)) continue;
    const overlap = overlapOf(change, incident);
    if (!overlap) continue;

    const active = end === null || end >= detected;
    const minutesBefore = active ? 0 : (detected - end) / MINUTE;
    const why = [overlap.why];
    const what = KIND_WORDS[change.kind];
    if (active) {
      why.push(
        `The ${what} was still in progress at detection (started ${duration(
          (detected - start) / MINUTE,
        )} before).`,
      );
    } else if (end === start) {
      why.push(`The ${what} was made ${duration(minutesBefore)} before detection.`);
    } else {
      why.push(`The ${what} ended ${duration(minutesBefore)} before detection.`);
    }
    let evidence = 0;
    if (change.verdict) {
      evidence += VERDICT_POINTS[change.verdict] ?? 0;
      why.push(
        change.verdict === "fail" || change.verdict === "pass"
          ? `Its canary analysis ${change.verdict === "fail" ? "failed" : "passed"}.`
          : `Its canary analysis was ${change.verdict}.`,
      );
    }
    if (change.kind === "chaos") {
      evidence += CHAOS_POINTS;
      why.push("A chaos experiment injects faults on purpose.");
    }
    const proximity = active ? PROXIMITY_POINTS : PROXIMITY_POINTS * (1 - minutesBefore / lookback);
    const points = OVERLAP_POINTS[overlap.overlap] + proximity + evidence;
    const score = Math.min(100, Math.round(points * 10) / 10);
    ranked.push({
      change,
      score,
      overlap: overlap.overlap,
      activeAtDetection: active,
      minutesBeforeDetection: minutesBefore,
      why,
    });
  }
  return ranked.sort(
    (a, b) =>
      b.score - a.score ||
      OVERLAP_POINTS[b.overlap] - OVERLAP_POINTS[a.overlap] ||
      a.minutesBeforeDetection - b.minutesBeforeDetection ||
      b.change.startedAt.getTime() - a.change.startedAt.getTime() ||
      (a.change.id < b.change.id ? -1 : a.change.id > b.change.id ? 1 : 0),
  );
}
