import { describe, expect, it } from "vitest";
import {
  deliveryFigures,
  durationSummary,
  linkIncidents,
  type DeliveryIncident,
  type DeliveryRollback,
  type DeliveryRollout,
} from "@/lib/domain/rollouts/delivery";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2027, 6, 1); // 1 July 2027, a Thursday
const at = (ms: number) => new Date(T0 + ms);
/** July 2027: 31 days */
const JULY = { start: at(0), end: at(31 * DAY) };
const AFTER = at(40 * DAY);

let seq = 0;
function rollout(p: Partial<DeliveryRollout> = {}): DeliveryRollout {
  seq += 1;
  return {
    id: `r${seq}`,
    team: "search",
    model: "ranker",
    region: "us-east-1",
    environmentId: "prod-use1",
    status: "completed",
    startedAt: at(DAY),
    finishedAt: at(DAY + HOUR),
    registeredAt: at(0),
    toVersionId: `v${seq}`,
    ...p,
  };
}

function incident(p: Partial<DeliveryIncident> = {}): DeliveryIncident {
  seq += 1;
  return {
    id: `i${seq}`,
    status: "resolved",
    detectedAt: at(DAY + 2 * HOUR),
    resolvedAt: at(DAY + 3 * HOUR),
    models: ["ranker"],
    regions: ["us-east-1"],
    ...p,
  };
}

const figures = (
  rollouts: DeliveryRollout[],
  incidents: DeliveryIncident[] = [],
  rollbacks: DeliveryRollback[] = [],
  window = JULY,
  now = AFTER,
) => deliveryFigures({ rollouts, incidents, rollbacks, window, now }).total;

describe("durationSummary", () => {
  it("has no mean or median without durations", () => {
    expect(durationSummary([])).toEqual({ count: 0, meanMinutes: null, medianMinutes: null });
  });

  it("takes the middle value of an odd count and the mean of the middle two of an even one", () => {
    expect(durationSummary([30, 10, 20])).toEqual({ count: 3, meanMinutes: 20, medianMinutes: 20 });
    expect(durationSummary([40, 10, 20, 100])).toEqual({
      count: 4,
      meanMinutes: 42.5,
      medianMinutes: 30,
    });
  });
});

describe("deliveryFigures", () => {
  it("reports zeros and no rates for a period without rollouts", () => {
    const f = figures([]);
    expect(f).toEqual({
      deployments: 0,
      deploymentsPerWeek: 0,
      leadTime: { count: 0, meanMinutes: null, medianMinutes: null },
      changes: 0,
      failed: 0,
      aborted: 0,
      rolledBack: 0,
      linkedToIncident: 0,
      changeFailureRate: null,
      timeToRestore: { count: 0, meanMinutes: null, medianMinutes: null, incidents: 0, open: 0 },
    });
  });

  it("counts completed rollouts per week of the period, and lead time from registration", () => {
    const f = figures([
      rollout({ registeredAt: at(0), finishedAt: at(2 * HOUR) }),
      rollout({ registeredAt: at(0), finishedAt: at(DAY) }),
      rollout({ registeredAt: at(DAY), finishedAt: at(4 * DAY) }),
    ]);
    expect(f.deployments).toBe(3);
    expect(f.deploymentsPerWeek).toBeCloseTo(3 / (31 / 7), 12);
    expect(f.leadTime).toEqual({
      count: 3,
      meanMinutes: (120 + 1440 + 3 * 1440) / 3,
      medianMinutes: 1440,
    });
    expect(f).toMatchObject({ changes: 3, failed: 0, changeFailureRate: 0 });
  });

  it("places a rollout by when it ended: the period's first instant in, its end out", () => {
    const f = figures([
      rollout({ startedAt: at(-HOUR), finishedAt: at(0) }),
      rollout({ startedAt: at(31 * DAY - HOUR), finishedAt: at(31 * DAY) }),
      rollout({ startedAt: at(-2 * HOUR), finishedAt: at(-1) }),
      rollout({ startedAt: at(31 * DAY - HOUR), finishedAt: at(31 * DAY - 1) }),
    ]);
    expect(f.deployments).toBe(2);
  });

  it("leaves out rollouts still running, never started, or without an end", () => {
    const f = figures([
      rollout({ status: "progressing", finishedAt: null }),
      rollout({ status: "paused", finishedAt: null }),
      rollout({ status: "aborted", startedAt: null, finishedAt: at(DAY) }),
    ]);
    expect(f).toMatchObject({ deployments: 0, changes: 0, changeFailureRate: null });
  });

  it("measures only the elapsed part of a period in progress, and has no rate before it starts", () => {
    const rollouts = [rollout({ finishedAt: at(HOUR) }), rollout({ finishedAt: at(2 * HOUR) })];
    // 14 days into July: 2 rollouts in 2 weeks
    expect(figures(rollouts, [], [], JULY, at(14 * DAY)).deploymentsPerWeek).toBeCloseTo(1, 12);
    expect(figures([], [], [], JULY, at(0)).deploymentsPerWeek).toBeNull();
    expect(figures([], [], [], JULY, at(-DAY)).deploymentsPerWeek).toBeNull();
  });

  it("ignores a lead time that would be negative (a version registered after its rollout)", () => {
    const f = figures([
      rollout({ registeredAt: at(2 * DAY), finishedAt: at(DAY) }),
      rollout({ registeredAt: at(0), finishedAt: at(HOUR) }),
    ]);
    expect(f.deployments).toBe(2);
    expect(f.leadTime).toEqual({ count: 1, meanMinutes: 60, medianMinutes: 60 });
  });

  it("counts aborted and rolled-back rollouts as failed changes, but not as deployments", () => {
    const f = figures([
      rollout(),
      rollout(),
      rollout({ status: "aborted" }),
      rollout({ status: "rolled_back" }),
    ]);
    expect(f).toMatchObject({
      deployments: 2,
      changes: 4,
      failed: 2,
      aborted: 1,
      rolledBack: 1,
      linkedToIncident: 0,
      changeFailureRate: 0.5,
    });
  });

  it("counts a completed rollout that a later rollback took out of its environment", () => {
    const done = rollout({ finishedAt: at(DAY) });
    const elsewhere = rollout({ finishedAt: at(DAY), environmentId: "prod-euw1" });
    const earlier = rollout({ finishedAt: at(3 * DAY) });
    const f = figures(
      [done, elsewhere, earlier],
      [],
      [
        // after it ended, from its version, in its environment: reverted (even in a later period)
        {
          model: "ranker",
          environmentId: "prod-use1",
          fromVersionId: done.toVersionId,
          createdAt: at(35 * DAY),
        },
        // its version rolled back in another environment: `elsewhere` stays
        {
          model: "ranker",
          environmentId: "prod-use1",
          fromVersionId: elsewhere.toVersionId,
          createdAt: at(2 * DAY),
        },
        // before `earlier` ended: not a revert of it
        {
          model: "ranker",
          environmentId: "prod-use1",
          fromVersionId: earlier.toVersionId,
          createdAt: at(2 * DAY),
        },
        // no version recorded
        {
          model: "ranker",
          environmentId: "prod-use1",
          fromVersionId: null,
          createdAt: at(5 * DAY),
        },
      ],
    );
    expect(f).toMatchObject({ deployments: 3, changes: 3, rolledBack: 1, failed: 1 });
    expect(f.changeFailureRate).toBeCloseTo(1 / 3, 12);
  });

  it("counts a rollback at the very instant the rollout ended", () => {
    const r = rollout({ finishedAt: at(DAY) });
    const f = figures(
      [r],
      [],
      [
        {
          model: "ranker",
          environmentId: r.environmentId,
          fromVersionId: r.toVersionId,
          createdAt: at(DAY),
        },
      ],
    );
    expect(f.rolledBack).toBe(1);
  });

  it("counts a change linked to an incident once, however many reasons it failed for", () => {
    const rolledBack = rollout({
      status: "rolled_back",
      startedAt: at(DAY),
      finishedAt: at(DAY + HOUR),
    });
    const linked = rollout({ startedAt: at(5 * DAY), finishedAt: at(5 * DAY + HOUR) });
    const f = figures(
      [rolledBack, linked, rollout({ startedAt: at(9 * DAY), finishedAt: at(9 * DAY + HOUR) })],
      [
        incident({ detectedAt: at(DAY + 30 * MINUTE), resolvedAt: at(DAY + 90 * MINUTE) }),
        incident({ detectedAt: at(5 * DAY + 3 * HOUR), resolvedAt: null, status: "investigating" }),
      ],
    );
    expect(f).toMatchObject({
      changes: 3,
      failed: 2,
      rolledBack: 1,
      linkedToIncident: 2,
      deployments: 2,
    });
    expect(f.changeFailureRate).toBeCloseTo(2 / 3, 12);
    // both incidents were caused by a change; one is still open
    expect(f.timeToRestore).toEqual({
      count: 1,
      meanMinutes: 60,
      medianMinutes: 60,
      incidents: 2,
      open: 1,
    });
  });

  it("measures time to restore over the period's change-caused incidents only", () => {
    const r = rollout({ startedAt: at(-2 * HOUR), finishedAt: at(-HOUR) });
    const f = figures(
      [r],
      [
        // detected in July, caused by a rollout of June: counts for July's time to restore
        incident({ detectedAt: at(HOUR), resolvedAt: at(HOUR + 45 * MINUTE) }),
        // another model: not change-caused
        incident({ detectedAt: at(HOUR), resolvedAt: at(5 * HOUR), models: ["fraud"] }),
        // cancelled: never counts
        incident({ detectedAt: at(2 * HOUR), resolvedAt: at(9 * HOUR), status: "cancelled" }),
      ],
    );
    expect(f.changes).toBe(0);
    expect(f.timeToRestore).toEqual({
      count: 1,
      meanMinutes: 45,
      medianMinutes: 45,
      incidents: 1,
      open: 0,
    });
  });

  it("rejects a window that ends before it starts", () => {
    expect(() =>
      deliveryFigures({
        rollouts: [],
        rollbacks: [],
        incidents: [],
        window: { start: at(DAY), end: at(0) },
        now: AFTER,
      }),
    ).toThrow(RangeError);
  });

  it("reports every team asked for, zeros for one without rollouts, and shares incidents", () => {
    const search = rollout({ team: "search", model: "ranker" });
    const fraud = rollout({ team: "fraud", model: "scorer", status: "aborted" });
    const report = deliveryFigures({
      rollouts: [search, fraud],
      rollbacks: [],
      incidents: [
        incident({
          models: ["ranker", "scorer"],
          detectedAt: at(DAY + HOUR),
          resolvedAt: at(DAY + 2 * HOUR),
        }),
      ],
      window: JULY,
      now: AFTER,
      teams: ["fraud", "quiet", "search"],
    });
    expect(report.teams.map((t) => t.team)).toEqual(["fraud", "quiet", "search"]);
    const [fraudF, quiet, searchF] = report.teams.map((t) => t.figures);
    expect(searchF).toMatchObject({ deployments: 1, changes: 1, failed: 1, linkedToIncident: 1 });
    expect(fraudF).toMatchObject({ deployments: 0, changes: 1, failed: 1, aborted: 1 });
    expect(quiet).toMatchObject({ deployments: 0, changes: 0, changeFailureRate: null });
    expect(quiet!.timeToRestore.incidents).toBe(0);
    // one incident caused by both teams' changes: it counts for each, and once in the total
    expect(searchF!.timeToRestore.incidents).toBe(1);
    expect(fraudF!.timeToRestore.incidents).toBe(1);
    expect(report.total.timeToRestore.incidents).toBe(1);
    expect(report.total).toMatchObject({ changes: 2, failed: 2, changeFailureRate: 1 });
  });

  it("lists the teams of the rollouts, by name, when none are asked for", () => {
    const report = deliveryFigures({
      rollouts: [rollout({ team: "b" }), rollout({ team: "a" }), rollout({ team: "b" })],
      rollbacks: [],
      incidents: [],
      window: JULY,
      now: AFTER,
    });
    expect(report.teams.map((t) => [t.team, t.figures.deployments])).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
  });
});

describe("linkIncidents", () => {
  const ids = (m: Map<string, DeliveryRollout[]>, id: string) => m.get(id)?.map((r) => r.id) ?? [];

  it("links a rollout in progress at detection, or ended up to 6 hours before it", () => {
    const running = rollout({ startedAt: at(0), finishedAt: null, status: "progressing" });
    const edge = rollout({ startedAt: at(0), finishedAt: at(10 * HOUR - 6 * HOUR) });
    const tooOld = rollout({ startedAt: at(0), finishedAt: at(10 * HOUR - 6 * HOUR - 1) });
    const later = rollout({ startedAt: at(10 * HOUR + 1), finishedAt: at(11 * HOUR) });
    const atDetection = rollout({ startedAt: at(10 * HOUR), finishedAt: at(11 * HOUR) });
    const i = incident({ detectedAt: at(10 * HOUR) });
    const links = linkIncidents([i], [running, edge, tooOld, later, atDetection]);
    expect(ids(links, i.id).sort()).toEqual([running.id, edge.id, atDetection.id].sort());
  });

  it("takes the lookback it is given", () => {
    const r = rollout({ startedAt: at(0), finishedAt: at(HOUR) });
    const i = incident({ detectedAt: at(3 * HOUR) });
    expect(linkIncidents([i], [r], 60).size).toBe(0);
    expect(ids(linkIncidents([i], [r], 120), i.id)).toEqual([r.id]);
  });

  it("needs the incident's model, and one of its regions when it names any", () => {
    const here = rollout({ region: "us-east-1" });
    const there = rollout({ region: "eu-west-1" });
    const other = rollout({ model: "scorer", region: "us-east-1" });
    const named = incident({ regions: ["us-east-1"] });
    const anywhere = incident({ regions: [] });
    const links = linkIncidents([named, anywhere], [here, there, other]);
    expect(ids(links, named.id)).toEqual([here.id]);
    expect(ids(links, anywhere.id).sort()).toEqual([here.id, there.id].sort());
  });

  it("links nothing to a cancelled incident, one naming no model, or a rollout never started", () => {
    const r = rollout();
    const unstarted = rollout({ startedAt: null, finishedAt: null, status: "pending" });
    const links = linkIncidents(
      [incident({ status: "cancelled" }), incident({ models: [] })],
      [r, unstarted],
    );
    expect(links.size).toBe(0);
    expect(linkIncidents([incident({ detectedAt: at(DAY) })], [unstarted]).size).toBe(0);
  });
});
