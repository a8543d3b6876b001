import { describe, expect, it } from "vitest";
import {
  advanceFleet,
  initialFleet,
  namespaceUsage,
  poolViews,
  QUANTUM_MS,
  type FleetState,
} from "@/lib/platform/simulator/fleet";
import {
  MemoryFleetStore,
  SimulatorPlatform,
  servingDeploymentsOf,
} from "@/lib/platform/simulator/platform";
import { SimulatorMetrics } from "@/lib/platform/simulator/metrics";
import type { ChaosEffect } from "@/lib/platform/simulator/chaos";
import { smallTopology, T0 } from "../../support/platform/fleet-fixture";
import { fleetContract } from "../../support/platform/fleet-contract";

const HOUR = 3_600_000;
const boot = (seed = 7) => initialFleet(seed, smallTopology(), T0);
const run = (s: FleetState, hours: number, chaos: ChaosEffect[] = [], speed = 1) =>
  advanceFleet(s, s.wallTime + (hours * HOUR) / speed, { speed, chaos });

function invariants(s: FleetState, chaos: ChaosEffect[] = []) {
  for (const v of poolViews(s, chaos)) {
    expect(v.allocatable).toBeGreaterThanOrEqual(0);
    expect(v.allocated).toBeGreaterThanOrEqual(0);
    expect(v.allocated).toBeLessThanOrEqual(v.allocatable);
    expect(v.pool.nodes.length).toBeLessThanOrEqual(v.pool.maxNodes);
    // capacity planning's per-node view adds up to the pool's figures
    const nodes = v.gpuNodes ?? [];
    expect(nodes.map((n) => n.name)).toEqual(v.nodes.map((n) => n.node.name));
    expect(nodes.reduce((t, n) => t + n.allocated, 0)).toBe(v.allocated);
    expect(nodes.reduce((t, n) => t + n.allocatable, 0)).toBe(v.allocatable);
    for (const n of nodes) {
      expect(n.serving + n.training).toBe(n.allocated);
      expect(n.allocated).toBeLessThanOrEqual(n.allocatable);
    }
    const training = s.jobs
      .filter((j) => j.cluster === v.cluster.name && j.pool === v.pool.name && j.nodes.length > 0)
      .reduce((t, j) => t + j.gpus, 0);
    expect(nodes.reduce((t, n) => t + n.training, 0)).toBe(training);
  }
  for (const r of s.rollouts) {
    for (const rs of [r.stable, ...(r.canary ? [r.canary] : [])]) {
      expect(rs.ready).toBeGreaterThanOrEqual(0);
      expect(rs.ready).toBeLessThanOrEqual(rs.scheduled);
      expect(rs.scheduled).toBeLessThanOrEqual(rs.desired);
    }
    expect(r.hpa.current).toBeGreaterThanOrEqual(r.hpa.min);
    expect(r.hpa.current).toBeLessThanOrEqual(r.hpa.max);
  }
  const byPlace = new Map<string, number>();
  for (const d of servingDeploymentsOf(s)) {
    const key = `${d.model}|${d.environment}|${d.cluster}`;
    byPlace.set(key, (byPlace.get(key) ?? 0) + d.trafficWeight);
  }
  for (const total of byPlace.values()) expect(total).toBe(100);
  const used = namespaceUsage(s);
  for (const n of s.namespaces) {
    expect(used.get(`${n.cluster}/${n.name}`) ?? 0).toBeLessThanOrEqual(n.gpuQuota);
  }
  for (const j of s.jobs) {
    expect(j.stepsDone).toBeGreaterThanOrEqual(0);
    expect(j.stepsDone).toBeLessThanOrEqual(j.stepsTotal);
    expect(j.gpuHoursLost).toBeGreaterThanOrEqual(0);
  }
}

describe("simulated fleet", () => {
  it("boots from the inventory with what runs already placed and ready", () => {
    const s = boot();
    expect(s.rollouts).toHaveLength(5);
    for (const r of s.rollouts) expect(r.stable.ready).toBe(r.stable.desired);
    expect(s.jobs.find((j) => j.name === "ranker-train-001")?.nodes.length).toBe(2);
    invariants(s);
  });

  it("is deterministic for a seed, whatever the tick timing", () => {
    const a = run(boot(), 6);
    let b = boot();
    for (let i = 0; i < 6 * 12; i++)
      b = advanceFleet(b, b.wallTime + 5 * 60_000, { speed: 1, chaos: [] });
    expect(b).toEqual(a);
    expect(run(boot(8), 6)).not.toEqual(a);
  });

  it("keeps its invariants over two simulated days", () => {
    let s = boot();
    for (let h = 0; h < 48; h++) {
      s = run(s, 1);
      invariants(s);
    }
  });

  it("scales replicas with the daily load cycle, within the autoscaler's bounds", () => {
    let s = boot();
    const seen = new Set<number>();
    for (let h = 0; h < 24; h++) {
      s = run(s, 1);
      const r = s.rollouts.find(
        (x) => x.name === "fraud-scorer-production" && x.region === "us-east-1",
      );
      seen.add(r?.hpa.current ?? -1);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it("progresses training, writes checkpoints and finishes", () => {
    const s = run(boot(), 24, [], 60);
    const j = s.jobs.find((x) => x.name === "ranker-train-001");
    expect(j?.stepsDone).toBeGreaterThan(10_000);
    expect(j?.checkpoints.at(-1)?.step).toBeGreaterThan(10_000);
    expect(j?.gpuHoursUsed).toBeGreaterThan(100);
    let later = s;
    for (let i = 0; i < 3; i++) later = run(later, 24 * 6, [], 600);
    expect(later.jobs.find((x) => x.name === "ranker-train-001")?.status).toBe("succeeded");
  });

  it("runs faster with a higher speed: an hour of wall time at 60x is 60 simulated hours", () => {
    const s = boot();
    const fast = advanceFleet(s, s.wallTime + HOUR, { speed: 60, chaos: [] });
    expect(fast.simTime - s.simTime).toBeGreaterThan(60 * HOUR - QUANTUM_MS);
    expect(fast.wallTime).toBeLessThanOrEqual(s.wallTime + HOUR);
  });

  it("makes pool views without changing the fleet it reads, even when a fault moves work", () => {
    const s = run(boot(), 0.5);
    // A fault starting now: placing the work again stops replicas and evicts training jobs, in
    // the view's own copy only.
    const chaos: ChaosEffect[] = [
      {
        kind: "node_failure",
        region: "us-east-1",
        magnitude: 1,
        start: s.wallTime,
        end: s.wallTime + HOUR,
      },
    ];
    const before = JSON.stringify(s);
    const views = poolViews(s, chaos);
    expect(JSON.stringify(s)).toBe(before);
    expect(
      views.filter((v) => v.cluster.region === "us-east-1").every((v) => v.allocated === 0),
    ).toBe(true);
    // the same views as from a whole copy of the fleet
    expect(views).toEqual(poolViews(structuredClone(s), chaos));
  });

  it("takes nodes down in a node failure, evicts training and heals when it ends", () => {
    const s0 = boot();
    const chaos: ChaosEffect[] = [
      { kind: "node_failure", region: "us-east-1", magnitude: 1, start: T0, end: T0 + HOUR },
    ];
    const during = run(s0, 0.25, chaos);
    const views = poolViews(during, chaos).filter((v) => v.cluster.region === "us-east-1");
    expect(views.every((v) => v.allocatable === 0)).toBe(true);
    const prod = during.rollouts.find(
      (r) => r.region === "us-east-1" && r.model === "fraud-scorer",
    );
    expect(prod?.stable.ready).toBe(0);
    const job = during.jobs.find((j) => j.name === "ranker-train-001");
    expect(["restarting", "queued"]).toContain(job?.status);
    expect(job?.restarts).toBe(1);
    expect(job?.failureReason).toMatch(/NotReady/);
    expect(job?.gpuHoursLost).toBeGreaterThan(0);
    // eu-west-1 is untouched
    const eu = during.rollouts.find((r) => r.region === "eu-west-1" && r.model === "fraud-scorer");
    expect(eu?.stable.ready).toBe(eu?.stable.desired);
    invariants(during, chaos);

    const after = run(during, 1.5, chaos);
    const healed = after.rollouts.find(
      (r) => r.region === "us-east-1" && r.model === "fraud-scorer",
    );
    expect(healed?.stable.ready).toBe(healed?.stable.desired);
    expect(after.jobs.find((j) => j.name === "ranker-train-001")?.status).toMatch(
      /running|checkpointing/,
    );
  });

  it("loses capacity to GPU failures without taking nodes down", () => {
    const chaos: ChaosEffect[] = [
      { kind: "gpu_failure", region: "eu-west-1", magnitude: 0.5, start: T0, end: T0 + HOUR },
    ];
    const before = poolViews(boot(), []);
    const during = poolViews(run(boot(), 0.1, chaos), chaos);
    const cap = (vs: typeof before) =>
      vs.filter((v) => v.cluster.region === "eu-west-1").reduce((n, v) => n + v.allocatable, 0);
    expect(cap(during)).toBeLessThan(cap(before));
    expect(cap(during)).toBeGreaterThan(0);
    expect(
      during
        .filter((v) => v.cluster.region === "eu-west-1")
        .every((v) => v.nodes.every((n) => n.ready)),
    ).toBe(true);
  });

  it("sheds load as errors when the ready replicas cannot serve it", async () => {
    const chaos: ChaosEffect[] = [
      { kind: "node_failure", region: "us-east-1", magnitude: 1, start: T0, end: T0 + HOUR },
    ];
    const during = run(boot(), 0.25, chaos);
    const metrics = new SimulatorMetrics({
      seed: 7,
      deployments: async () => servingDeploymentsOf(during),
      now: () => during.wallTime,
    });
    const us = await metrics.instant("error_rate", { model: "fraud-scorer", region: "us-east-1" });
    const eu = await metrics.instant("error_rate", { model: "fraud-scorer", region: "eu-west-1" });
    expect(us.find((s) => s.labels.version === "1.4.0")?.value).toBeGreaterThan(0.9);
    expect(eu[0]?.value).toBeLessThan(0.05);
  });

  it("adds nodes for pending replicas and removes idle ones later", () => {
    const s = boot();
    const r = s.rollouts.find((x) => x.region === "us-east-1" && x.model === "fraud-scorer");
    if (!r) throw new Error("fixture");
    r.hpa.min = 30;
    r.hpa.max = 30;
    const nsUse = s.namespaces.find((n) => n.name === "search-serving" && n.cluster === r.cluster);
    if (nsUse) nsUse.gpuQuota = 64;
    const grown = run(s, 0.5);
    const pool = grown.clusters
      .find((c) => c.name === r.cluster)
      ?.pools.find((p) => p.gpuType === "L4");
    expect(pool?.nodes.length).toBeGreaterThan(6);
    expect(pool?.nodes.length).toBeLessThanOrEqual(10);
    invariants(grown);
  });
});

describe("simulated fleet edge cases", () => {
  it("adds no node for work that waits on its namespace quota, not on GPUs", () => {
    const s = boot();
    const r = s.rollouts.find((x) => x.region === "us-east-1" && x.model === "fraud-scorer");
    if (!r) throw new Error("fixture");
    r.hpa.min = 30;
    r.hpa.max = 30; // far beyond the namespace's 16-GPU quota... unless it was raised at boot
    const ns = s.namespaces.find((n) => n.name === r.namespace && n.cluster === r.cluster);
    if (ns) ns.gpuQuota = 8;
    const nodes = () =>
      s.clusters.find((c) => c.name === r.cluster)?.pools.find((p) => p.gpuType === "L4")?.nodes
        .length;
    const before = nodes();
    const later = run(s, 2);
    const pool = later.clusters
      .find((c) => c.name === r.cluster)
      ?.pools.find((p) => p.gpuType === "L4");
    expect(pool?.nodes.length).toBeLessThanOrEqual(before ?? 0);
    expect(
      later.rollouts.find((x) => x.name === r.name && x.cluster === r.cluster)?.stable.scheduled,
    ).toBe(8);
  });

  it("counts a checkpoint only once its write has finished", () => {
    let s = boot();
    const job = () => s.jobs.find((j) => j.name === "ranker-train-001");
    let sawPending = false;
    for (let i = 0; i < 24 * 120 && !sawPending; i++) {
      s = advanceFleet(s, s.wallTime + QUANTUM_MS / 60, { speed: 60, chaos: [] });
      const j = job();
      if (j?.status === "checkpointing") {
        sawPending = true;
        expect(j.pendingCheckpoint).toBeGreaterThan(j.checkpoints.at(-1)?.step ?? 0);
        s = advanceFleet(s, s.wallTime + (2 * 60_000) / 60, { speed: 60, chaos: [] });
        expect(job()?.checkpoints.at(-1)?.step).toBe(j.pendingCheckpoint);
      }
    }
    expect(sawPending).toBe(true);
  });
});

describe("simulator platform", () => {
  const platform = (now = { t: T0 }) =>
    new SimulatorPlatform({ store: new MemoryFleetStore(boot()), now: () => now.t });

  it("reports a degraded cluster with the unhealthy nodes and their reasons", async () => {
    const now = { t: T0 + 10 * 60_000 };
    const p = new SimulatorPlatform({
      store: new MemoryFleetStore(boot()),
      now: () => now.t,
      chaos: async () => [
        { kind: "node_failure", region: "eu-west-1", magnitude: 0.5, start: T0, end: T0 + HOUR },
      ],
    });
    const { data } = await p.clusters();
    const eu = data.find((c) => c.name === "eu-west-1-serve");
    expect(eu?.status).toBe("degraded");
    const unhealthy = eu?.pools.flatMap((x) => x.unhealthyNodes) ?? [];
    expect(unhealthy.length).toBeGreaterThan(0);
    expect(unhealthy[0]?.reason).toMatch(/NotReady/);
    expect(data.find((c) => c.name === "us-east-1-serve")?.status).toBe("healthy");
  });

  it("saves a long catch-up made by a read, so the next read does not repeat it", async () => {
    const now = { t: T0 };
    const store = new MemoryFleetStore(boot());
    const p = new SimulatorPlatform({ store, now: () => now.t });
    now.t += 60_000;
    await p.clusters();
    expect((await store.load()).simTime).toBe(T0); // a short lag is computed, not written
    now.t += 2 * HOUR;
    await p.clusters();
    expect((await store.load()).simTime).toBeGreaterThan(T0 + 2 * HOUR);
  });

  it("resumes a failed training job from its last checkpoint", async () => {
    const now = { t: T0 };
    const p = platform(now);
    const resumed = await p.resumeFromCheckpoint("asr-train-002");
    expect(resumed.status).toBe("queued");
    expect(resumed.stepsDone).toBe(2_500);
    now.t += 5 * 60_000;
    const job = (await p.jobs()).data.find((j) => j.name === "asr-train-002");
    expect(job?.status).toMatch(/running|checkpointing/);
    await expect(p.resumeFromCheckpoint("asr-train-002")).rejects.toThrow(/only a failed job/);
    await expect(p.resumeFromCheckpoint("nope")).rejects.toThrow(/does not exist/);
  });
});

const contractPlatform = new SimulatorPlatform({
  store: new MemoryFleetStore(initialFleet(7, smallTopology(), T0)),
  now: () => T0 + 60_000,
});
fleetContract("simulator (in memory)", {
  platform: () => contractPlatform,
});
