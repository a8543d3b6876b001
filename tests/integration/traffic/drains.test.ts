import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock, dayAfterSeedAt } from "../../support/clock";
import { actor } from "../../support/actors";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { fleetPlatform, metricsSource, trafficManager } from "@/server/fleet/platform";
import { forgetChaosEffects } from "@/server/fleet/chaos";
import { commandDrain, getDrain, planRegionDrain, startDrain } from "@/server/traffic/drains";
import { driveDrains } from "@/server/traffic/engine";
import { drainCommandSchema, drainPlanSchema, startDrainSchema } from "@/lib/schemas/traffic";
import type { DrainPhase } from "@/lib/domain/traffic/drain";
import { readServing } from "@/server/traffic/serving";
import { regionsView } from "@/server/traffic/regions";

const prisma = connectTestDatabase();
// The simulated fleet follows the time of day: the plans these tests expect are those of one
// fixed morning (08:00 UTC), whatever day and hour the suite runs.
const time = movableTestClock(dayAfterSeedAt(8));
const meta = { requestId: "drain-test", clientIp: "198.51.100.9" };
const admin = actor("admin");

beforeAll(async () => {
  await resetSimulatorFleet();
});
afterAll(async () => {
  await prisma.chaosExperiment.deleteMany({ where: { reason: { startsWith: "drain test" } } });
  await prisma.$disconnect();
});

async function teamOf(model: string) {
  const m = await prisma.model.findUniqueOrThrow({
    where: { name: model },
    select: { teamId: true, team: { select: { name: true } } },
  });
  return { id: m.teamId, name: m.team.name };
}

/** Runs the drain engine, moving the test clock, until the drain reaches `phase`. */
async function driveUntil(id: string, phase: DrainPhase, seconds = 1800): Promise<void> {
  // (a drain that pauses never gets there: fail with why)
  const deadline = time.now().getTime() + seconds * 1000;
  while (time.now().getTime() <= deadline) {
    await driveDrains();
    const row = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
    if (row.phase === phase) return;
    if (row.paused) throw new Error(`drain paused: ${row.pauseReason}`);
    time.advance(5_000);
  }
  const events = await prisma.regionDrainEvent.findMany({
    where: { drainId: id },
    orderBy: { at: "asc" },
    select: { message: true },
  });
  throw new Error(`drain did not reach ${phase}: ${events.map((e) => e.message).join(" | ")}`);
}

/** Requests per second and request-weighted error rate of a model's production in a region. */
async function regionTraffic(model: string, region: string) {
  const selector = { model, region, environment: "production" } as const;
  const [rates, errors] = await Promise.all([
    metricsSource().instant("request_rate", selector),
    metricsSource().instant("error_rate", selector),
  ]);
  const rps = rates.reduce((s, x) => s + x.value, 0);
  let weighted = 0;
  for (const e of errors) {
    const w = rates.find((r) => r.labels.version === e.labels.version)?.value ?? 0;
    weighted += e.value * w;
  }
  return { rps, errorRate: rps > 0 ? weighted / rps : 0 };
}

async function dialsOf(model: string) {
  const manager = trafficManager();
  if (!manager) throw new Error("no traffic manager");
  const { data } = await manager.dials();
  const d = data.find((x) => x.model === model);
  if (!d) throw new Error(`no dials for ${model}`);
  return d.dials;
}

async function hpaOf(model: string, region: string) {
  const { data: deployments } = await fleetPlatform().deployments({
    model,
    region,
    environment: "production",
  });
  const cluster = deployments[0]?.cluster;
  const { data } = await fleetPlatform().autoscalers();
  const hpa = data.find((h) => h.cluster === cluster && h.target === `${model}-production`);
  if (!hpa) throw new Error(`no autoscaler for ${model} in ${region}`);
  return hpa;
}

/** Deep equality, with numbers equal to a relative 1e-4. */
function expectSame(actual: unknown, expected: unknown, path = "$"): void {
  if (typeof actual === "number" && typeof expected === "number") {
    const scale = Math.max(1, Math.abs(expected));
    expect(Math.abs(actual - expected) / scale, path).toBeLessThan(1e-4);
    return;
  }
  if (actual && expected && typeof actual === "object" && typeof expected === "object") {
    expect(Object.keys(actual).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) {
      expectSame((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
    return;
  }
  expect(actual, path).toEqual(expected);
}

describe("reading one model's serving", () => {
  it("reads only that model's deployments and series, with the same answer as the fleet's read", async () => {
    const fleet = await readServing();
    const instant = vi.spyOn(metricsSource(), "instant");
    const one = await readServing(["ranker-xl"]);
    expect(instant.mock.calls.length).toBeGreaterThan(0);
    for (const [, selector] of instant.mock.calls) expect(selector.model).toBe("ranker-xl");
    instant.mockRestore();
    // The same answer; measured traffic may move in its last digits between the two reads (the
    // simulator's fleet can step on between them), so numbers agree to one part in 10,000.
    expectSame(
      one.models,
      fleet.models.filter((m) => m.model === "ranker-xl"),
    );
    expect(one.models[0]?.regions.length).toBe(2);
  });
});

describe("planning a drain of us-east-1 on the demo fleet", () => {
  it("gives every model serving there a verdict, with what each receiving region must absorb", async () => {
    const view = await planRegionDrain(
      admin,
      drainPlanSchema.parse({ region: "us-east-1", scope: "all", headroom: 20 }),
    );
    expect(view.serving.errors).toEqual([]);
    expect(view.plan.models.length).toBeGreaterThanOrEqual(4);
    const ranker = view.plan.models.find((m) => m.model === "ranker-xl");
    expect(ranker?.verdict).toBe("tight");
    const west = ranker?.receiving.find((r) => r.region === "us-west-2");
    expect(west?.afterRps).toBeGreaterThan(west?.servedRps ?? Infinity);
    expect(west?.suggestedMax).toBeGreaterThan(west?.hpaMax ?? Infinity);
    // Nothing changed: the plan is a read.
    expect(Object.values(await dialsOf("ranker-xl"))).toEqual([100, 100]);
    // The Regions page answers the same at a glance, for every region.
    const regions = await regionsView(admin);
    const east = regions.regions.find((r) => r.region === "us-east-1");
    expect(east?.drainCheck).toEqual({ verdict: view.plan.verdict, counts: view.plan.counts });
    for (const r of regions.regions) {
      const plan = await planRegionDrain(
        admin,
        drainPlanSchema.parse({ region: r.region, scope: "all", headroom: 20 }),
      );
      expect(r.drainCheck?.counts ?? null, r.region).toEqual(
        plan.plan.models.length > 0 ? plan.plan.counts : null,
      );
    }
  });

  it("lifts a tight model's autoscaler limit when the plan raises its maximum as suggested", async () => {
    const q = { region: "us-east-1", scope: "model", name: "ranker-xl", headroom: 20 } as const;
    const before = await planRegionDrain(admin, drainPlanSchema.parse(q));
    const west = before.plan.models[0]?.receiving[0];
    expect(west?.reason).toMatch(/autoscaler stops at/);
    const suggested = west?.suggestedMax;
    expect(suggested).toBeGreaterThan(west?.hpaMax ?? Infinity);
    const after = await planRegionDrain(
      admin,
      drainPlanSchema.parse({ ...q, raise: `ranker-xl/us-west-2=${suggested}` }),
    );
    const raised = after.plan.models[0]?.receiving[0];
    expect(raised?.hpaMaxPlanned).toBe(suggested);
    expect(raised?.reason).not.toMatch(/autoscaler stops at/);
    // The GPUs and the team's quota in us-west-2 give the whole headroom asked: safe. (A raise
    // that the GPUs or the quota stop short leaves it tight on headroom: the domain's tests.)
    expect(west?.reason).not.toMatch(/all the (free GPUs allow|team.s quota allows)/);
    expect(after.plan.models[0]?.verdict).toBe("safe");
  });

  it("refuses a drain by someone of another team, and a viewer's", async () => {
    const input = startDrainSchema.parse({
      region: "us-east-1",
      scope: "model",
      name: "ranker-xl",
      headroom: 20,
      reason: "drain test: refused",
      acknowledge: true,
    });
    await expect(startDrain(actor("viewer"), meta, input)).rejects.toThrow(/cannot drain/);
    const other = await prisma.team.findFirstOrThrow({
      where: { id: { not: (await teamOf("ranker-xl")).id } },
    });
    await expect(startDrain(actor("engineer", other.id), meta, input)).rejects.toThrow(
      /another team/,
    );
    expect(await prisma.regionDrain.count()).toBe(0);
  });

  it("asks to confirm a tight model, and refuses an impossible drain outright", async () => {
    const tight = startDrainSchema.parse({
      region: "us-east-1",
      scope: "model",
      name: "ranker-xl",
      headroom: 20,
      reason: "drain test: tight",
    });
    await expect(startDrain(admin, meta, tight)).rejects.toThrow(/tight.*confirm/);
    // Headroom of 90%: no receiving region can keep it, and a model with one region cannot move.
    const plan = await planRegionDrain(
      admin,
      drainPlanSchema.parse({ region: "us-east-1", scope: "all", headroom: 90 }),
    );
    expect(plan.plan.counts.safe).toBe(0);
    expect(await prisma.regionDrain.count()).toBe(0);
  });
});

describe("draining a region step by step, and undraining it", () => {
  it("raises the autoscaler ahead of traffic, moves the traffic in steps without errors rising, and restores everything", async () => {
    const team = await teamOf("ranker-xl");
    const engineer = actor("engineer", team.id);
    const hpaBefore = await hpaOf("ranker-xl", "us-west-2");
    const plan = await planRegionDrain(
      engineer,
      drainPlanSchema.parse({ region: "us-east-1", scope: "model", name: "ranker-xl" }),
    );
    const raise = plan.plan.models[0]?.receiving[0]?.suggestedMax;
    const westBefore = await regionTraffic("ranker-xl", "us-west-2");
    const eastBefore = await regionTraffic("ranker-xl", "us-east-1");
    expect(eastBefore.rps).toBeGreaterThan(0);

    const input = startDrainSchema.parse({
      region: "us-east-1",
      scope: "model",
      name: "ranker-xl",
      headroom: 20,
      raise: `ranker-xl/us-west-2=${raise}`,
      steps: [50, 100],
      stepSeconds: 60,
      reason: "drain test: maintenance of us-east-1",
    });
    const started = await startDrain(engineer, meta, input);
    // A double-click starts it once.
    const again = await startDrain(engineer, meta, input);
    expect(again).toEqual({ id: started.id, alreadyRunning: true });
    expect(
      await prisma.auditEvent.count({ where: { action: "traffic.drain", targetId: started.id } }),
    ).toBe(1);

    // The first pass raises the receiving autoscaler before any traffic moves.
    await driveDrains();
    const raised = await hpaOf("ranker-xl", "us-west-2");
    expect(raised.max).toBe(raise);
    expect(raised.min).toBeGreaterThan(hpaBefore.min);
    expect((await dialsOf("ranker-xl"))["us-east-1"]).toBe(100);

    // Half the traffic moves once the new replicas are ready, then the rest.
    await driveUntil(started.id, "drained");
    expect(await dialsOf("ranker-xl")).toEqual({ "us-east-1": 0, "us-west-2": 100 });
    const east = await regionTraffic("ranker-xl", "us-east-1");
    const west = await regionTraffic("ranker-xl", "us-west-2");
    expect(east.rps).toBe(0);
    expect(west.rps).toBeGreaterThan(westBefore.rps * 1.5);
    // The receiving region took it without shedding: errors within the analysis tolerance.
    expect(west.errorRate).toBeLessThan(westBefore.errorRate + 0.005);

    const drained = await getDrain(engineer, started.id);
    const kinds = drained?.events.map((e) => e.kind) ?? [];
    expect(kinds).toContain("autoscalers");
    expect(kinds.filter((k) => k === "step")).toHaveLength(2);
    expect(kinds).toContain("drained");

    // Undrain: traffic returns step by step and the autoscalers get their bounds back.
    const undrain = drainCommandSchema.parse({
      drainId: started.id,
      command: "undrain",
      expectedVersion: drained?.version,
    });
    await commandDrain(engineer, meta, undrain);
    // Repeating it (a double-click) changes nothing.
    expect((await commandDrain(engineer, meta, undrain)).changed).toBe(false);
    await driveUntil(started.id, "undrained");
    expect(await dialsOf("ranker-xl")).toEqual({ "us-east-1": 100, "us-west-2": 100 });
    const restored = await hpaOf("ranker-xl", "us-west-2");
    expect({ min: restored.min, max: restored.max }).toEqual({
      min: hpaBefore.min,
      max: hpaBefore.max,
    });
    expect((await regionTraffic("ranker-xl", "us-east-1")).rps).toBeGreaterThan(0);
    expect(
      await prisma.auditEvent.count({ where: { action: "traffic.undrain", targetId: started.id } }),
    ).toBe(1);
  });

  it("drains a team's models out of us-east-1 without errors rising in any receiving region", async () => {
    const team = await teamOf("ranker-xl");
    const engineer = actor("engineer", team.id);
    const query = drainPlanSchema.parse({ region: "us-east-1", scope: "team", name: team.name });
    const first = await planRegionDrain(engineer, query);
    expect(first.plan.models.map((m) => m.model).sort()).toEqual(["query-embedder", "ranker-xl"]);
    // Raise every maximum the plan suggests, as "Raise in plan" does, then plan again.
    const raise = first.plan.models.flatMap((m) =>
      m.receiving
        .filter((r) => r.suggestedMax !== null)
        .map((r) => `${m.model}/${r.region}=${r.suggestedMax}`),
    );
    const plan = await planRegionDrain(
      engineer,
      drainPlanSchema.parse({ ...query, raise: raise.join(",") }),
    );
    // Every autoscaler can take its share; a region may still keep less headroom than asked,
    // as the free GPUs the earlier drains' replicas hold allow (acknowledged below).
    expect(plan.plan.counts.impossible).toBe(0);
    for (const m of plan.plan.models) {
      for (const r of m.receiving)
        expect(r.replicasNeeded).toBeLessThanOrEqual(r.hpaMaxPlanned ?? r.hpaMax ?? Infinity);
    }
    const receiving = plan.plan.models.flatMap((m) =>
      m.receiving.map((r) => ({ model: m.model, region: r.region })),
    );
    const before = new Map(
      await Promise.all(
        receiving.map(
          async (r) => [`${r.model}/${r.region}`, await regionTraffic(r.model, r.region)] as const,
        ),
      ),
    );
    const teamDrain = {
      region: "us-east-1",
      scope: "team",
      name: team.name,
      headroom: 20,
      raise: raise.join(","),
      stepSeconds: 60,
      acknowledge: true,
      reason: "drain test: the team's models out of us-east-1",
    };
    const { id } = await startDrain(engineer, meta, startDrainSchema.parse(teamDrain));
    // A retry naming the team by its slug is the same drain.
    expect(
      await startDrain(engineer, meta, startDrainSchema.parse({ ...teamDrain, name: "ranking" })),
    ).toEqual({ id, alreadyRunning: true });
    await driveUntil(id, "drained");
    for (const r of receiving) {
      const now = await regionTraffic(r.model, r.region);
      const was = before.get(`${r.model}/${r.region}`);
      expect(now.rps, `${r.model} in ${r.region}`).toBeGreaterThan(was?.rps ?? Infinity);
      expect(now.errorRate, `${r.model} in ${r.region}`).toBeLessThan(
        (was?.errorRate ?? 0) + 0.005,
      );
    }
    for (const m of ["ranker-xl", "query-embedder"]) {
      expect((await regionTraffic(m, "us-east-1")).rps).toBe(0);
    }
    const row = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
    await commandDrain(
      engineer,
      meta,
      drainCommandSchema.parse({ drainId: id, command: "undrain", expectedVersion: row.version }),
    );
    await driveUntil(id, "undrained");
  });

  it("pauses on a person's command and refuses a command decided on an old version", async () => {
    const input = startDrainSchema.parse({
      region: "eu-west-1",
      scope: "model",
      name: "speech-asr",
      headroom: 0,
      steps: [25, 100],
      stepSeconds: 60,
      acknowledge: true,
      reason: "drain test: pause",
    });
    const { id } = await startDrain(admin, meta, input);
    const row = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
    await commandDrain(
      admin,
      meta,
      drainCommandSchema.parse({ drainId: id, command: "pause", expectedVersion: row.version }),
    );
    await driveDrains();
    expect((await prisma.regionDrain.findUniqueOrThrow({ where: { id } })).stepIndex).toBe(-1);
    await expect(
      commandDrain(
        admin,
        meta,
        drainCommandSchema.parse({ drainId: id, command: "undrain", expectedVersion: row.version }),
      ),
    ).rejects.toThrow(/changed since you loaded it/);
    const paused = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
    await commandDrain(
      admin,
      meta,
      drainCommandSchema.parse({
        drainId: id,
        command: "undrain",
        expectedVersion: paused.version,
      }),
    );
    await driveUntil(id, "undrained");
    expect(Object.values(await dialsOf("speech-asr")).every((d) => d === 100)).toBe(true);
  });

  it("undraining one region leaves another region's drain of the same model as it is", async () => {
    const drainOf = async (region: string) => {
      const { id } = await startDrain(
        admin,
        meta,
        startDrainSchema.parse({
          region,
          scope: "model",
          name: "toxicity-classifier",
          headroom: 0,
          steps: [100],
          stepSeconds: 60,
          acknowledge: true,
          reason: `drain test: two regions at once (${region})`,
        }),
      );
      await driveUntil(id, "drained");
      return id;
    };
    const asia = await drainOf("ap-southeast-1");
    const europe = await drainOf("eu-west-1");
    expect(await dialsOf("toxicity-classifier")).toMatchObject({
      "ap-southeast-1": 0,
      "eu-west-1": 0,
    });

    const row = await prisma.regionDrain.findUniqueOrThrow({ where: { id: asia } });
    await commandDrain(
      admin,
      meta,
      drainCommandSchema.parse({ drainId: asia, command: "undrain", expectedVersion: row.version }),
    );
    await driveUntil(asia, "undrained");
    // Asia's dial is back; Europe, still drained by its own drain, stays at 0.
    expect(await dialsOf("toxicity-classifier")).toMatchObject({
      "ap-southeast-1": 100,
      "eu-west-1": 0,
    });

    const other = await prisma.regionDrain.findUniqueOrThrow({ where: { id: europe } });
    await commandDrain(
      admin,
      meta,
      drainCommandSchema.parse({
        drainId: europe,
        command: "undrain",
        expectedVersion: other.version,
      }),
    );
    await driveUntil(europe, "undrained");
    expect(Object.values(await dialsOf("toxicity-classifier")).every((d) => d === 100)).toBe(true);
  });

  it("puts a dial back that a step moved without its record, when undrained before any step", async () => {
    const { id } = await startDrain(
      admin,
      meta,
      startDrainSchema.parse({
        region: "us-west-2",
        scope: "model",
        name: "fraud-scorer",
        headroom: 0,
        steps: [50, 100],
        stepSeconds: 60,
        acknowledge: true,
        reason: "drain test: a step that lost its record",
      }),
    );
    await driveDrains(); // raises the autoscalers; no step yet
    // A step's dial write that reached the balancer, while its record lost the race to the
    // person's undrain below: the row still says no step was applied.
    const manager = trafficManager();
    if (!manager) throw new Error("no traffic manager");
    const d = (await manager.dials()).data.find((x) => x.model === "fraud-scorer");
    if (!d) throw new Error("no dials for fraud-scorer");
    await manager.setDials(
      { model: "fraud-scorer", resourceVersion: d.resourceVersion },
      { ...d.dials, "us-west-2": 50 },
    );
    const row = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
    expect(row.stepIndex).toBe(-1);
    await commandDrain(
      admin,
      meta,
      drainCommandSchema.parse({ drainId: id, command: "undrain", expectedVersion: row.version }),
    );
    await driveUntil(id, "undrained");
    expect((await dialsOf("fraud-scorer"))["us-west-2"]).toBe(100);
  });
});

describe("an emergency failover during a region outage", () => {
  it("moves all traffic at once, after the capacity check's warning, and the errors stop", async () => {
    const now = time.now();
    await prisma.chaosExperiment.create({
      data: {
        kind: "region_outage",
        region: "us-east-1",
        magnitude: 1,
        startedAt: now,
        endsAt: new Date(now.getTime() + 3_600_000),
        createdById: "test-admin",
        reason: "drain test: outage",
      },
    });
    forgetChaosEffects();
    const during = await regionTraffic("query-embedder", "us-east-1");
    expect(during.errorRate).toBeGreaterThan(0.9);

    const input = startDrainSchema.parse({
      region: "us-east-1",
      scope: "all",
      headroom: 20,
      kind: "failover",
      reason: "drain test: us-east-1 is down",
    });
    const plan = await planRegionDrain(admin, drainPlanSchema.parse(input));
    expect(plan.plan.verdict).not.toBe("safe");
    // The warning is not skipped: tight or impossible models must be acknowledged.
    await expect(startDrain(admin, meta, input)).rejects.toThrow(/confirm/);
    const { id } = await startDrain(admin, meta, { ...input, acknowledge: true });
    await driveDrains();
    const row = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
    expect(row.stepIndex).toBe(0);
    for (const m of plan.plan.models) {
      expect((await dialsOf(m.model))["us-east-1"]).toBe(0);
    }
    const after = await regionTraffic("query-embedder", "us-east-1");
    expect(after.rps).toBe(0);
    const events = await prisma.regionDrainEvent.findMany({ where: { drainId: id } });
    expect(events.some((e) => e.kind === "step" && /100% moved/.test(e.message))).toBe(true);

    // The outage over, undraining brings the traffic back in steps, not all at once.
    await prisma.chaosExperiment.updateMany({
      where: { reason: "drain test: outage" },
      data: { stoppedAt: time.now() },
    });
    forgetChaosEffects();
    // (Whether its analysis passed or paused it, as the tight regions shed load, it undrains.)
    time.advance(60_000);
    await driveDrains();
    const drained = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
    await commandDrain(
      admin,
      meta,
      drainCommandSchema.parse({
        drainId: id,
        command: "undrain",
        expectedVersion: drained.version,
      }),
    );
    await driveUntil(id, "undrained");
    const back = await prisma.regionDrainEvent.findMany({
      where: { drainId: id, kind: "step" },
      orderBy: { at: "asc" },
      select: { message: true },
    });
    expect(back.map((e) => e.message).filter((m) => /^Undrain: us-east-1 keeps/.test(m))).toEqual([
      "Undrain: us-east-1 keeps 25% of its traffic again.",
      "Undrain: us-east-1 keeps 50% of its traffic again.",
      "Undrain: us-east-1 keeps 75% of its traffic again.",
    ]);
    for (const m of plan.plan.models) {
      expect((await dialsOf(m.model))["us-east-1"]).toBe(100);
    }
  });
});
