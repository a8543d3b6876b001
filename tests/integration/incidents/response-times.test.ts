import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { actor } from "../../support/actors";
import {
  recentResponseTimes,
  responseTimes,
  reviewResponseTimes,
  type ResponseSeries,
} from "@/server/incidents/response-times";
import { sloReview } from "@/server/slos/review";
import { parsePeriod } from "@/lib/domain/slos/budget";
import type { IncidentStatus, Severity } from "@/lib/domain/incidents/lifecycle";

const prisma = connectTestDatabase();
const viewer = actor("viewer");
const RUN = Date.now().toString(36);
const TITLE = `Response time test ${RUN}`;
const ALPHA = `mt-alpha-${RUN}`;
const BETA = `mt-beta-${RUN}`;
const MIN = 60_000;

// March 2019: years before the seeded history and anything other tests declare, so the range
// holds only the incidents below. Weeks: 2019-W10 from Monday 4 March, 2019-W11 from the 11th.
const W10 = new Date("2019-03-05T10:00:00Z");
const W11 = new Date("2019-03-12T10:00:00Z");
const APRIL = new Date("2019-04-02T10:00:00Z");

const INCIDENTS: [Date, Severity, string | null, number | null, number | null, IncidentStatus][] = [
  [W10, "SEV1", ALPHA, 4, 90, "resolved"],
  [W10, "SEV2", ALPHA, 10, 240, "closed"],
  [W10, "SEV2", BETA, 6, 180, "resolved"],
  [W10, "SEV2", BETA, 20, null, "investigating"],
  [W11, "SEV1", BETA, 2, 60, "resolved"],
  [W11, "SEV3", null, null, null, "triage"],
  // cancelled: left out of every figure
  [W11, "SEV2", ALPHA, 1, 1, "cancelled"],
  [APRIL, "SEV2", ALPHA, 8, 120, "resolved"],
];

beforeAll(async () => {
  const models = new Map<string, string>();
  for (const slug of [ALPHA, BETA]) {
    const team = await prisma.team.create({
      data: { slug, name: slug === ALPHA ? `Alpha ${RUN}` : `Beta ${RUN}` },
    });
    const model = await prisma.model.create({
      data: {
        name: `${slug}-model`,
        displayName: `${slug} model`,
        task: "test",
        description: "response time test",
        teamId: team.id,
      },
    });
    models.set(slug, model.id);
  }
  for (const [n, [at, severity, team, ack, resolve, status]] of INCIDENTS.entries()) {
    const after = (m: number | null) => (m === null ? null : new Date(at.getTime() + m * MIN));
    await prisma.incident.create({
      data: {
        title: `${TITLE} #${n}`,
        severity,
        status,
        summary: "response time test",
        modelId: team ? models.get(team) : null,
        affectedModels: team ? [`${team}-model`] : [],
        affectedRegions: team === BETA ? ["eu-west-1"] : ["us-east-1"],
        detectedAt: at,
        acknowledgedAt: after(ack),
        resolvedAt: after(resolve),
        closedAt: status === "closed" || status === "cancelled" ? after(300) : null,
      },
    });
  }
});

afterAll(async () => {
  await prisma.incident.deleteMany({ where: { title: { startsWith: TITLE } } });
  await prisma.model.deleteMany({ where: { name: { in: [`${ALPHA}-model`, `${BETA}-model`] } } });
  await prisma.team.deleteMany({ where: { slug: { in: [ALPHA, BETA] } } });
  await prisma.$disconnect();
});

const stats = (
  count: number,
  meanMinutes: number | null,
  medianMinutes: number | null,
  excluded = 0,
) => ({ count, meanMinutes, medianMinutes, excluded });

/** Series as [label, mean per period (null: none then), total] for compact assertions. */
const means = (series: ResponseSeries[]) =>
  series.map((s) => [s.label, s.points.map((p) => p?.meanMinutes ?? null), s.total]);

describe("response times", () => {
  const march = {
    unit: "week" as const,
    start: new Date("2019-03-04T00:00:00Z"),
    end: new Date("2019-03-25T00:00:00Z"),
  };

  it("MTTA and MTTR per week by severity, with the empty week in its place", async () => {
    const r = await responseTimes(viewer, march);
    expect(r.periods.map((p) => [p.key, p.label, p.short])).toEqual([
      ["2019-W10", "Week of 4 Mar 2019", "4 Mar"],
      ["2019-W11", "Week of 11 Mar 2019", "11 Mar"],
      ["2019-W12", "Week of 18 Mar 2019", "18 Mar"],
    ]);
    expect(r.incidents).toBe(6);
    expect(r.mtta.total).toEqual(stats(5, 42 / 5, 6, 1));
    expect(means(r.mtta.bySeverity)).toEqual([
      ["SEV1", [4, 2, null], stats(2, 3, 3)],
      ["SEV2", [12, null, null], stats(3, 12, 10)],
      ["SEV3", [null, null, null], stats(0, null, null, 1)],
    ]);
    expect(r.mtta.bySeverity[2]?.points[1]).toEqual(stats(0, null, null, 1));
    expect(r.mttr.total).toEqual(stats(4, 142.5, 135, 2));
    expect(means(r.mttr.bySeverity)).toEqual([
      ["SEV1", [90, 60, null], stats(2, 75, 75)],
      ["SEV2", [210, null, null], stats(2, 210, 210, 1)],
      ["SEV3", [null, null, null], stats(0, null, null, 1)],
    ]);
  });

  it("by team: the team of the first affected model, and incidents of no model last", async () => {
    const r = await responseTimes(viewer, march);
    expect(r.mtta.byTeam.map((s) => s.key)).toEqual([ALPHA, BETA, null]);
    expect(means(r.mtta.byTeam)).toEqual([
      [`Alpha ${RUN}`, [7, null, null], stats(2, 7, 7)],
      [`Beta ${RUN}`, [13, 2, null], stats(3, 28 / 3, 6)],
      ["No team", [null, null, null], stats(0, null, null, 1)],
    ]);
    expect(means(r.mttr.byTeam)).toEqual([
      [`Alpha ${RUN}`, [165, null, null], stats(2, 165, 165)],
      [`Beta ${RUN}`, [180, 60, null], stats(2, 120, 120, 1)],
      ["No team", [null, null, null], stats(0, null, null, 1)],
    ]);
    expect(r.teams).toEqual(
      expect.arrayContaining([
        { slug: ALPHA, name: `Alpha ${RUN}` },
        { slug: "ranking", name: "Search & Ranking" },
      ]),
    );
  });

  it("narrows to a team or a region; an unknown team narrows nothing", async () => {
    const alpha = await responseTimes(viewer, { ...march, team: ALPHA });
    expect(alpha.team).toEqual({ slug: ALPHA, name: `Alpha ${RUN}` });
    expect(alpha.incidents).toBe(2);
    expect(means(alpha.mtta.bySeverity)).toEqual([
      ["SEV1", [4, null, null], stats(1, 4, 4)],
      ["SEV2", [10, null, null], stats(1, 10, 10)],
    ]);
    expect(alpha.mtta.byTeam.map((s) => s.key)).toEqual([ALPHA]);

    const eu = await responseTimes(viewer, { ...march, region: "eu-west-1" });
    expect(eu.region).toBe("eu-west-1");
    expect(eu.mtta.total).toEqual(stats(3, 28 / 3, 6));
    expect(eu.mttr.total).toEqual(stats(2, 120, 120, 1));

    const unknown = await responseTimes(viewer, { ...march, team: `nobody-${RUN}` });
    expect(unknown.team).toBeNull();
    expect(unknown.incidents).toBe(6);
  });

  it("per month", async () => {
    const r = await responseTimes(viewer, {
      unit: "month",
      start: new Date("2019-03-01T00:00:00Z"),
      end: new Date("2019-05-01T00:00:00Z"),
    });
    expect(r.periods.map((p) => [p.key, p.short])).toEqual([
      ["2019-03", "Mar 2019"],
      ["2019-04", "Apr 2019"],
    ]);
    expect(means(r.mtta.bySeverity)).toEqual([
      ["SEV1", [3, null], stats(2, 3, 3)],
      ["SEV2", [12, 8], stats(4, 11, 9)],
      ["SEV3", [null, null], stats(0, null, null, 1)],
    ]);
    expect(r.mttr.byTeam[0]).toMatchObject({
      key: ALPHA,
      total: stats(3, 150, 120),
    });
  });

  it("the incidents page looks back 12 weeks or 6 months from now, the current one included", async () => {
    const now = new Date("2019-03-20T09:00:00Z");
    const weeks = await recentResponseTimes(viewer, { unit: "week", team: BETA }, now);
    expect(weeks.periods).toHaveLength(12);
    expect(weeks.periods[0]?.key).toBe("2019-W01");
    expect(weeks.periods.at(-1)?.key).toBe("2019-W12");
    expect(weeks.start).toEqual(new Date("2018-12-31T00:00:00Z"));
    expect(weeks.mttr.total).toEqual(stats(2, 120, 120, 1));
    const months = await recentResponseTimes(viewer, { unit: "month", team: ALPHA }, now);
    expect(months.periods.map((p) => p.key)).toEqual([
      "2018-10",
      "2018-11",
      "2018-12",
      "2019-01",
      "2019-02",
      "2019-03",
    ]);
    // April's incident is after now's month
    expect(months.mtta.total).toEqual(stats(2, 7, 7));
  });

  it("a review month goes by week, a quarter by month; the review carries them", async () => {
    const month = parsePeriod("2019-03");
    const quarter = parsePeriod("2019-Q1");
    if (!month || !quarter) throw new Error("bad period");
    const byWeek = await reviewResponseTimes(viewer, month);
    expect(byWeek.periods.map((p) => p.key)).toEqual([
      "2019-W09",
      "2019-W10",
      "2019-W11",
      "2019-W12",
      "2019-W13",
    ]);
    expect(byWeek.incidents).toBe(6);
    const byMonth = await reviewResponseTimes(viewer, quarter);
    expect(byMonth.periods.map((p) => p.key)).toEqual(["2019-01", "2019-02", "2019-03"]);
    expect(means(byMonth.mtta.bySeverity)[0]).toEqual(["SEV1", [null, null, 3], stats(2, 3, 3)]);

    const review = await sloReview(viewer, "2019-03");
    expect(review.incidentResponse.mtta.total).toEqual(stats(5, 42 / 5, 6, 1));
  });

  it("is computed once for everyone, and again as soon as an incident changes", async () => {
    const first = await responseTimes(viewer, march);
    expect(await responseTimes(actor("engineer"), march)).toBe(first);
    // Someone acknowledges the open SEV3 (a change increments the incident's version).
    const open = await prisma.incident.findFirstOrThrow({ where: { title: `${TITLE} #5` } });
    const acknowledge = (at: Date | null) =>
      prisma.incident.update({
        where: { id: open.id },
        data: { acknowledgedAt: at, version: { increment: 1 } },
      });
    await acknowledge(new Date(W11.getTime() + 7 * MIN));
    try {
      const after = await responseTimes(viewer, march);
      expect(after).not.toBe(first);
      expect(after.mtta.total.count).toBe(first.mtta.total.count + 1);
    } finally {
      await acknowledge(null);
    }
    expect((await responseTimes(viewer, march)).mtta.total).toEqual(first.mtta.total);
  });

  it("needs a role to read", async () => {
    await expect(responseTimes(null, march)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(responseTimes(actor(null), march)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
