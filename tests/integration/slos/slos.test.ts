import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { allowDirectChanges } from "../../support/release-process";
import { SliBuckets } from "../../support/sli-buckets";
import { actor } from "../../support/actors";
import { SEED_NOW } from "../../support/constants";
import { evaluateSlos, trailingCounts, windowCounts } from "@/server/slos/evaluator";
import { getSloDetail, listSlos, sloBurnRates, sloStatusCounts } from "@/server/slos/queries";
import {
  applySloSpecs,
  createSlo,
  deleteSlo,
  getSloDefinition,
  updateSlo,
} from "@/server/slos/definitions";
import { budgetPolicyStates } from "@/server/slos/budget-policy";
import { REVIEW_TTL_MS, reviewCsv, sloReview } from "@/server/slos/review";
import { installClock, ManualClock } from "@/lib/clock";
import { commandRollout } from "@/server/rollouts/command";
import { appliesSettled } from "@/server/rollouts/apply-now";
import { retryRollout } from "@/server/rollouts/retry";
import { startRollout } from "@/server/rollouts/start";
import { errorBudget, windowStart } from "@/lib/domain/slos/budget";
import type { SloSpecInput } from "@/lib/domain/slos/spec";
import { windowMinutes } from "@/lib/domain/slos/alerts";
import { AppError } from "@/server/errors";

const prisma = connectTestDatabase();
const meta = { requestId: "slo-test", clientIp: "198.51.100.9" };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ids = { rankingTeam: "", assistantTeam: "", engineer: "", release: "", admin: "", other: "" };
const engineer = () => ({
  ...actor("engineer", ids.rankingTeam),
  id: ids.engineer,
  email: "eng@slo.test",
});
const release = () => ({
  ...actor("release_manager", ids.rankingTeam),
  id: ids.release,
  email: "rm@slo.test",
});
const admin = () => ({ ...actor("admin"), id: ids.admin, email: "admin@slo.test" });
const otherTeamEngineer = () => ({
  ...actor("engineer", ids.assistantTeam),
  id: ids.other,
  email: "other@slo.test",
});
const viewer = actor("viewer");

beforeAll(async () => {
  await allowDirectChanges(prisma, ["production/us-east-1"]);
  ids.rankingTeam = (await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } })).id;
  ids.assistantTeam = (await prisma.team.findUniqueOrThrow({ where: { slug: "assistant" } })).id;
  for (const [key, email, role, team] of [
    ["engineer", "eng@slo.test", "engineer", ids.rankingTeam],
    ["release", "rm@slo.test", "release_manager", ids.rankingTeam],
    ["admin", "admin@slo.test", "admin", null],
    ["other", "other@slo.test", "engineer", ids.assistantTeam],
  ] as const) {
    const u = await prisma.user.upsert({
      where: { email },
      create: { email, name: key, role, teamId: team },
      update: {},
    });
    ids[key] = u.id;
  }
});
afterAll(async () => {
  // Files share the database: leave no SLO behind that would freeze another file's rollouts
  // or change its counts (deleting an SLO deletes its buckets, snapshot and alerts).
  await prisma.slo.deleteMany({
    where: { OR: [{ name: { startsWith: "alerts-" } }, { name: { startsWith: "defs-" } }] },
  });
  // Page alerts here open incidents (dated in this file's future): they go too.
  await prisma.incident.deleteMany({ where: { source: "slo", title: { contains: "alerts-" } } });
  await evaluateSlos(SEED_NOW);
  await prisma.$disconnect();
});

/** Sums raw hourly buckets: the slow, obvious way the rollup-based query must agree with. */
async function hourSums(sloId: string, from: Date, to: Date) {
  const rows = await prisma.sliBucket.findMany({
    where: { sloId, resolution: "hour", start: { gte: from, lt: to } },
    select: { good: true, total: true, slices: true, goodSlices: true },
  });
  return rows.reduce(
    (a, r) => ({
      good: a.good + Number(r.good),
      total: a.total + Number(r.total),
      slices: a.slices + r.slices,
      goodSlices: a.goodSlices + r.goodSlices,
    }),
    { good: 0, total: 0, slices: 0, goodSlices: 0 },
  );
}

describe("SLO budgets from the rollups", () => {
  it("sums each window from daily and hourly rollups exactly as the hours add up", async () => {
    const slos = await prisma.slo.findMany({
      where: { name: { in: ["ranker-xl-availability", "fraud-scorer-monthly-uptime"] } },
      select: { id: true, name: true },
    });
    expect(slos).toHaveLength(2);
    // Off the hour and off the day, so both edges of the window are partial days.
    const starts = [new Date("2026-10-21T07:00:00Z"), new Date("2026-11-01T00:00:00Z")];
    const sums = await windowCounts(
      slos.map((s, i) => ({ sloId: s.id, start: starts[i]! })),
      SEED_NOW,
    );
    for (const [i, s] of slos.entries()) {
      // Up to the day of the instant asked about (later days, fed by other files, do not count).
      expect(sums.get(s.id)).toEqual(
        await hourSums(s.id, starts[i]!, new Date(SEED_NOW.getTime() + DAY)),
      );
    }
  });

  it("snapshots every seeded SLO with the budget its window's events give", async () => {
    const result = await evaluateSlos(SEED_NOW);
    expect(result?.slos).toBeGreaterThanOrEqual(15);
    const slos = await prisma.slo.findMany({
      where: {
        name: {
          in: [
            "ranker-xl-availability",
            "fraud-scorer-monthly-uptime",
            "assistant-llm-70b-latency",
          ],
        },
      },
      select: {
        id: true,
        name: true,
        objective: true,
        budgetingMethod: true,
        windowKind: true,
        windowDays: true,
        snapshot: true,
      },
    });
    for (const s of slos) {
      const window =
        s.windowKind === "rolling"
          ? ({ kind: "rolling", days: s.windowDays } as const)
          : ({ kind: "calendar", unit: s.windowKind } as const);
      const start = windowStart(window, SEED_NOW);
      expect(s.snapshot?.windowStart).toEqual(start);
      const raw = await hourSums(s.id, start, new Date(SEED_NOW.getTime() + HOUR));
      const counts =
        s.budgetingMethod === "timeslices"
          ? { good: raw.goodSlices, total: raw.slices }
          : { good: raw.good, total: raw.total };
      const budget = errorBudget({
        ...counts,
        objective: s.objective,
        ...(s.budgetingMethod === "timeslices"
          ? { windowUnits: windowMinutes(window, SEED_NOW) }
          : {}),
      });
      if (budget.status === "no_data") throw new Error(`${s.name} has no seeded data`);
      expect(s.snapshot?.attainment).toBeCloseTo(budget.attainment, 12);
      expect(s.snapshot?.remaining).toBeCloseTo(budget.remaining, 9);
      expect(s.snapshot?.budgetAmount).toBeCloseTo(budget.budgetEvents, 6);
    }
    // The calendar-month SLO starts on the first of the month and budgets in minutes.
    const monthly = slos.find((s) => s.name === "fraud-scorer-monthly-uptime");
    expect(monthly?.snapshot?.windowStart.toISOString()).toBe("2026-11-01T00:00:00.000Z");
    // 0.5% of November's 43,200 minutes: 216 minutes of budget, from the first day on.
    expect(monthly?.snapshot?.budgetAmount).toBeCloseTo(216, 6);
  });

  it("reads 'no data' for windows without traffic, never NaN or 100%", async () => {
    const later = new Date(SEED_NOW.getTime() + 400 * DAY);
    await evaluateSlos(later);
    const counts = await sloStatusCounts(viewer);
    const total = await prisma.slo.count();
    expect(counts.no_data).toBe(total);
    const page = await listSlos(viewer, { page: 1 });
    for (const row of page.rows) {
      expect(row.summary).toMatchObject({ status: "no_data", attainment: null, remaining: null });
    }
    await evaluateSlos(SEED_NOW);
  });

  it("filters by status, team and service and groups by team, in the database", async () => {
    const all = await listSlos(viewer, { page: 1 });
    const ranking = await listSlos(viewer, { page: 1, team: "ranking" });
    expect(ranking.total).toBeGreaterThan(0);
    expect(ranking.total).toBeLessThan(all.total);
    expect(ranking.rows.every((r) => r.teamSlug === "ranking")).toBe(true);
    const service = await listSlos(viewer, { page: 1, service: "fraud-scorer" });
    expect(service.rows.map((r) => r.name).sort()).toEqual([
      "fraud-scorer-availability",
      "fraud-scorer-latency",
      "fraud-scorer-monthly-uptime",
    ]);
    const healthy = await listSlos(viewer, { page: 1, status: "healthy" });
    expect(healthy.rows.every((r) => r.summary.status === "healthy")).toBe(true);
    const grouped = await listSlos(viewer, { page: 1, group: "team" });
    const teams = grouped.rows.map((r) => r.teamName);
    expect(teams).toEqual([...teams].sort());
    expect(all.rows[0]?.sparkline).toHaveLength(30);
  });
});

/** Writes minute buckets (and their rollups) with `errorRate` bad events for the given span. */
async function writeTraffic(
  sloId: string,
  from: number,
  to: number,
  perMinute: number,
  errorRate: number,
) {
  const rows: {
    sloId: string;
    resolution: "minute" | "hour" | "day";
    start: Date;
    good: bigint;
    total: bigint;
    slices: number;
    goodSlices: number;
  }[] = [];
  const hours = new Map<number, { good: number; total: number; slices: number }>();
  for (let t = from; t < to; t += MINUTE) {
    const bad = Math.round(perMinute * errorRate);
    rows.push({
      sloId,
      resolution: "minute",
      start: new Date(t),
      good: BigInt(perMinute - bad),
      total: BigInt(perMinute),
      slices: 1,
      goodSlices: bad === 0 ? 1 : 0,
    });
    const h = Math.floor(t / HOUR) * HOUR;
    const acc = hours.get(h) ?? { good: 0, total: 0, slices: 0 };
    acc.good += perMinute - bad;
    acc.total += perMinute;
    acc.slices += 1;
    hours.set(h, acc);
  }
  await prisma.sliBucket.createMany({ data: rows });
  // Hours and days add up across calls, as the feed's rollups do.
  for (const [h, v] of hours) {
    for (const [resolution, start] of [
      ["hour", h],
      ["day", Math.floor(h / DAY) * DAY],
    ] as const) {
      await prisma.$executeRaw`
        INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
        VALUES (${sloId}, ${resolution}::"BucketResolution", ${new Date(start)}, ${v.good}, ${v.total}, ${v.slices}, 0)
        ON CONFLICT ("sloId", resolution, start) DO UPDATE
          SET good = "SliBucket".good + EXCLUDED.good, total = "SliBucket".total + EXCLUDED.total,
              slices = "SliBucket".slices + EXCLUDED.slices`;
    }
  }
}

const spec = (name: string, over: Partial<SloSpecInput> = {}): SloSpecInput => ({
  name,
  description: "test SLO",
  service: "ranker-xl",
  team: "ranking",
  sliKind: "availability",
  objective: 0.999,
  window: { kind: "rolling", days: 30 },
  budgetingMethod: "occurrences",
  ...over,
});

describe("multi-window burn-rate alerts", () => {
  // Far from the seeded history, so only the traffic written here counts.
  const NOW = new Date("2027-06-10T12:00:00Z").getTime();

  it("pages on a fast burn within minutes, and resolves when the short window recovers", async () => {
    await applySloSpecs(engineer(), meta, [spec("alerts-fast-burn")]);
    const slo = await prisma.slo.findUniqueOrThrow({ where: { name: "alerts-fast-burn" } });
    // 3 days of clean traffic, then 10 minutes at 2% errors: 20x the budget rate of 99.9%.
    await writeTraffic(slo.id, NOW - 3 * DAY, NOW - 10 * MINUTE, 1000, 0);
    await writeTraffic(slo.id, NOW - 10 * MINUTE, NOW, 1000, 0.02);
    const trailing = await trailingCounts([slo.id], [5, 60], new Date(NOW));
    expect(trailing.get(slo.id)?.get(5)).toMatchObject({ total: 5000, good: 4900 });
    expect(trailing.get(slo.id)?.get(60)).toMatchObject({ total: 60_000, good: 59_800 });
    // 1 h burn: 200 bad of 60,000 = 0.333% / 0.1% = 3.3x < 14.4: not yet.
    await evaluateSlos(new Date(NOW));
    expect(await prisma.sloAlert.count({ where: { sloId: slo.id } })).toBe(0);
    // 50 more minutes of the same: the 1 h window passes 14.4x, the 5 m window too.
    await writeTraffic(slo.id, NOW, NOW + 50 * MINUTE, 1000, 0.02);
    await evaluateSlos(new Date(NOW + 50 * MINUTE));
    const fired = await prisma.sloAlert.findMany({ where: { sloId: slo.id } });
    expect(fired.map((a) => [a.severity, a.longWindowMinutes, a.resolvedAt])).toEqual([
      ["page", 60, null],
    ]);
    expect(fired[0]?.threshold).toBeCloseTo(14.4, 9);
    // The same figures over any window, as the API reports them: the last hour was all at 2%.
    const rates = await sloBurnRates(
      viewer,
      "alerts-fast-burn",
      [60, 90],
      new Date(NOW + 50 * MINUTE),
    );
    expect(rates.windows[0]).toMatchObject({
      minutes: 60,
      total: 60_000,
      good: 58_800,
      burnRate: 20,
    });
    // 90 minutes: 30 clean, 60 at 2%: 1,200 bad of 90,000 = 1.333% = 13.33x.
    expect(rates.windows[1]?.burnRate).toBeCloseTo(13.333333333, 6);
    expect(fired[0]?.longBurn).toBeGreaterThan(14.4);
    const snapshot = await prisma.sloSnapshot.findUniqueOrThrow({ where: { sloId: slo.id } });
    expect(snapshot).toMatchObject({ firing: "page", status: "at_risk" });
    // Evaluating again (another replica, the next tick) does not open it twice.
    await evaluateSlos(new Date(NOW + 50 * MINUTE));
    expect(await prisma.sloAlert.count({ where: { sloId: slo.id } })).toBe(1);
    // Its notification was written with it, once.
    const events = () =>
      prisma.notificationEvent.findMany({
        where: { subjectKey: `slo:${slo.id}` },
        orderBy: { seq: "asc" },
        select: { type: true, payload: true },
      });
    expect((await events()).map((e) => e.type)).toEqual(["slo.alert_firing"]);
    expect((await events())[0]?.payload).toMatchObject({
      severity: "page",
      team: "Search & Ranking",
    });
    // Ten minutes without any data (the feed stopped) is not a recovery: it stays open.
    await evaluateSlos(new Date(NOW + 60 * MINUTE));
    expect(await prisma.sloAlert.count({ where: { sloId: slo.id, resolvedAt: null } })).toBe(1);
    // Windows end at the last complete minute, wherever in the minute the evaluation runs.
    const midMinute = await trailingCounts([slo.id], [5], new Date(NOW + 50 * MINUTE + 30_000));
    expect(midMinute.get(slo.id)?.get(5)).toMatchObject({ total: 5000, good: 4900 });
    // The bad change is rolled back: six clean minutes clear the 5 m window and resolve it.
    await writeTraffic(slo.id, NOW + 50 * MINUTE, NOW + 56 * MINUTE, 1000, 0);
    await evaluateSlos(new Date(NOW + 56 * MINUTE));
    const resolved = await prisma.sloAlert.findFirstOrThrow({ where: { sloId: slo.id } });
    expect(resolved.resolvedAt?.getTime()).toBe(NOW + 56 * MINUTE);
    expect((await events()).map((e) => e.type)).toEqual(["slo.alert_firing", "slo.alert_resolved"]);
    const detail = await getSloDetail(viewer, "alerts-fast-burn", new Date(NOW + 56 * MINUTE));
    expect(detail?.alerts).toHaveLength(1);
    expect(detail?.burnWindows.map((w) => w.minutes)).toEqual([60, 360, 4320]);
  });

  it("tickets a slow burn and never pages it", async () => {
    await applySloSpecs(engineer(), meta, [spec("alerts-slow-burn")]);
    const slo = await prisma.slo.findUniqueOrThrow({ where: { name: "alerts-slow-burn" } });
    // 0.15% errors for 3 days: 1.5x, above the 3 d ticket threshold (1x), far below 6x and 14.4x.
    await writeTraffic(slo.id, NOW - 3 * DAY, NOW, 1000, 0.0015);
    await evaluateSlos(new Date(NOW));
    const alerts = await prisma.sloAlert.findMany({ where: { sloId: slo.id } });
    expect(alerts.map((a) => [a.severity, a.longWindowMinutes])).toEqual([["ticket", 4320]]);
    expect(alerts[0]?.threshold).toBeCloseTo(1, 9);
  });
});

describe("burn-rate alerts of a 7-day SLO", () => {
  // Far from the seeded history and the other tests' traffic.
  const NOW = new Date("2027-07-20T12:00:00Z").getTime();

  it("never tickets a burn that cannot exhaust the budget, and tickets on the scaled windows", async () => {
    await applySloSpecs(engineer(), meta, [
      spec("alerts-weekly", { window: { kind: "rolling", days: 7 } }),
    ]);
    const slo = await prisma.slo.findUniqueOrThrow({ where: { name: "alerts-weekly" } });
    // 0.05% errors for 3 days: a 0.5× burn, which spends half the budget in 7 days. The
    // Workbook's 3-day ticket unscaled would fire above 0.1 × 7 / 3 = 0.23×.
    await writeTraffic(slo.id, NOW - 3 * DAY, NOW, 1000, 0.0005);
    await evaluateSlos(new Date(NOW));
    expect(await prisma.sloAlert.count({ where: { sloId: slo.id } })).toBe(0);
    expect((await prisma.sloSnapshot.findUniqueOrThrow({ where: { sloId: slo.id } })).firing).toBe(
      null,
    );
    // Then 0.15% (1.5×) for 17 hours: over the 16.8 h window (and the last 84 min) the burn
    // passes 1×, and the ticket fires on the windows it was scaled to.
    await writeTraffic(slo.id, NOW, NOW + 17 * HOUR, 1000, 0.0015);
    await evaluateSlos(new Date(NOW + 17 * HOUR));
    const alerts = await prisma.sloAlert.findMany({ where: { sloId: slo.id } });
    expect(alerts.map((a) => [a.severity, a.longWindowMinutes, a.shortWindowMinutes])).toEqual([
      ["ticket", 1008, 84],
    ]);
    expect(alerts[0]?.threshold).toBe(1);
    const detail = await getSloDetail(viewer, "alerts-weekly", new Date(NOW + 17 * HOUR));
    expect(detail?.burnWindows).toEqual([
      { minutes: 14, thresholds: [{ severity: "page", value: 14.4 }] },
      { minutes: 84, thresholds: [{ severity: "page", value: 6 }] },
      { minutes: 1008, thresholds: [{ severity: "ticket", value: 1 }] },
    ]);
  });

  it("refuses alerts written out that would fire below 0.9×, naming the alert", async () => {
    const ticket = {
      severity: "ticket" as const,
      budgetFraction: 0.1,
      longWindowMinutes: 4320,
      shortWindowMinutes: 360,
    };
    await expect(
      createSlo(
        engineer(),
        meta,
        spec("defs-weekly-slow-ticket", { window: { kind: "rolling", days: 7 }, alerts: [ticket] }),
      ),
    ).rejects.toThrow(/Alert 1 \(ticket: 10% of the budget in 3d\) would fire at 0\.23×/);
    expect(await prisma.slo.count({ where: { name: "defs-weekly-slow-ticket" } })).toBe(0);
    // The README's fast page on 30 days (1.728×) is kept.
    const fast = {
      severity: "page" as const,
      budgetFraction: 0.0002,
      longWindowMinutes: 5,
      shortWindowMinutes: 1,
    };
    expect(
      (await createSlo(release(), meta, spec("defs-fast-page", { alerts: [fast] }))).created,
    ).toBe(true);
    // A 5-minute page on ranker-xl must not page other files' traffic.
    await prisma.slo.delete({ where: { name: "defs-fast-page" } });
  });
});

describe("occurrence budgets of calendar months", () => {
  // The first minutes of September 2027; August (31 days) ran at 1,000 events a minute.
  const SEPTEMBER = new Date("2027-09-01T00:00:00Z").getTime();
  const NOW = new Date(SEPTEMBER + 5 * MINUTE + 30_000);
  const monthly = (name: string) => spec(name, { window: { kind: "calendar", unit: "month" } });

  it("does not read exhausted, nor freeze releases, on a few errors in the first minutes", async () => {
    await applySloSpecs(engineer(), meta, [monthly("alerts-month-start")]);
    const slo = await prisma.slo.findUniqueOrThrow({ where: { name: "alerts-month-start" } });
    const buckets = new SliBuckets(0.99);
    for (let h = SEPTEMBER - 31 * DAY; h < SEPTEMBER; h += HOUR) {
      buckets.hour(new Date(h), { good: 60_000, total: 60_000, slices: 60, goodSlices: 60 });
    }
    // 5 minutes of September at 1% errors: 50 bad of 5,000, ten times the budget of the
    // events so far, too slow for any burn-rate alert (10× over 1 h and 5 min).
    buckets.minutes(new Date(SEPTEMBER), new Date(SEPTEMBER + 5 * MINUTE), 1000, 10);
    await buckets.write(prisma, slo.id);
    await evaluateSlos(NOW);
    const snapshot = await prisma.sloSnapshot.findUniqueOrThrow({ where: { sloId: slo.id } });
    // 5,000 so far + 1,000 a minute for the 43,194.5 minutes left, × 0.1%
    expect(snapshot.budgetAmount).toBeCloseTo((5000 + 1000 * (30 * 1440 - 5.5)) * 0.001, 6);
    expect(snapshot).toMatchObject({ status: "healthy", firing: null, total: 5000n });
    expect(snapshot.consumed).toBeCloseTo(50 / snapshot.budgetAmount!, 9);
    const policy = (await budgetPolicyStates(["ranker-xl"])).get("ranker-xl");
    expect(policy?.exhausted).not.toContain("alerts-month-start");
    // The review of the month in progress budgets it the same way.
    const review = await sloReview(viewer, "2027-09", NOW);
    const row = review.teams
      .flatMap((t) => t.services.flatMap((sv) => sv.rows))
      .find((r) => r.slo === "alerts-month-start");
    expect(row?.consumed).toBeCloseTo(50 / ((5000 + 1000 * (30 * 1440 - 5.5)) * 0.001), 9);
    // The page says why: budgeted on the events the month is expected to hold.
    const detail = await getSloDetail(viewer, "alerts-month-start", NOW);
    expect(detail?.budgetBasis).toEqual({
      soFar: 5000,
      expected: expect.closeTo(5000 + 1000 * (30 * 1440 - 5.5), 3) as number,
    });
  });

  it("falls back on the month's pace without a previous month, and still exhausts on an outage", async () => {
    await applySloSpecs(engineer(), meta, [monthly("alerts-month-new")]);
    const slo = await prisma.slo.findUniqueOrThrow({ where: { name: "alerts-month-new" } });
    await new SliBuckets(0.99)
      .minutes(new Date(SEPTEMBER), new Date(SEPTEMBER + 5 * MINUTE), 1000, 10)
      .write(prisma, slo.id);
    await evaluateSlos(NOW);
    const young = await prisma.sloSnapshot.findUniqueOrThrow({ where: { sloId: slo.id } });
    // 5,000 events in 5.5 minutes, projected over the 43,200 minutes of September
    expect(young.budgetAmount).toBeCloseTo(5000 * ((30 * 1440) / 5.5) * 0.001, 6);
    expect(young.consumed).toBeCloseTo(50 / young.budgetAmount!, 9);
    // Not exhausted, but a 10× burn over all of the data pages: at risk, not frozen.
    expect(young).toMatchObject({ status: "at_risk", firing: "page" });
    // A total outage for the rest of the first day spends more than the month allows.
    await writeTraffic(slo.id, SEPTEMBER + 5 * MINUTE, SEPTEMBER + DAY, 1000, 1);
    await evaluateSlos(new Date(SEPTEMBER + DAY));
    const outage = await prisma.sloSnapshot.findUniqueOrThrow({ where: { sloId: slo.id } });
    expect(outage.status).toBe("exhausted");
    expect((await budgetPolicyStates(["ranker-xl"])).get("ranker-xl")?.exhausted).toContain(
      "alerts-month-new",
    );
    // Leave ranker-xl unfrozen for the tests after this one.
    await prisma.slo.delete({ where: { id: slo.id } });
  });
});

describe("defining SLOs", () => {
  it("creates once under a double submit, audits it, and refuses a different SLO of that name", async () => {
    const input = spec("defs-created", { sliKind: "latency", threshold: 250, objective: 0.99 });
    const [a, b] = await Promise.all([
      createSlo(engineer(), meta, input).catch((e: unknown) => e),
      createSlo(engineer(), meta, input).catch((e: unknown) => e),
    ]);
    const results = [a, b].filter((r): r is { created: boolean } => !(r instanceof Error));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await prisma.slo.count({ where: { name: "defs-created" } })).toBe(1);
    const again = await createSlo(engineer(), meta, input);
    expect(again.created).toBe(false);
    await expect(createSlo(engineer(), meta, { ...input, objective: 0.95 })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const audits = await prisma.auditEvent.count({
      where: { action: "slo.create", actorEmail: "eng@slo.test", outcome: "allowed" },
    });
    expect(audits).toBe(1);
  });

  it("edits with the version the editor saw; a stale edit changes nothing", async () => {
    const def = await getSloDefinition(viewer, "defs-created");
    if (!def) throw new Error("missing");
    const edited = await updateSlo(engineer(), meta, "defs-created", def.version, {
      ...def.spec,
      objective: 0.995,
    });
    expect(edited.version).toBe(def.version + 1);
    await expect(
      updateSlo(release(), meta, "defs-created", def.version, { ...def.spec, objective: 0.9 }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await getSloDefinition(viewer, "defs-created"))?.spec.objective).toBe(0.995);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "slo.update", targetId: def.id },
      orderBy: { at: "desc" },
    });
    expect(audit.before).toMatchObject({ objective: 0.99 });
    expect(audit.after).toMatchObject({ objective: 0.995 });
  });

  it("refuses viewers, other teams and invalid definitions, storing nothing", async () => {
    await expect(createSlo(viewer, meta, spec("defs-viewer"))).rejects.toBeInstanceOf(AppError);
    await expect(
      createSlo(otherTeamEngineer(), meta, spec("defs-other-team")),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(createSlo(engineer(), meta, spec("defs-bad", { objective: 1 }))).rejects.toThrow(
      /below 1/,
    );
    await expect(
      createSlo(engineer(), meta, spec("defs-no-model", { service: "no-such-model" })),
    ).rejects.toThrow(/no model/);
    await expect(
      createSlo(engineer(), meta, spec("defs-latency", { sliKind: "latency" })),
    ).rejects.toThrow(/needs a threshold/);
    expect(
      await prisma.slo.count({
        where: { name: { startsWith: "defs-" }, NOT: { name: "defs-created" } },
      }),
    ).toBe(0);
  });

  it("refuses an SLO on another team's service, whatever owner team it names", async () => {
    await expect(
      createSlo(otherTeamEngineer(), meta, spec("defs-foreign", { team: "assistant" })),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await prisma.slo.count({ where: { name: "defs-foreign" } })).toBe(0);
  });

  it("drops the old history when an edit changes what is measured", async () => {
    await createSlo(engineer(), meta, spec("defs-measure"));
    const def = await getSloDefinition(viewer, "defs-measure");
    if (!def) throw new Error("missing");
    const t0 = new Date("2027-06-01T00:00:00Z").getTime();
    await writeTraffic(def.id, t0, t0 + 10 * MINUTE, 100, 0);
    // Only the objective: the history still measures the same thing.
    const v2 = await updateSlo(engineer(), meta, "defs-measure", def.version, {
      ...def.spec,
      objective: 0.995,
    });
    expect(await prisma.sliBucket.count({ where: { sloId: def.id } })).toBeGreaterThan(0);
    // Availability to latency: the old events counted something else.
    await updateSlo(engineer(), meta, "defs-measure", v2.version, {
      ...v2.spec,
      sliKind: "latency",
      threshold: 300,
    });
    expect(await prisma.sliBucket.count({ where: { sloId: def.id } })).toBe(0);
  });

  it("applies a set of definitions all or nothing, and a second apply changes nothing", async () => {
    const set = [
      spec("defs-apply-a"),
      spec("defs-apply-b", { window: { kind: "calendar", unit: "quarter" } }),
    ];
    expect(await applySloSpecs(engineer(), meta, set)).toEqual({
      created: ["defs-apply-a", "defs-apply-b"],
      updated: [],
      unchanged: [],
    });
    expect(await applySloSpecs(engineer(), meta, set)).toEqual({
      created: [],
      updated: [],
      unchanged: ["defs-apply-a", "defs-apply-b"],
    });
    await expect(
      applySloSpecs(engineer(), meta, [
        spec("defs-apply-c"),
        spec("defs-apply-d", { team: "nope" }),
      ]),
    ).rejects.toThrow(/no team "nope"/);
    expect(await prisma.slo.count({ where: { name: "defs-apply-c" } })).toBe(0);
  });

  it("deletes with the current version only", async () => {
    const def = await getSloDefinition(viewer, "defs-apply-a");
    if (!def) throw new Error("missing");
    await expect(
      deleteSlo(engineer(), meta, "defs-apply-a", def.version + 1),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await deleteSlo(engineer(), meta, "defs-apply-a", def.version)).toEqual({
      deleted: true,
    });
    expect(await deleteSlo(engineer(), meta, "defs-apply-a", def.version)).toEqual({
      deleted: false,
    });
  });
});

describe("error-budget policy on rollouts", () => {
  it("freezes a service whose budget is exhausted, except an admin's fix with a reason", async () => {
    const slo = await prisma.slo.findUniqueOrThrow({ where: { name: "ranker-xl-availability" } });
    const version = await prisma.modelVersion.findFirstOrThrow({
      where: { model: { name: "ranker-xl" } },
      orderBy: { createdAt: "desc" },
      select: { version: true },
    });
    const snapshotBefore = await prisma.sloSnapshot.findUniqueOrThrow({ where: { sloId: slo.id } });
    await prisma.sloSnapshot.update({ where: { sloId: slo.id }, data: { status: "exhausted" } });
    try {
      const state = (await budgetPolicyStates(["ranker-xl"])).get("ranker-xl");
      expect(state?.policy).toBe("enforce");
      expect(state?.exhausted).toContain("ranker-xl-availability");
      const run = (who: ReturnType<typeof release>, fix: boolean, reason = "") =>
        startRollout(who, meta, {
          model: "ranker-xl",
          version: version.version,
          strategy: "canary",
          steps: "weight 10\npause",
          waves: "production/us-east-1",
          saveAsDefault: false,
          fix,
          overrideReason: reason,
        });
      await expect(run(release(), false)).rejects.toThrow(/allows only fixes/);
      await expect(run(release(), true, "hotfix for the 5xx")).rejects.toThrow(/needs an admin/);
      await expect(run(admin(), true, "")).rejects.toThrow(/Give a reason/);
      expect(
        await prisma.rollout.count({ where: { createdById: { in: [ids.release, ids.admin] } } }),
      ).toBe(0);
      const started = await run(admin(), true, "Rolls back the feature flag causing the 5xx");
      await appliesSettled(); // its first step, applied in the background
      const row = await prisma.rollout.findUniqueOrThrow({
        where: { id: started.rollouts[0]!.id },
        select: { budgetOverride: true, id: true, version: true },
      });
      expect(row.budgetOverride).toBe("Rolls back the feature flag causing the 5xx");
      const audit = await prisma.auditEvent.findFirstOrThrow({
        where: { action: "rollout.start", actorEmail: "admin@slo.test" },
      });
      expect(audit.reason).toBe("Rolls back the feature flag causing the 5xx");
      expect(audit.after).toMatchObject({ fix: true, budgetOverride: row.budgetOverride });
      // Leave nothing running for the files after this one.
      await commandRollout(admin(), meta, {
        rolloutId: row.id,
        version: row.version,
        command: "abort",
      });
      // Retrying it is a new rollout, refused the same way while the budget is spent.
      await appliesSettled();
      const aborted = await prisma.rollout.findUniqueOrThrow({ where: { id: row.id } });
      await expect(
        retryRollout(release(), meta, { rolloutId: row.id, version: aborted.version }),
      ).rejects.toThrow(/allows only fixes/);
      // An advisory policy lets changes through.
      await prisma.model.update({
        where: { name: "ranker-xl" },
        data: { budgetPolicy: "advisory" },
      });
      expect((await budgetPolicyStates(["ranker-xl"])).get("ranker-xl")?.policy).toBe("advisory");
    } finally {
      await prisma.model.update({
        where: { name: "ranker-xl" },
        data: { budgetPolicy: "enforce" },
      });
      await prisma.sloSnapshot.update({
        where: { sloId: slo.id },
        data: { status: snapshotBefore.status },
      });
    }
  });
});

describe("leadership review", () => {
  it("is computed once a minute for everyone who opens it, and still refuses anyone signed out", async () => {
    const clock = new ManualClock(SEED_NOW);
    installClock(clock);
    try {
      const [a, b] = await Promise.all([
        sloReview(viewer, "2026-10"),
        sloReview(actor("release_manager"), "2026-10"),
      ]);
      expect(b).toBe(a);
      clock.advance(30_000);
      expect(await sloReview(viewer, "2026-10")).toBe(a);
      await expect(sloReview(null, "2026-10")).rejects.toBeInstanceOf(AppError);
      clock.advance(REVIEW_TTL_MS);
      const later = await sloReview(viewer, "2026-10");
      expect(later).not.toBe(a);
      expect(later.computedAt.getTime()).toBeGreaterThan(a.computedAt.getTime());
      expect(later.totals).toEqual(a.totals);
    } finally {
      installClock(null);
    }
  });

  it("reports a month's attainment, the change, and budget spent during incidents and rollouts", async () => {
    // The month before the seed instant: complete, and inside the seeded history.
    const review = await sloReview(viewer, "2026-10", SEED_NOW);
    expect(review.period).toMatchObject({ key: "2026-10", label: "October 2026" });
    expect(review.previous.key).toBe("2026-09");
    const rows = review.teams.flatMap((t) => t.services.flatMap((s) => s.rows));
    const row = rows.find((r) => r.slo === "ranker-xl-availability");
    if (!row) throw new Error("missing row");
    const slo = await prisma.slo.findUniqueOrThrow({
      where: { name: "ranker-xl-availability" },
      select: { id: true, modelId: true, objective: true },
    });
    const start = new Date("2026-10-01T00:00:00Z");
    const end = new Date("2026-11-01T00:00:00Z");
    const hours = await prisma.sliBucket.findMany({
      where: { sloId: slo.id, resolution: "hour", start: { gte: start, lt: end } },
      select: { start: true, good: true, total: true },
    });
    const good = hours.reduce((a, h) => a + Number(h.good), 0);
    const total = hours.reduce((a, h) => a + Number(h.total), 0);
    expect(row.attainment).toBeCloseTo(good / total, 12);
    expect(row.met).toBe(good / total >= slo.objective);
    // Bad events of the hours an incident of ranker-xl was open, by hand.
    const incidents = await prisma.incident.findMany({
      where: { modelId: slo.modelId },
      select: { detectedAt: true, resolvedAt: true },
    });
    const during = hours.filter((h) =>
      incidents.some(
        (i) =>
          i.detectedAt.getTime() < h.start.getTime() + HOUR &&
          (i.resolvedAt?.getTime() ?? Infinity) > h.start.getTime(),
      ),
    );
    const bad = during.reduce((a, h) => a + Number(h.total - h.good), 0);
    expect(row.consumedByIncidents).toBeCloseTo(bad / (total * (1 - slo.objective)), 9);
    expect(row.consumedByIncidents).toBeGreaterThan(0);
    expect(row.consumedByRollouts).toBeGreaterThan(0);
    expect(review.worst.length).toBeGreaterThan(0);
    expect(review.totals.slos).toBe(rows.length);

    // the per-SLO lines come first; the summary's sections follow, each after a blank line
    const csv = reviewCsv(review).split("\n\n")[0]!.split("\n");
    expect(csv[0]).toBe(
      "period,team,service,slo,objective,attainment,previous_attainment,change_pp,met,budget_consumed,consumed_during_incidents,consumed_during_rollouts,incidents,rollouts",
    );
    expect(csv).toHaveLength(rows.length + 1);
  });

  it("falls back to the last complete month for a malformed period", async () => {
    const review = await sloReview(viewer, "2026-13", SEED_NOW);
    expect(review.period.key).toBe("2026-10");
  });
});
