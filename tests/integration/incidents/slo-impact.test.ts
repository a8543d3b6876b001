import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { createTestSlo, SliBuckets } from "../../support/sli-buckets";
import { db } from "@/server/db/client";
import { incidentSloImpact, type SloImpact } from "@/server/incidents/slo-impact";
import { budgetConsumedDuring } from "@/lib/domain/incidents/slo-impact";

const prisma = connectTestDatabase();
const RUN = Date.now().toString(36);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Fixed for the whole file; the data sits in the hours before it. */
const NOW = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
const H = Math.floor(NOW.getTime() / HOUR) * HOUR - 6 * HOUR;
const at = (ms: number) => new Date(ms);

const names = {
  occurrences: `impact-occ-${RUN}`,
  timeslices: `impact-ts-${RUN}`,
  old: `impact-old-${RUN}`,
  gone: `impact-gone-${RUN}`,
  month: `impact-month-${RUN}`,
};

/**
 * Hours H to H+3 have a minute of 1,000 events each: from H+0:40 until H+3:16 (the incident, to
 * the minute) 10 of them are bad, before and after only 1. Older traffic has only rollups: an
 * hour 5 days ago (50,000 events) and one 10 days ago (2,000,000) inside the 30-day window, one 40
 * days ago outside it.
 */
function traffic(sliceTarget: number) {
  const older = (total: number) => ({ good: total, total, slices: 60, goodSlices: 60 });
  return new SliBuckets(sliceTarget)
    .minutes(at(H), at(H + 40 * MINUTE), 1_000, 1)
    .minutes(at(H + 40 * MINUTE), at(H + 3 * HOUR + 16 * MINUTE), 1_000, 10)
    .minutes(at(H + 3 * HOUR + 16 * MINUTE), at(H + 4 * HOUR), 1_000, 1)
    .hour(at(H - 5 * DAY), older(50_000))
    .hour(at(H - 10 * DAY), older(2_000_000))
    .hour(at(H - 40 * DAY), older(7_000_000));
}

const incident = {
  status: "resolved" as const,
  detectedAt: at(H + 40 * MINUTE + 30_000),
  resolvedAt: at(H + 3 * HOUR + 15 * MINUTE + 20_000),
  closedAt: null,
  linkedSlos: [names.occurrences, names.gone, names.timeslices],
};

beforeAll(async () => {
  const occ = await createTestSlo(prisma, names.occurrences);
  await traffic(0.995).write(prisma, occ.id);
  const ts = await createTestSlo(prisma, names.timeslices, {
    budgetingMethod: "timeslices",
    timesliceTarget: 0.995,
  });
  await traffic(0.995).write(prisma, ts.id);
});

afterAll(async () => {
  await prisma.slo.deleteMany({ where: { name: { endsWith: RUN, startsWith: "impact-" } } });
  await prisma.$disconnect();
});

function present(impact: SloImpact[], slo: string) {
  const found = impact.find((s) => s.slo === slo);
  if (!found || found.missing) throw new Error(`no impact for ${slo}`);
  return found;
}

describe("incidentSloImpact", () => {
  it("charges the incident's minutes at the edges and whole hours between, over the 30-day budget", async () => {
    const impact = await incidentSloImpact(db(), incident, NOW);
    expect(impact.start).toEqual(incident.detectedAt);
    expect(impact.end).toEqual(incident.resolvedAt);
    // H+0:40 to H+3:16: 20 + 120 + 16 = 156 minutes of 1,000 events, 10 bad in each
    const occ = present(impact.slos, names.occurrences);
    expect(occ).toMatchObject({ budgetingMethod: "occurrences", bad: 1_560, total: 156_000 });
    // the window ending at resolution: H to H+3:16 (196 minutes), the hours 5 and 10 days ago
    const windowTotal = 196_000 + 50_000 + 2_000_000;
    expect(occ.share).toBe(
      budgetConsumedDuring({
        during: { good: 154_440, total: 156_000 },
        windowTotal,
        objective: 0.99,
      }),
    );
    expect(occ.share).toBeCloseTo(1_560 / (windowTotal * 0.01), 9);
    expect(occ.window).toEqual({
      from: at(Math.floor((incident.resolvedAt.getTime() - 30 * DAY) / HOUR) * HOUR),
      to: incident.resolvedAt,
    });
  });

  it("timeslice budgeting: bad minutes over the whole window's minutes × (1 − objective)", async () => {
    const impact = await incidentSloImpact(db(), incident, NOW);
    // every incident minute had 1% bad, under the 99.5% slice target: 156 bad minutes
    const ts = present(impact.slos, names.timeslices);
    expect(ts).toMatchObject({ budgetingMethod: "timeslices", bad: 156, total: 156 });
    expect(ts.share).toBe(
      budgetConsumedDuring({
        during: { good: 0, total: 156 },
        windowTotal: 196 + 60 + 60,
        windowUnits: 30 * 1440,
        objective: 0.99,
      }),
    );
    expect(ts.share).toBeCloseTo(156 / 432, 9);
  });

  it("reports a deleted SLO as missing and keeps the incident's order", async () => {
    const impact = await incidentSloImpact(db(), incident, NOW);
    expect(impact.slos.map((s) => [s.slo, s.missing])).toEqual([
      [names.occurrences, false],
      [names.gone, true],
      [names.timeslices, false],
    ]);
    expect(impact.shares.map((s) => s.slo)).toEqual([names.occurrences, names.timeslices]);
  });

  it("charges an open incident until now", async () => {
    const open = {
      ...incident,
      status: "investigating" as const,
      detectedAt: at(H + 3 * HOUR + 30 * MINUTE),
      resolvedAt: null,
    };
    const impact = await incidentSloImpact(db(), open, NOW);
    expect(impact.end).toEqual(NOW);
    const occ = present(impact.slos, names.occurrences);
    // H+3:30 to H+4:00 had traffic (1 bad in 1,000); nothing since
    expect(occ).toMatchObject({ bad: 30, total: 30_000 });
    const windowTotal = 240_000 + 50_000 + 2_000_000;
    expect(occ.share).toBeCloseTo(30 / (windowTotal * 0.01), 9);
  });

  it("an incident without linked SLOs or traffic consumes nothing", async () => {
    expect(await incidentSloImpact(db(), { ...incident, linkedSlos: [] }, NOW)).toMatchObject({
      slos: [],
      shares: [],
    });
    const quiet = {
      ...incident,
      detectedAt: at(H + 5 * HOUR),
      resolvedAt: at(H + 5 * HOUR + 20 * MINUTE),
    };
    const impact = await incidentSloImpact(db(), quiet, NOW);
    expect(present(impact.slos, names.occurrences)).toMatchObject({ share: 0, bad: 0, total: 0 });
  });

  it("past minute retention, an edge is charged its whole hour from the rollup", async () => {
    const slo = await createTestSlo(prisma, names.old);
    const D = H - 3 * DAY;
    await new SliBuckets(0.995)
      .hour(at(D - HOUR), { good: 60_000, total: 60_000, slices: 60, goodSlices: 60 })
      .hour(at(D), { good: 59_000, total: 60_000, slices: 60, goodSlices: 50 })
      .hour(at(D + HOUR), { good: 59_500, total: 60_000, slices: 60, goodSlices: 55 })
      .hour(at(D + 2 * HOUR), { good: 60_000, total: 60_000, slices: 60, goodSlices: 60 })
      .write(prisma, slo.id);
    const old = {
      ...incident,
      detectedAt: at(D + 40 * MINUTE),
      resolvedAt: at(D + HOUR + 20 * MINUTE),
      linkedSlos: [names.old],
    };
    const impact = await incidentSloImpact(db(), old, NOW);
    expect(present(impact.slos, names.old)).toMatchObject({ bad: 1_500, total: 120_000 });
  });

  it("charges an incident early in a calendar month against the month's expected events", async () => {
    const slo = await createTestSlo(prisma, names.month, { windowKind: "month" });
    const march = Date.UTC(2026, 2, 1);
    const buckets = new SliBuckets(0.995);
    // February: an hour of a million events each day (28 million in all).
    for (let d = 1; d <= 28; d++) {
      buckets.hour(at(Date.UTC(2026, 1, d, 12)), {
        good: 1_000_000,
        total: 1_000_000,
        slices: 60,
        goodSlices: 60,
      });
    }
    // March 1st, 00:00 to 01:00: 1,000 events a minute, 10 of them bad from 00:30 to 00:50.
    buckets
      .minutes(at(march), at(march + 30 * MINUTE), 1_000, 0)
      .minutes(at(march + 30 * MINUTE), at(march + 50 * MINUTE), 1_000, 10)
      .minutes(at(march + 50 * MINUTE), at(march + HOUR), 1_000, 0);
    await buckets.write(prisma, slo.id);
    const early = {
      ...incident,
      detectedAt: at(march + 30 * MINUTE),
      resolvedAt: at(march + 50 * MINUTE),
      linkedSlos: [names.month],
    };
    const impact = await incidentSloImpact(db(), early, at(march + HOUR));
    const month = present(impact.slos, names.month);
    expect(month).toMatchObject({ bad: 200, total: 20_000 });
    // 50,000 events in the first 50 minutes, then 1,000 a minute (faster than February's 694)
    // for the rest of March's 44,640 minutes: the budget is 1% of 44.64 million events.
    expect(month.share).toBeCloseTo(200 / (44_640_000 * 0.01), 9);
    // Counted on the 50,000 events so far, it would have read 40%: a postmortem for 200 errors.
    expect(month.share).toBeLessThan(0.001);
  });
});
