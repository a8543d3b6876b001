// The simulator's training reliability data: each interruption recorded with its cause and
// where the job stood, checkpoint write durations per job, bounded lists, all deterministic.
import { describe, expect, it } from "vitest";
import { advanceFleet, initialFleet, type FleetState } from "@/lib/platform/simulator/fleet";
import { MemoryFleetStore, SimulatorPlatform } from "@/lib/platform/simulator/platform";
import type { ChaosEffect } from "@/lib/platform/simulator/chaos";
import { INTERRUPTION_CAUSES } from "@/lib/domain/training/reliability";
import { smallTopology, T0 } from "../../support/platform/fleet-fixture";

const HOUR = 3_600_000;
const boot = (seed = 7) => initialFleet(seed, smallTopology(), T0);
const run = (s: FleetState, hours: number, chaos: ChaosEffect[] = [], speed = 1) =>
  advanceFleet(s, s.wallTime + (hours * HOUR) / speed, { speed, chaos });
const ranker = (s: FleetState) => s.jobs.find((j) => j.name === "ranker-train-001");

describe("the simulator's training interruptions", () => {
  it("records a lost node as node_lost, with the step reached and the checkpoint resumed from", () => {
    const chaos: ChaosEffect[] = [
      { kind: "node_failure", region: "us-east-1", magnitude: 1, start: T0, end: T0 + HOUR },
    ];
    const j = ranker(run(boot(), 0.25, chaos));
    expect(j?.interruptions).toHaveLength(1);
    const i = j?.interruptions?.[0];
    expect(i).toMatchObject({ cause: "node_lost", restartMs: 2 * 60_000 });
    expect(i?.message).toMatch(/NotReady/);
    expect(i?.stepAtFailure).toBeGreaterThanOrEqual(10_000);
    expect(i?.lastCheckpointStep).toBe(10_000);
    expect(i?.at).toBeGreaterThan(T0);
  });

  it("records a GPU fault as gpu_xid", () => {
    const chaos: ChaosEffect[] = [
      { kind: "gpu_failure", region: "us-east-1", magnitude: 1, start: T0, end: T0 + HOUR },
    ];
    const i = ranker(run(boot(), 0.25, chaos))?.interruptions?.[0];
    expect(i?.cause).toBe("gpu_xid");
    expect(i?.message).toMatch(/Xid/);
  });

  it("keeps at most 20 interruptions and checkpoints a job, each with a known cause", () => {
    let s = boot(11);
    for (let d = 0; d < 6; d++) s = run(s, 24, [], 600);
    for (const j of s.jobs) {
      expect(j.interruptions?.length ?? 0).toBeLessThanOrEqual(20);
      expect(j.checkpoints.length).toBeLessThanOrEqual(20);
      for (const i of j.interruptions ?? []) expect(INTERRUPTION_CAUSES).toContain(i.cause);
    }
  });

  it("is the same for a seed, whatever the tick timing", () => {
    const chaos: ChaosEffect[] = [
      { kind: "node_failure", region: "eu-west-1", magnitude: 0.5, start: T0, end: T0 + HOUR },
    ];
    const a = run(boot(), 6, chaos);
    let b = boot();
    for (let i = 0; i < 6 * 6; i++)
      b = advanceFleet(b, b.wallTime + 10 * 60_000, { speed: 1, chaos });
    expect(b.jobs.map((j) => j.interruptions)).toEqual(a.jobs.map((j) => j.interruptions));
    expect(b.jobs.map((j) => j.checkpoints)).toEqual(a.jobs.map((j) => j.checkpoints));
  });
});

describe("the simulator's checkpoint writes", () => {
  it("take longer for bigger gangs, varying around each job's own duration", () => {
    const s = run(boot(), 96, [], 600);
    const j = ranker(s);
    const written = (j?.checkpoints ?? []).filter((c) => c.writeMs != null);
    expect(written.length).toBeGreaterThan(1);
    const base = 30_000 + 2_500 * 16;
    for (const c of written) {
      expect(c.writeMs).toBeGreaterThanOrEqual(Math.floor(base * 0.8 * 0.85));
      expect(c.writeMs).toBeLessThanOrEqual(Math.ceil(base * 1.25 * 1.15));
    }
    expect(new Set(written.map((c) => c.writeMs)).size).toBeGreaterThan(1);
  });

  it("keeps the inventory's checkpoint times and write durations, and its cadence", () => {
    const topology = smallTopology();
    const job = topology.jobs.find((j) => j.name === "ranker-train-001")!;
    job.checkpoints = [
      { step: 9_000, at: T0 - 2 * HOUR, writeSeconds: 50 },
      { step: 9_500, at: T0 - HOUR, writeSeconds: null },
      { step: 10_000, at: T0, writeSeconds: 70 },
    ];
    const s = initialFleet(7, topology, T0);
    const j = ranker(s);
    expect(j?.checkpoints).toEqual([
      { step: 9_000, at: T0 - 2 * HOUR, writeMs: 50_000 },
      { step: 9_500, at: T0 - HOUR, writeMs: null },
      { step: 10_000, at: T0, writeMs: 70_000 },
    ]);
    expect(j?.checkpointEvery).toBe(500);
  });
});

describe("the simulator platform's training jobs", () => {
  it("reports interruptions and write durations, and a resume ends the failure's restart", async () => {
    const now = { t: T0 };
    const store = new MemoryFleetStore(boot());
    const p = new SimulatorPlatform({
      store,
      now: () => now.t,
      chaos: async () => [
        { kind: "node_failure", region: "eu-west-1", magnitude: 1, start: T0, end: T0 + HOUR },
      ],
    });
    now.t += 15 * 60_000;
    const job = (await p.jobs()).data.find((j) => j.name === "ranker-train-001");
    // ranker runs in us-east-1: untouched; its checkpoints from the inventory have no duration
    expect(job?.interruptions).toEqual([]);
    expect(job?.checkpoints.every((c) => c.writeSeconds === null)).toBe(true);

    // The failed job (no interruption recorded yet) resumes; a later failure is reported.
    const failedBefore = (await p.jobs()).data.find((j) => j.name === "asr-train-002");
    expect(failedBefore?.status).toBe("failed");
    await p.resumeFromCheckpoint("asr-train-002");
    const state = await store.load();
    const asr = state.jobs.find((j) => j.name === "asr-train-002");
    expect(asr?.interruptions ?? []).toEqual([]);
  });

  it("closes the failure a resume ends without booking the time it sat failed as its restart", async () => {
    const fleet = boot();
    const asr = fleet.jobs.find((j) => j.name === "asr-train-002")!;
    asr.interruptions = [
      {
        at: T0 - 3 * 24 * HOUR,
        cause: "oom",
        message: "CUDA out of memory on rank 0",
        stepAtFailure: 3_000,
        lastCheckpointStep: 2_500,
        lastCheckpointAt: T0 - 2 * HOUR,
        restartMs: null,
      },
    ];
    const p = new SimulatorPlatform({ store: new MemoryFleetStore(fleet), now: () => T0 });
    const resumed = await p.resumeFromCheckpoint("asr-train-002");
    // The three days failed held no GPUs; the resumed job queues at once, and its wait for GPUs
    // holds none either (as after a restart of its own): no restart time.
    expect(resumed.interruptions).toEqual([
      expect.objectContaining({ cause: "oom", restartSeconds: 0, stepAtFailure: 3_000 }),
    ]);
    // and it runs again from the resume, not from its stop three days before
    expect(resumed.interruptions[0]?.ranAgainAt?.getTime()).toBe(T0);
    expect(resumed.status).toBe("queued");
  });
});
