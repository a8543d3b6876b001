import "server-only";
import { clock } from "@/lib/clock";
import type { Db as Client } from "@/server/db/tx";
import { budgetConsumedDuring, incidentImpactWindow } from "@/lib/domain/incidents/slo-impact";
import type { IncidentLifecycle } from "@/lib/domain/incidents/lifecycle";
import type { SloBudgetShare } from "@/lib/domain/incidents/postmortem";
import {
  rollupRanges,
  sloWindowHolding,
  type BucketRange,
} from "@/lib/domain/incidents/sli-ranges";
import { budgetUnits, periodContaining, previousPeriod } from "@/lib/domain/slos/budget";
import { SLO_DEFINITION_SELECT, sloSpecOf } from "@/server/slos/definitions";
import {
  budgetCounts,
  countsOf,
  ZERO_COUNTS,
  type Counts,
  type CountSums,
} from "@/server/slos/evaluator";
import { MINUTE_RETENTION_HOURS } from "@/server/slos/sli-feed";

/** One linked SLO's error budget spent during an incident; `missing` when it was deleted since. */
export type SloImpact =
  | { slo: string; missing: true }
  | {
      slo: string;
      missing: false;
      budgetingMethod: "occurrences" | "timeslices";
      objective: number;
      /** share of the window's error budget consumed during the incident (0.25 = 25%) */
      share: number;
      /** bad and total events (timeslice budgeting: minutes) during the incident */
      bad: number;
      total: number;
      /** the SLO window holding the incident, whose budget the share is of */
      window: { from: Date; to: Date };
    };

export interface IncidentImpact {
  /** the span charged to the incident: detection until resolved (or now while open) */
  start: Date;
  end: Date;
  /** in the order the incident links them */
  slos: SloImpact[];
  /** the same shares, for the postmortem rules (needsPostmortem and the close gate) */
  shares: SloBudgetShare[];
}

export type ImpactIncident = Pick<
  IncidentLifecycle,
  "status" | "detectedAt" | "resolvedAt" | "closedAt"
> & { linkedSlos: string[] };

interface Segment extends BucketRange {
  key: string;
  sloId: string;
}

/**
 * Sums the SLI buckets of every segment, grouped by key: one statement whatever the number of
 * SLOs, each segment one index range scan of one resolution.
 */
async function sumSegments(client: Client, segments: Segment[]): Promise<Map<string, Counts>> {
  if (segments.length === 0) return new Map();
  const rows = await client.$queryRaw<(CountSums & { key: string })[]>`
    SELECT s.key, sum(b.good)::bigint AS good, sum(b.total)::bigint AS total,
           sum(b.slices)::bigint AS slices, sum(b."goodSlices")::bigint AS "goodSlices"
    FROM unnest(${segments.map((s) => s.key)}::text[], ${segments.map((s) => s.sloId)}::text[],
                ${segments.map((s) => s.resolution)}::text[],
                ${segments.map((s) => s.from.toISOString())}::timestamp[],
                ${segments.map((s) => s.to.toISOString())}::timestamp[])
      AS s(key, "sloId", resolution, "from", "to")
    CROSS JOIN LATERAL (
      SELECT good, total, slices, "goodSlices" FROM "SliBucket"
      WHERE "sloId" = s."sloId" AND resolution = s.resolution::"BucketResolution"
        AND start >= s."from" AND start < s."to"
    ) b
    GROUP BY s.key`;
  return new Map(rows.map((r) => [r.key, countsOf(r)]));
}

/**
 * The error budget each linked SLO consumed during the incident (budgetConsumedDuring): bad
 * events (or bad minutes, for timeslice budgeting) from detection to resolution, over the budget
 * of the SLO window holding the incident. Sums come from the rollups (minutes only at the edges),
 * in one query for all linked SLOs. Pass the transaction client to read inside a transaction.
 */
export async function incidentSloImpact(
  client: Client,
  incident: ImpactIncident,
  now = clock.now(),
): Promise<IncidentImpact> {
  const span = incidentImpactWindow(incident, now);
  const names = [...new Set(incident.linkedSlos)];
  const stored =
    names.length === 0
      ? []
      : await client.slo.findMany({
          where: { name: { in: names } },
          select: SLO_DEFINITION_SELECT,
        });
  const minutesKeptFrom = new Date(now.getTime() - MINUTE_RETENTION_HOURS * 3_600_000);
  const during = rollupRanges(span.start, span.end, minutesKeptFrom);
  const plans = stored.map((row) => {
    const spec = sloSpecOf(row);
    // A calendar period budgeted by events counts the events it is expected to hold, as the SLO
    // page does, so an incident early in a month is not charged against a few days' events.
    const previous =
      spec.window.kind === "calendar" && spec.budgetingMethod === "occurrences"
        ? previousPeriod(periodContaining(spec.window.unit, span.end))
        : null;
    return { id: row.id, spec, window: sloWindowHolding(spec.window, span), previous };
  });
  const sums = await sumSegments(
    client,
    plans.flatMap((p) => [
      ...during.map((r) => ({ ...r, key: `${p.id}/during`, sloId: p.id })),
      ...rollupRanges(p.window.from, p.window.to, minutesKeptFrom).map((r) => ({
        ...r,
        key: `${p.id}/window`,
        sloId: p.id,
      })),
      ...(p.previous
        ? rollupRanges(p.previous.start, p.previous.end, minutesKeptFrom).map((r) => ({
            ...r,
            key: `${p.id}/previous`,
            sloId: p.id,
          }))
        : []),
    ]),
  );
  const byName = new Map(plans.map((p) => [p.spec.name, p]));
  const slos = incident.linkedSlos.map((name): SloImpact => {
    const p = byName.get(name);
    if (!p) return { slo: name, missing: true };
    const method = p.spec.budgetingMethod;
    const counts = budgetCounts(sums.get(`${p.id}/during`) ?? ZERO_COUNTS, method);
    const windowTotal = budgetCounts(sums.get(`${p.id}/window`) ?? ZERO_COUNTS, method).total;
    const windowUnits = budgetUnits({
      method,
      windowMinutes: p.window.minutes,
      total: windowTotal,
      calendar: p.previous && {
        elapsedMinutes:
          (p.window.to.getTime() - periodContaining(p.previous.unit, p.window.to).start.getTime()) /
          60_000,
        previousTotal: budgetCounts(sums.get(`${p.id}/previous`) ?? ZERO_COUNTS, method).total,
        previousMinutes: (p.previous.end.getTime() - p.previous.start.getTime()) / 60_000,
      },
    });
    return {
      slo: name,
      missing: false,
      budgetingMethod: method,
      objective: p.spec.objective,
      share: budgetConsumedDuring({
        during: counts,
        windowTotal,
        ...(windowUnits !== undefined ? { windowUnits } : {}),
        objective: p.spec.objective,
      }),
      bad: counts.total - counts.good,
      total: counts.total,
      window: { from: p.window.from, to: p.window.to },
    };
  });
  const shares = slos.flatMap((s) => (s.missing ? [] : [{ slo: s.slo, share: s.share }]));
  return { start: span.start, end: span.end, slos, shares };
}
