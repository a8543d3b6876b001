// The review's executive summary and DORA figures against a real database: a team of two
// models with rollouts, rollbacks, incidents and SLI history written here, in 2019, years before
// the seeded fleet's history, so every figure of the period is this file's own.
import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { SliBuckets } from "../../support/sli-buckets";
import { actor } from "../../support/actors";
import * as reviewRoute from "@/app/api/v1/slos/review/route";
import { reviewCsv, sloReview, type SloReview } from "@/server/slos/review";
import type { IncidentStatus, Severity } from "@/lib/domain/incidents/lifecycle";
import type { RolloutStatus } from "@/lib/domain/rollouts/state-machine";

const prisma = connectTestDatabase();
const viewer = actor("viewer");
const RUN = Date.now().toString(36);
const TEAM = `Delivery ${RUN}`;
const ALPHA = `dora-alpha-${RUN}`;
const BETA = `dora-beta-${RUN}`;
const MIN = 60_000;
const HOUR = 60 * MIN;
const t = (iso: string) => new Date(`${iso}Z`);
/** After every period looked at: they are complete. */
const NOW = t("2019-12-01T00:00:00");

const ids = { team: "", alpha: "", beta: "", viewer: "", use1: "", euw1: "", stagingUse1: "" };
const versions = new Map<string, string>();

async function version(model: "alpha" | "beta", name: string, registered: string) {
  const v = await prisma.modelVersion.create({
    data: {
      modelId: ids[model],
      version: name,
      imageDigest: `registry.test/${model}@sha256:${RUN}${name}`,
      baseImageDigest: "registry.test/base@sha256:b",
      artifactUri: `s3://test/${model}/${name}`,
      trainingRunId: "run-test",
      datasetDigest: "sha256:c",
      codeCommit: "d".repeat(40),
      evalMetrics: {},
      createdBy: "test",
      createdAt: t(registered),
    },
  });
  versions.set(`${model}@${name}`, v.id);
  return v.id;
}

async function rollout(
  model: "alpha" | "beta",
  to: string,
  env: "use1" | "euw1" | "stagingUse1",
  status: RolloutStatus,
  started: string | null,
  finished: string | null,
  kind: "rollout" | "rollback" = "rollout",
  from: string | null = null,
) {
  await prisma.rollout.create({
    data: {
      modelId: ids[model],
      toVersionId: versions.get(`${model}@${to}`)!,
      fromVersionId: from ? versions.get(`${model}@${from}`)! : null,
      environmentId: ids[env],
      strategy: "canary",
      status,
      kind,
      createdAt: started ? new Date(t(started).getTime() - 5 * MIN) : t("2019-09-30T00:00:00"),
      startedAt: started ? t(started) : null,
      finishedAt: finished ? t(finished) : null,
    },
  });
}

async function incident(
  model: "alpha" | "beta",
  severity: Severity,
  status: IncidentStatus,
  detected: string,
  ackMinutes: number | null,
  resolveMinutes: number | null,
  regions: string[] = ["us-east-1"],
  withModelId = true,
) {
  const at = t(detected).getTime();
  await prisma.incident.create({
    data: {
      title: `Review summary test ${RUN} ${model} ${detected}`,
      severity,
      status,
      summary: "test",
      modelId: withModelId ? ids[model] : null,
      affectedModels: [model === "alpha" ? ALPHA : BETA],
      affectedRegions: regions,
      detectedAt: new Date(at),
      acknowledgedAt: ackMinutes === null ? null : new Date(at + ackMinutes * MIN),
      resolvedAt: resolveMinutes === null ? null : new Date(at + resolveMinutes * MIN),
    },
  });
}

/** Hours of `total` events each, `bad` of them bad, from `from` on. */
function hours(b: SliBuckets, from: string, count: number, total: number, bad: number) {
  for (let i = 0; i < count; i++) {
    const start = new Date(t(from).getTime() + i * HOUR);
    b.hour(start, { good: total - bad, total, slices: 60, goodSlices: bad > 0 ? 59 : 60 });
  }
  return b;
}

beforeAll(async () => {
  const team = await prisma.team.create({ data: { slug: `delivery-${RUN}`, name: TEAM } });
  ids.team = team.id;
  for (const [key, name] of [
    ["alpha", ALPHA],
    ["beta", BETA],
  ] as const) {
    const m = await prisma.model.create({
      data: { name, displayName: name, task: "test", description: "review test", teamId: team.id },
    });
    ids[key] = m.id;
  }
  const env = (name: string) =>
    prisma.environment.findUniqueOrThrow({ where: { name } }).then((e) => e.id);
  ids.use1 = await env("production/us-east-1");
  ids.euw1 = await env("production/eu-west-1");
  ids.stagingUse1 = await env("staging/us-east-1");
  ids.viewer = (
    await prisma.user.create({
      data: { email: `viewer-${RUN}@review.test`, name: "Viewer", role: "viewer" },
    })
  ).id;

  // Versions, by registration.
  await version("alpha", "1.0.0", "2019-05-30T12:00:00");
  await version("alpha", "1.1.0", "2019-06-10T00:00:00");
  await version("alpha", "2.0.0", "2019-07-01T00:00:00");
  await version("alpha", "3.0.0", "2019-07-30T00:00:00");
  await version("beta", "1.0.0", "2019-06-30T00:00:00");
  await version("beta", "2.0.0", "2019-08-10T00:00:00");
  await version("beta", "3.0.0", "2019-08-30T00:00:00");
  await version("beta", "4.0.0", "2019-09-09T12:00:00");

  // Q2 2019: one shipped (lead time 2 days), one aborted.
  await rollout(
    "alpha",
    "1.0.0",
    "use1",
    "completed",
    "2019-06-01T10:00:00",
    "2019-06-01T12:00:00",
  );
  await rollout("alpha", "1.1.0", "use1", "aborted", "2019-06-15T10:00:00", "2019-06-15T10:10:00");

  // Q3 2019.
  // Ends on the quarter's first instant: Q3's (lead time 1 day).
  await rollout("beta", "1.0.0", "use1", "completed", "2019-06-30T22:00:00", "2019-07-01T00:00:00");
  // Lead time 2.5 days; a cancelled incident during it links nothing.
  await rollout(
    "alpha",
    "2.0.0",
    "use1",
    "completed",
    "2019-07-03T10:00:00",
    "2019-07-03T12:00:00",
  );
  // Lead time 4.5 days; rolled back the next day: a failed change.
  await rollout(
    "alpha",
    "2.0.0",
    "euw1",
    "completed",
    "2019-07-05T10:00:00",
    "2019-07-05T12:00:00",
  );
  await rollout(
    "alpha",
    "1.0.0",
    "euw1",
    "completed",
    "2019-07-06T09:00:00",
    "2019-07-06T09:01:00",
    "rollback",
    "2.0.0",
  );
  // Aborted: failed.
  await rollout("alpha", "3.0.0", "use1", "aborted", "2019-08-01T10:00:00", "2019-08-01T10:20:00");
  // Lead time 2 days; an incident 3 hours after it ended: linked, failed.
  await rollout("beta", "2.0.0", "use1", "completed", "2019-08-11T22:00:00", "2019-08-12T00:00:00");
  // Rolled back while running, with an incident during it.
  await rollout(
    "beta",
    "3.0.0",
    "use1",
    "rolled_back",
    "2019-09-01T10:00:00",
    "2019-09-01T10:30:00",
  );
  // Lead time 1 day; the incident 7 hours after it ended is not linked.
  await rollout("beta", "4.0.0", "use1", "completed", "2019-09-10T10:00:00", "2019-09-10T12:00:00");
  // Not counted: staging, and a rollout that never started.
  await rollout(
    "beta",
    "4.0.0",
    "stagingUse1",
    "completed",
    "2019-09-09T20:00:00",
    "2019-09-09T21:00:00",
  );
  await rollout("beta", "4.0.0", "euw1", "aborted", null, "2019-09-12T00:00:00");

  // Incidents: Q2's one, then Q3's four and a cancelled one.
  await incident("alpha", "SEV2", "resolved", "2019-05-10T10:00:00", 4, 60);
  await incident("alpha", "SEV2", "cancelled", "2019-07-03T11:00:00", 1, 2, ["us-east-1"], false);
  await incident("beta", "SEV1", "resolved", "2019-08-12T03:00:00", 10, 120);
  await incident("alpha", "SEV2", "closed", "2019-08-20T10:00:00", 5, 90);
  await incident("beta", "SEV3", "investigating", "2019-09-01T10:10:00", 20, null, []);
  await incident("beta", "SEV4", "resolved", "2019-09-10T19:00:00", 2, 30);

  // SLIs. Alpha, 99%: Q3 holds 100 hours of 1,000 events (a budget of 1,000 bad events): 20 bad
  // in a rollout's hour, 60 in an incident's two, 10 in a quiet one: met, 9% spent.
  const alpha = await prisma.slo.create({
    data: {
      name: `${ALPHA}-availability`,
      teamId: ids.team,
      modelId: ids.alpha,
      description: "test",
      sliKind: "availability",
      objective: 0.99,
      windowKind: "rolling",
      windowDays: 28,
      budgetingMethod: "occurrences",
    },
  });
  const a = new SliBuckets(0.99);
  hours(a, "2019-07-03T10:00:00", 1, 1000, 20);
  hours(a, "2019-08-20T10:00:00", 2, 1000, 30);
  hours(a, "2019-09-20T00:00:00", 1, 1000, 10);
  hours(a, "2019-07-10T00:00:00", 96, 1000, 0);
  // Q2: missed (80%); Q1: met; Q4 2018: no data.
  hours(a, "2019-04-10T00:00:00", 10, 1000, 200);
  hours(a, "2019-01-10T00:00:00", 10, 1000, 0);
  await a.write(prisma, alpha.id);

  // Beta, 99.9%: Q3 holds 10 hours of 1,000 events (a budget of 10): 50 bad in the linked
  // incident's hour, 5 in the hour its rolled-back rollout and an incident shared: missed, 550%
  // spent, all of it during incidents.
  const beta = await prisma.slo.create({
    data: {
      name: `${BETA}-availability`,
      teamId: ids.team,
      modelId: ids.beta,
      description: "test",
      sliKind: "availability",
      objective: 0.999,
      windowKind: "rolling",
      windowDays: 28,
      budgetingMethod: "occurrences",
    },
  });
  const b = new SliBuckets(0.999);
  hours(b, "2019-08-12T03:00:00", 1, 1000, 50);
  hours(b, "2019-09-01T10:00:00", 1, 1000, 5);
  hours(b, "2019-07-15T00:00:00", 8, 1000, 0);
  // Q2: no data; Q1: missed; Q4 2018: met.
  hours(b, "2019-02-10T00:00:00", 10, 1000, 100);
  hours(b, "2018-11-10T00:00:00", 10, 1000, 0);
  await b.write(prisma, beta.id);
});

afterAll(async () => {
  await prisma.$disconnect();
});

const Q3_WEEKS = 92 / 7;

function expectQ3Delivery(f: SloReview["summary"]["delivery"]["current"]) {
  expect(f).toMatchObject({
    deployments: 5,
    changes: 7,
    failed: 4,
    aborted: 1,
    rolledBack: 2,
    linkedToIncident: 2,
  });
  expect(f.deploymentsPerWeek).toBeCloseTo(5 / Q3_WEEKS, 9);
  expect(f.changeFailureRate).toBeCloseTo(4 / 7, 12);
  // 1, 2.5, 4.5, 2 and 1 days
  expect(f.leadTime).toEqual({
    count: 5,
    medianMinutes: 2 * 1440,
    meanMinutes: ((1 + 2.5 + 4.5 + 2 + 1) * 1440) / 5,
  });
  expect(f.timeToRestore).toEqual({
    incidents: 2,
    open: 1,
    count: 1,
    meanMinutes: 120,
    medianMinutes: 120,
  });
}

describe("the review's summary and delivery figures", () => {
  it("computes Q3's DORA figures against Q2's, for the fleet and the team", async () => {
    const review = await sloReview(viewer, "2019-Q3", NOW);
    expect(review.previous.key).toBe("2019-Q2");
    expectQ3Delivery(review.summary.delivery.current);
    const q2 = review.summary.delivery.previous;
    expect(q2).toMatchObject({ deployments: 1, changes: 2, failed: 1, aborted: 1 });
    expect(q2.changeFailureRate).toBe(0.5);
    expect(q2.leadTime.medianMinutes).toBe(2 * 1440);
    expect(q2.timeToRestore.incidents).toBe(0);

    const team = review.deliveryByTeam.find((d) => d.team === TEAM);
    expect(team?.current).toEqual(review.summary.delivery.current);
    expect(team?.previous).toEqual(q2);
    // every team is listed; the seeded ones shipped nothing in 2019
    const seeded = review.deliveryByTeam.find((d) => d.team === "Search & Ranking");
    expect(seeded?.current).toMatchObject({ deployments: 0, changes: 0, changeFailureRate: null });
  });

  it("sums up SLOs, budget by team, the worst offenders' causes and the trend", async () => {
    const { summary } = await sloReview(viewer, "2019-Q3", NOW);
    const total = await prisma.slo.count();
    expect(summary.slos.current).toEqual({ slos: total, met: 1, missed: 1, noData: total - 2 });
    expect(summary.slos.previous).toEqual({ slos: total, met: 0, missed: 1, noData: total - 1 });

    const team = summary.teams.find((x) => x.team === TEAM);
    expect(team).toEqual({
      team: TEAM,
      current: { slos: 2, met: 1, missed: 1, noData: 0 },
      previous: { slos: 2, met: 0, missed: 1, noData: 1 },
      budgetSpent: expect.closeTo((5.5 + 0.09) / 2, 9) as number,
      overBudget: 1,
    });

    expect(summary.worst.map((w) => w.slo)).toEqual([
      `${BETA}-availability`,
      `${ALPHA}-availability`,
    ]);
    const [beta, alpha] = summary.worst;
    expect(beta!.consumed).toBeCloseTo(5.5, 9);
    // the hour with both a rollout and an incident counts for incidents
    expect(beta!.split).toEqual({
      incidents: expect.closeTo(5.5, 9) as number,
      rollouts: 0,
      other: expect.closeTo(0, 9) as number,
    });
    expect(alpha!.consumed).toBeCloseTo(0.09, 9);
    expect(alpha!.split.incidents).toBeCloseTo(0.06, 9);
    expect(alpha!.split.rollouts).toBeCloseTo(0.02, 9);
    expect(alpha!.split.other).toBeCloseTo(0.01, 9);

    expect(summary.trend.periods.map((p) => p.key)).toEqual([
      "2018-Q4",
      "2019-Q1",
      "2019-Q2",
      "2019-Q3",
    ]);
    expect(summary.trend.teams.find((x) => x.team === TEAM)?.points).toEqual([1, 0.5, 0, 0.5]);
  });

  it("counts incidents by severity, with MTTA and MTTR, against the period before", async () => {
    const { summary } = await sloReview(viewer, "2019-Q3", NOW);
    expect(summary.incidents.total).toEqual({ current: 4, previous: 1 });
    expect(summary.incidents.bySeverity).toEqual([
      { severity: "SEV1", current: 1, previous: 0 },
      { severity: "SEV2", current: 1, previous: 1 },
      { severity: "SEV3", current: 1, previous: 0 },
      { severity: "SEV4", current: 1, previous: 0 },
    ]);
    expect(summary.mtta.current).toMatchObject({ count: 4, meanMinutes: (10 + 5 + 20 + 2) / 4 });
    expect(summary.mttr.current).toMatchObject({ count: 3, excluded: 1, meanMinutes: 80 });
    expect(summary.mtta.previous).toMatchObject({ count: 1, meanMinutes: 4 });
    expect(summary.mttr.previous).toMatchObject({ count: 1, meanMinutes: 60 });
  });

  it("serves the summary in the API's JSON and as CSV sections", async () => {
    requestContext.userId = ids.viewer;
    const get = (query: string) =>
      reviewRoute.GET(new NextRequest(`http://localhost:3000/api/v1/slos/review?${query}`), {
        params: Promise.resolve({}),
      });
    const json = (await (await get("period=2019-Q3")).json()) as SloReview;
    expect(json.summary.delivery.current.deployments).toBe(5);
    expect(json.summary.incidents.total).toEqual({ current: 4, previous: 1 });
    expect(json.deliveryByTeam.find((d) => d.team === TEAM)?.current.changes).toBe(7);

    const res = await get("period=2019-Q3&format=csv");
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const sections = (await res.text()).trim().split("\n\n");
    expect(sections.map((s) => s.split("\n")[0]!.split(",")[0])).toEqual([
      "period",
      "section",
      "section",
      "section",
      "section",
      "section",
    ]);
    const lines = sections.flatMap((s) => s.split("\n"));
    expect(lines).toContain("summary,2019-Q3,2019-Q2,all,deployments,5,1");
    expect(lines).toContain("summary,2019-Q3,2019-Q2,all,change_failure_rate,0.5714,0.5");
    expect(lines).toContain("summary,2019-Q3,2019-Q2,all,incidents,4,1");
    expect(lines).toContain("summary,2019-Q3,2019-Q2,SEV1,incidents,1,0");
    expect(lines).toContain("summary,2019-Q3,2019-Q2,all,time_to_restore_mean_minutes,120,");
    expect(lines).toContain(`summary_teams,${TEAM},2,1,1,0,0,1,2.795,1`);
    expect(lines).toContain(`summary_worst,1,${TEAM},${BETA},${BETA}-availability,5.5,5.5,0,0`);
    expect(lines).toContain(`summary_trend,${TEAM},1,0.5,0,0.5`);
    expect(sections[4]!.split("\n")[0]).toBe(
      "section,team,slos_met_share_2018-Q4,slos_met_share_2019-Q1,slos_met_share_2019-Q2,slos_met_share_2019-Q3",
    );
    expect(lines).toContain(
      `delivery_by_team,${TEAM},2019-Q3,5,${Number((5 / Q3_WEEKS).toFixed(3))},2880,3168,7,4,1,2,2,0.5714,2,1,120,120`,
    );
    expect(lines).toContain(
      `delivery_by_team,${TEAM},2019-Q2,1,${Number((1 / (91 / 7)).toFixed(3))},2880,2880,2,1,1,0,0,0.5,0,0,,`,
    );
  });

  it("keeps the per-SLO lines first, as before", async () => {
    const review = await sloReview(viewer, "2019-Q3", NOW);
    const [slos] = reviewCsv(review).split("\n\n");
    const rows = slos!.split("\n");
    expect(rows[0]).toMatch(/^period,team,service,slo,objective,attainment/);
    expect(rows).toHaveLength(review.totals.slos + 1);
  });
});
