import { describe, expect, it } from "vitest";
import {
  DEFAULT_DRAIN_STEPS,
  DEFAULT_HEADROOM,
  dialAtStep,
  placeReplicas,
  planDrain,
  planModel,
  raiseKey,
  regionCeilingRps,
  replicasThatFit,
  worst,
  type ModelPlan,
  type ModelServing,
  type RegionServing,
  type Verdict,
} from "@/lib/domain/traffic/drain-plan";

/** A region serving 100 req/s on 4 replicas (25 req/s each), autoscaler 2..10, 10 free GPUs. */
function region(name: string, over: Partial<RegionServing> = {}): RegionServing {
  return {
    region: name,
    cluster: `${name}-serve`,
    demandRps: 100,
    servedRps: 100,
    dial: 100,
    readyReplicas: 4,
    hpa: { min: 2, max: 10, current: 4 },
    gpusPerReplica: 1,
    gpuType: "L4",
    freeGpus: 10,
    quotaLeftGpus: null,
    ...over,
  };
}

function model(regions: RegionServing[], name = "fraud-scorer"): ModelServing {
  return { model: name, team: "search", regions };
}

const opts = { region: "us", headroom: DEFAULT_HEADROOM };

function plan(m: ModelServing, o: Parameters<typeof planModel>[1] = opts): ModelPlan {
  const p = planModel(m, o);
  if (!p) throw new Error("expected a plan");
  return p;
}

function receiver(p: ModelPlan, name: string) {
  const r = p.receiving.find((x) => x.region === name);
  if (!r) throw new Error(`no plan for ${name}`);
  return r;
}

describe("worst", () => {
  it("ranks impossible over tight over safe, either way round", () => {
    const order: Verdict[] = ["safe", "tight", "impossible"];
    for (const [i, a] of order.entries()) {
      for (const [j, b] of order.entries()) {
        expect(worst(a, b)).toBe(order[Math.max(i, j)]);
      }
    }
  });
});

describe("raiseKey", () => {
  it("names a model's autoscaler raise in a region", () => {
    expect(raiseKey("fraud-scorer", "eu-west-1")).toBe("fraud-scorer/eu-west-1");
  });
});

describe("dialAtStep", () => {
  it("is 100 before the first step and 100 minus the share moved at each step", () => {
    expect(dialAtStep(DEFAULT_DRAIN_STEPS, -1)).toBe(100);
    expect(dialAtStep(DEFAULT_DRAIN_STEPS, -5)).toBe(100);
    expect(DEFAULT_DRAIN_STEPS.map((_, i) => dialAtStep(DEFAULT_DRAIN_STEPS, i))).toEqual([
      75, 50, 25, 0,
    ]);
  });

  it("stays at the last step past the end", () => {
    expect(dialAtStep(DEFAULT_DRAIN_STEPS, 4)).toBe(0);
    expect(dialAtStep([10, 30], 9)).toBe(70);
  });

  it("clamps steps outside 0..100 and drains fully without steps", () => {
    expect(dialAtStep([150], 0)).toBe(0);
    expect(dialAtStep([-20], 0)).toBe(100);
    expect(dialAtStep([], 0)).toBe(0);
  });
});

describe("planModel", () => {
  it("is null for a model that does not serve in the drained region", () => {
    expect(planModel(model([region("eu"), region("ap")]), opts)).toBeNull();
  });

  it("is safe when the receiving region scales within its maximum and keeps the headroom", () => {
    // eu takes 200 req/s at 25 req/s a replica: 8 replicas of a maximum of 10, 20% headroom.
    const p = plan(model([region("us"), region("eu")]));
    expect(p.verdict).toBe("safe");
    expect(p.reasons).toEqual([]);
    expect(p.drainedRps).toBe(100);
    expect(p.model).toBe("fraud-scorer");
    expect(p.team).toBe("search");
    expect(p.receiving).toHaveLength(1);
    expect(receiver(p, "eu")).toEqual({
      region: "eu",
      cluster: "eu-serve",
      servedRps: 100,
      afterRps: 200,
      absorbRps: 100,
      perReplicaRps: 25,
      replicasNow: 4,
      replicasNeeded: 8,
      hpaMax: 10,
      hpaMaxPlanned: null,
      gpuCeiling: 14,
      extraGpus: 4,
      freeGpus: 10,
      headroomAfter: 0.2,
      raiseMinTo: 8,
      suggestedMax: null,
      verdict: "safe",
      reason: "4 more replicas (4 GPUs) absorb 100 req/s, 20% headroom left.",
    });
  });

  it("is tight just under the headroom asked, and says which maximum gives it", () => {
    const p = plan(model([region("us"), region("eu")]), { region: "us", headroom: 0.21 });
    const eu = receiver(p, "eu");
    expect(p.verdict).toBe("tight");
    expect(eu.verdict).toBe("tight");
    expect(eu.headroomAfter).toBe(0.2);
    // 8 replicas leave 21% headroom under a maximum of ceil(8 / 0.79) = 11
    expect(eu.suggestedMax).toBe(11);
    expect(eu.reason).toBe(
      "20% headroom left after absorbing 100 req/s, under the 21% asked: raising the maximum to 11 would give it.",
    );
    expect(p.reasons).toEqual([`eu: ${eu.reason}`]);
  });

  it("splits the drained traffic between receiving regions by what each keeps", () => {
    const p = plan(
      model([
        region("us"),
        region("eu", { demandRps: 300, servedRps: 300, readyReplicas: 6 }),
        region("ap", { demandRps: 100, servedRps: 100, readyReplicas: 2 }),
      ]),
    );
    const eu = receiver(p, "eu");
    const ap = receiver(p, "ap");
    expect(eu.afterRps).toBeCloseTo(375, 9);
    expect(eu.absorbRps).toBeCloseTo(75, 9);
    expect(eu.perReplicaRps).toBe(50);
    expect(eu.replicasNeeded).toBe(8);
    expect(ap.afterRps).toBeCloseTo(125, 9);
    expect(ap.absorbRps).toBeCloseTo(25, 9);
    expect(ap.replicasNeeded).toBe(3);
    expect(p.receiving.map((r) => r.region)).toEqual(["eu", "ap"]);
  });

  it("predicts with the receiving regions' dials: a partly drained one takes less", () => {
    const p = plan(
      model([
        region("us"),
        region("eu", { dial: 50, servedRps: 50 }),
        region("ap", { dial: 100, servedRps: 150 }),
      ]),
    );
    // after: us drained, eu keeps 50 of its 100, ap keeps all of its 100
    const eu = receiver(p, "eu");
    const ap = receiver(p, "ap");
    expect(eu.afterRps + ap.afterRps).toBeCloseTo(300, 9);
    expect(eu.afterRps).toBeGreaterThanOrEqual(50);
    expect(eu.afterRps).toBeLessThan(ap.afterRps);
    expect(ap.afterRps).toBeGreaterThan(150);
  });

  it("reads an invalid receiving dial as the balancer does (NaN keeps all, negative drains)", () => {
    const p = plan(
      model([
        region("us"),
        region("eu", { dial: Number.NaN }),
        region("ap", { dial: -10, servedRps: 0 }),
      ]),
    );
    expect(receiver(p, "eu").afterRps).toBeCloseTo(300, 9);
    expect(receiver(p, "ap").afterRps).toBe(0);
  });

  it("is tight when the autoscaler's maximum is under the replicas needed", () => {
    const p = plan(model([region("us"), region("eu", { hpa: { min: 2, max: 6, current: 4 } })]));
    const eu = receiver(p, "eu");
    expect(p.verdict).toBe("tight");
    expect(eu.verdict).toBe("tight");
    expect(eu.replicasNeeded).toBe(8);
    expect(eu.hpaMax).toBe(6);
    expect(eu.hpaMaxPlanned).toBeNull();
    expect(eu.suggestedMax).toBe(10);
    // the minimum is raised only as far as the maximum allows
    expect(eu.raiseMinTo).toBe(6);
    expect(eu.headroomAfter).toBeCloseTo(-2 / 6, 12);
    expect(eu.reason).toBe(
      "Its autoscaler stops at 6 replicas, under the 8 needed for 200 req/s: raise the maximum to 10.",
    );
  });

  it("is safe once the plan raises that maximum (hpaMaxRaises)", () => {
    const m = model([region("us"), region("eu", { hpa: { min: 2, max: 6, current: 4 } })]);
    const p = plan(m, { ...opts, hpaMaxRaises: { [raiseKey("fraud-scorer", "eu")]: 10 } });
    const eu = receiver(p, "eu");
    expect(p.verdict).toBe("safe");
    expect(eu.hpaMax).toBe(6);
    expect(eu.hpaMaxPlanned).toBe(10);
    expect(eu.raiseMinTo).toBe(8);
    expect(eu.headroomAfter).toBe(0.2);
    expect(eu.suggestedMax).toBeNull();
  });

  it("ignores a raise that is not above the maximum, or meant for another model or region", () => {
    const m = model([region("us"), region("eu", { hpa: { min: 2, max: 6, current: 4 } })]);
    const raises: Record<string, number>[] = [
      { "fraud-scorer/eu": 5 },
      { "fraud-scorer/eu": 6 },
      { "other/eu": 10 },
      { "fraud-scorer/ap": 10 },
    ];
    for (const hpaMaxRaises of raises) {
      const eu = receiver(plan(m, { ...opts, hpaMaxRaises }), "eu");
      expect(eu.hpaMaxPlanned).toBeNull();
      expect(eu.verdict).toBe("tight");
    }
  });

  it("suggests a maximum no higher than the GPUs allow", () => {
    // 5 free GPUs: 9 replicas at most, under the 10 the headroom would take
    const m = model([
      region("us"),
      region("eu", { hpa: { min: 2, max: 6, current: 4 }, freeGpus: 5 }),
    ]);
    const eu = receiver(plan(m), "eu");
    expect(eu.gpuCeiling).toBe(9);
    expect(eu.verdict).toBe("tight");
    expect(eu.suggestedMax).toBe(9);
    expect(eu.reason).toBe(
      "Its autoscaler stops at 6 replicas, under the 8 needed for 200 req/s: raise the maximum to 9 (all the free GPUs allow; 20% headroom would take 10).",
    );
    // Raised to 9, it serves the traffic, with less headroom than asked and nothing more to raise.
    const raised = receiver(plan(m, { ...opts, hpaMaxRaises: { "fraud-scorer/eu": 9 } }), "eu");
    expect(raised.verdict).toBe("tight");
    expect(raised.suggestedMax).toBeNull();
    expect(raised.reason).toBe("11% headroom left after absorbing 100 req/s, under the 20% asked.");
    // Short of the headroom only: the raise says what it would leave.
    const short = receiver(
      plan(
        model([region("us"), region("eu", { hpa: { min: 2, max: 8, current: 4 }, freeGpus: 5 })]),
      ),
      "eu",
    );
    expect(short.suggestedMax).toBe(9);
    expect(short.reason).toBe(
      "0% headroom left after absorbing 100 req/s, under the 20% asked: raising the maximum to 9 (all the free GPUs allow; 20% headroom would take 10) would leave 11%.",
    );
  });

  it("says the team's quota, not the free GPUs, stops the suggestion when the quota is smaller", () => {
    // 20 free GPUs, but the quota takes 5 more: 9 replicas at most, under the 10 asked
    const m = model([
      region("us"),
      region("eu", { hpa: { min: 2, max: 6, current: 4 }, freeGpus: 20, quotaLeftGpus: 5 }),
    ]);
    const eu = receiver(plan(m), "eu");
    expect(eu.gpuCeiling).toBe(9);
    expect(eu.suggestedMax).toBe(9);
    expect(eu.reason).toBe(
      "Its autoscaler stops at 6 replicas, under the 8 needed for 200 req/s: raise the maximum to 9 (all the team's quota allows; 20% headroom would take 10).",
    );
  });

  it("suggests no maximum when the GPUs cannot hold the replicas needed", () => {
    const eu = receiver(
      plan(
        model([region("us"), region("eu", { hpa: { min: 2, max: 6, current: 4 }, freeGpus: 3 })]),
      ),
      "eu",
    );
    expect(eu.verdict).toBe("impossible");
    expect(eu.suggestedMax).toBeNull();
  });

  it("is impossible when the free GPUs cannot hold the replicas needed", () => {
    const p = plan(model([region("us"), region("eu", { freeGpus: 2 })]));
    const eu = receiver(p, "eu");
    expect(p.verdict).toBe("impossible");
    expect(eu.verdict).toBe("impossible");
    expect(eu.gpuCeiling).toBe(6);
    expect(eu.extraGpus).toBe(4);
    expect(eu.suggestedMax).toBeNull();
    expect(eu.raiseMinTo).toBe(6);
    expect(eu.reason).toBe("Needs 8 replicas (4 more L4 GPUs) in eu-serve; only 2 are free.");
    expect(p.reasons).toEqual([`eu: ${eu.reason}`]);
  });

  it("names the team's quota when it, not the free GPUs, is the limit", () => {
    const p = plan(model([region("us"), region("eu", { freeGpus: 10, quotaLeftGpus: 2 })]));
    const eu = receiver(p, "eu");
    expect(eu.verdict).toBe("impossible");
    expect(eu.gpuCeiling).toBe(6);
    expect(eu.freeGpus).toBe(10);
    expect(eu.reason).toBe(
      "Needs 8 replicas (4 more L4 GPUs) in eu-serve; the team's quota allows only 2 more.",
    );
  });

  it("names the free GPUs when the quota leaves more than are free", () => {
    const eu = receiver(
      plan(model([region("us"), region("eu", { freeGpus: 2, quotaLeftGpus: 20 })])),
      "eu",
    );
    expect(eu.verdict).toBe("impossible");
    expect(eu.reason).toMatch(/only 2 are free\.$/);
  });

  it("treats an exhausted (or negative) quota as no room", () => {
    const eu = receiver(
      plan(model([region("us"), region("eu", { freeGpus: 10, quotaLeftGpus: -3 })])),
      "eu",
    );
    expect(eu.gpuCeiling).toBe(4);
    expect(eu.verdict).toBe("impossible");
  });

  it("counts GPUs per replica when a replica takes several", () => {
    const twoGpus = { gpusPerReplica: 2, gpuType: "H100" };
    const short = receiver(
      plan(model([region("us", twoGpus), region("eu", { ...twoGpus, freeGpus: 7 })])),
      "eu",
    );
    expect(short.gpuCeiling).toBe(7);
    expect(short.extraGpus).toBe(8);
    expect(short.verdict).toBe("impossible");
    expect(short.reason).toBe("Needs 8 replicas (8 more H100 GPUs) in eu-serve; only 7 are free.");

    const exact = receiver(
      plan(model([region("us", twoGpus), region("eu", { ...twoGpus, freeGpus: 8 })])),
      "eu",
    );
    expect(exact.gpuCeiling).toBe(8);
    expect(exact.headroomAfter).toBe(0);
    expect(exact.verdict).toBe("tight");
    expect(exact.suggestedMax).toBeNull();
    expect(exact.reason).toBe("0% headroom left after absorbing 100 req/s, under the 20% asked.");
  });

  it("is impossible for a model serving only the drained region", () => {
    const p = plan(model([region("us")]));
    expect(p.verdict).toBe("impossible");
    expect(p.receiving).toEqual([]);
    expect(p.drainedRps).toBe(100);
    expect(p.reasons).toEqual([
      "fraud-scorer serves production only in us: draining it leaves no region to take its traffic.",
    ]);
  });

  it("is impossible when every other region is already drained", () => {
    const p = plan(
      model([
        region("us", { servedRps: 200 }),
        region("eu", {
          dial: 0,
          servedRps: 0,
          readyReplicas: 2,
          hpa: { min: 2, max: 10, current: 2 },
        }),
      ]),
    );
    expect(p.verdict).toBe("impossible");
    expect(p.reasons[0]).toBe(
      "Every other region of fraud-scorer is drained: its traffic would have nowhere to go.",
    );
    const eu = receiver(p, "eu");
    expect(eu.afterRps).toBe(0);
    // the region itself has room: the model, not the region, is impossible
    expect(eu.verdict).toBe("safe");
    expect(eu.perReplicaRps).toBe(50);
  });

  it("sends the traffic to an open region with no traffic, measured by the model's other regions", () => {
    const p = plan(model([region("us"), region("eu", { demandRps: 0, servedRps: 0 })]));
    const eu = receiver(p, "eu");
    expect(p.verdict).toBe("safe");
    expect(eu.afterRps).toBe(100);
    expect(eu.absorbRps).toBe(100);
    expect(eu.perReplicaRps).toBe(25);
    expect(eu.replicasNeeded).toBe(4);
    expect(eu.headroomAfter).toBeCloseTo(0.6, 12);
    expect(eu.reason).toBe("Its 4 replicas absorb 100 req/s, 60% headroom left.");
  });

  it("takes the throughput from the model's other measured regions when a region has no ready replica", () => {
    const p = plan(
      model([
        region("us", { servedRps: 120, readyReplicas: 4 }),
        region("eu", { servedRps: 0, readyReplicas: 0, hpa: null }),
        region("ap", { servedRps: 180, readyReplicas: 2 }),
      ]),
    );
    // measured elsewhere: (120 + 180) / (4 + 2) = 50 req/s a replica
    expect(receiver(p, "eu").perReplicaRps).toBe(50);
    expect(receiver(p, "ap").perReplicaRps).toBe(90);
  });

  it("is impossible when nothing measures the throughput a region would need", () => {
    const p = plan(
      model([
        region("us", { servedRps: 0, readyReplicas: 0 }),
        region("eu", { demandRps: 50, servedRps: 0, readyReplicas: 0 }),
      ]),
    );
    const eu = receiver(p, "eu");
    expect(p.verdict).toBe("impossible");
    expect(eu.verdict).toBe("impossible");
    expect(eu.perReplicaRps).toBeNull();
    expect(eu.afterRps).toBe(150);
    expect(eu.replicasNeeded).toBe(4);
    expect(eu.extraGpus).toBe(0);
    expect(eu.headroomAfter).toBeNull();
    expect(eu.raiseMinTo).toBeNull();
    expect(eu.suggestedMax).toBeNull();
    expect(eu.reason).toBe(
      "No replica of fraud-scorer serves traffic anywhere, so what eu would need cannot be measured.",
    );
  });

  it("is safe with no traffic at all, the autoscaler minimum being what is needed", () => {
    const idle = { demandRps: 0, servedRps: 0 };
    const p = plan(model([region("us", idle), region("eu", idle)]));
    const eu = receiver(p, "eu");
    expect(p.verdict).toBe("safe");
    expect(eu.afterRps).toBe(0);
    expect(eu.perReplicaRps).toBeNull();
    expect(eu.replicasNeeded).toBe(2);
    expect(eu.raiseMinTo).toBeNull();
    expect(eu.headroomAfter).toBeCloseTo(0.8, 12);
    expect(eu.reason).toBe("Its 4 replicas absorb 0.0 req/s, 80% headroom left.");
  });

  it("has no headroom figure, raise or suggestion without an autoscaler", () => {
    const p = plan(model([region("us"), region("eu", { hpa: null })]));
    const eu = receiver(p, "eu");
    expect(eu.verdict).toBe("safe");
    expect(eu.hpaMax).toBeNull();
    expect(eu.raiseMinTo).toBeNull();
    expect(eu.suggestedMax).toBeNull();
    expect(eu.replicasNeeded).toBe(8);
    // bound by the GPUs alone: 14 replicas
    expect(eu.headroomAfter).toBeCloseTo(6 / 14, 12);
  });

  it("counts the autoscaler's current replicas when more than are ready, placed ones holding GPUs", () => {
    const eu = receiver(
      plan(
        model([
          region("us"),
          region("eu", { hpa: { min: 2, max: 10, current: 6 }, heldReplicas: 6 }),
        ]),
      ),
      "eu",
    );
    expect(eu.replicasNow).toBe(6);
    expect(eu.gpuCeiling).toBe(16);
    expect(eu.extraGpus).toBe(2);
    expect(eu.reason).toBe("2 more replicas (2 GPUs) absorb 100 req/s, 20% headroom left.");
  });

  it("bounds a model served on CPUs by its autoscaler only, not by GPUs it does not take", () => {
    const cpu = { gpusPerReplica: 0, gpuType: "other", freeGpus: 0, quotaLeftGpus: 0 };
    const eu = receiver(plan(model([region("us", cpu), region("eu", cpu)])), "eu");
    expect(eu.gpuCeiling).toBeNull();
    expect(eu.extraGpus).toBe(0);
    expect(eu.verdict).toBe("safe");
    expect(eu.replicasNeeded).toBe(8);
    expect(eu.headroomAfter).toBeCloseTo(0.2);
    const capped = receiver(
      plan(
        model([region("us", cpu), region("eu", { ...cpu, hpa: { min: 2, max: 6, current: 4 } })]),
      ),
      "eu",
    );
    expect(capped.verdict).toBe("tight");
    expect(capped.suggestedMax).toBe(10);
    expect(regionCeilingRps([region("eu", cpu)])).toBe(10 * 25);
  });

  it("does not count replicas waiting for GPUs as holding them", () => {
    // 6 replicas asked for, 4 placed: the 2 waiting need GPUs as much as the new ones.
    const waiting = region("eu", {
      hpa: { min: 2, max: 20, current: 6 },
      heldReplicas: 4,
      freeGpus: 3,
    });
    const eu = receiver(plan(model([region("us"), waiting])), "eu");
    expect(eu.replicasNow).toBe(6);
    expect(eu.gpuCeiling).toBe(7);
    expect(eu.replicasNeeded).toBe(8);
    expect(eu.extraGpus).toBe(4);
    expect(eu.verdict).toBe("impossible");
    // Where the platform does not say which are placed, only the ready ones hold GPUs.
    const unknown = receiver(
      plan(model([region("us"), { ...waiting, heldReplicas: undefined }])),
      "eu",
    );
    expect(unknown.gpuCeiling).toBe(7);
  });

  it("places each replica's GPUs on one node: free GPUs spread over nodes may take none", () => {
    // 8 GPUs free in all, 4 on each of two nodes: no replica of 8 fits.
    const eu = receiver(
      plan(
        model([
          region("us", { gpusPerReplica: 8, gpuType: "H100" }),
          region("eu", {
            gpusPerReplica: 8,
            gpuType: "H100",
            freeGpus: 8,
            freeNodes: [4, 4],
          }),
        ]),
      ),
      "eu",
    );
    expect(eu.gpuCeiling).toBe(4);
    expect(eu.verdict).toBe("impossible");
    expect(eu.reason).toBe("Needs 8 replicas (32 more H100 GPUs) in eu-serve; only 8 are free.");
    // Enough GPUs in all, on too many nodes: the reason says so.
    const spread = receiver(
      plan(
        model([
          region("us", { gpusPerReplica: 2 }),
          region("eu", { gpusPerReplica: 2, freeGpus: 9, freeNodes: [1, 1, 1, 1, 1, 1, 3] }),
        ]),
      ),
      "eu",
    );
    expect(spread.gpuCeiling).toBe(5);
    expect(spread.verdict).toBe("impossible");
    expect(spread.reason).toBe(
      "Needs 8 replicas (8 more L4 GPUs) in eu-serve; 9 are free, but spread over nodes so that only 1 more replica of 2 GPUs fits.",
    );
  });

  it("says one replica, singular", () => {
    const eu = receiver(
      plan(model([region("us", { demandRps: 20, servedRps: 20 }), region("eu")])),
      "eu",
    );
    expect(eu.replicasNeeded).toBe(5);
    expect(eu.reason).toBe("1 more replica (1 GPUs) absorb 20 req/s, 50% headroom left.");
  });

  it("does not raise the minimum when it already covers the replicas needed", () => {
    const eu = receiver(
      plan(model([region("us"), region("eu", { hpa: { min: 8, max: 10, current: 8 } })])),
      "eu",
    );
    expect(eu.replicasNeeded).toBe(8);
    expect(eu.raiseMinTo).toBeNull();
  });

  it("needs exactly the replicas that carry the traffic, without rounding up on float noise", () => {
    // eu serves 0.1 req/s on one replica and takes us's 0.2: 0.1 + 0.2 is 0.30000000000000004
    const eu = receiver(
      plan(
        model([
          region("us", { demandRps: 0.2, servedRps: 0.2 }),
          region("eu", { demandRps: 0.1, servedRps: 0.1, readyReplicas: 1, hpa: null }),
        ]),
      ),
      "eu",
    );
    expect(eu.afterRps / 0.1).toBeGreaterThan(3);
    expect(eu.replicasNeeded).toBe(3);
  });
});

describe("planDrain", () => {
  // each on its own cluster in eu, so their GPUs are not shared (see the next describe)
  const safe = model([region("us"), region("eu", { cluster: "eu-b" })], "b-safe");
  const safe2 = model([region("us"), region("eu", { cluster: "eu-a" })], "a-safe");
  const tight = model(
    [region("us"), region("eu", { cluster: "eu-d", hpa: { min: 2, max: 6, current: 4 } })],
    "d-tight",
  );
  const impossible = model([region("us")], "c-impossible");
  const elsewhere = model([region("eu"), region("ap")], "e-elsewhere");

  it("plans only the models serving the drained region, worst first then by name", () => {
    const p = planDrain([safe, elsewhere, tight, safe2, impossible], opts);
    expect(p.region).toBe("us");
    expect(p.headroom).toBe(DEFAULT_HEADROOM);
    expect(p.models.map((m) => [m.model, m.verdict])).toEqual([
      ["c-impossible", "impossible"],
      ["d-tight", "tight"],
      ["a-safe", "safe"],
      ["b-safe", "safe"],
    ]);
    expect(p.counts).toEqual({ safe: 2, tight: 1, impossible: 1 });
    expect(p.verdict).toBe("impossible");
  });

  it("takes the worst model's verdict", () => {
    expect(planDrain([safe, tight], opts).verdict).toBe("tight");
    expect(planDrain([safe, safe2], opts).verdict).toBe("safe");
    expect(planDrain([safe], opts).counts).toEqual({ safe: 1, tight: 0, impossible: 0 });
  });

  it("is safe and empty when no model serves the drained region", () => {
    expect(planDrain([elsewhere], opts)).toEqual({
      region: "us",
      headroom: DEFAULT_HEADROOM,
      models: [],
      counts: { safe: 0, tight: 0, impossible: 0 },
      verdict: "safe",
    });
    expect(planDrain([], opts).verdict).toBe("safe");
  });

  it("passes the autoscaler raises to each model", () => {
    const p = planDrain([tight], { ...opts, hpaMaxRaises: { "d-tight/eu": 10 } });
    expect(p.verdict).toBe("safe");
    expect(p.models[0]?.receiving[0]?.hpaMaxPlanned).toBe(10);
  });

  it("does not change the models it plans", () => {
    const input = [structuredClone(tight), structuredClone(safe)];
    const copy = structuredClone(input);
    planDrain(input, opts);
    expect(input).toEqual(copy);
  });
});

describe("the autoscaler minimum a drain raises", () => {
  it("is never at or below the minimum in force (a raise never lowers it)", () => {
    // eu needs 6 replicas but only its 2 running fit: the minimum target (2) is under 4
    const p = plan(
      model([
        region("us"),
        region("eu", {
          hpa: { min: 4, max: 10, current: 2 },
          readyReplicas: 2,
          servedRps: 50,
          demandRps: 50,
          freeGpus: 0,
        }),
      ]),
    );
    const eu = receiver(p, "eu");
    expect(eu.verdict).toBe("impossible");
    expect(eu.raiseMinTo).toBeNull();
  });
});

describe("models of one plan sharing a GPU pool", () => {
  // eu serves 100 req/s on 4 replicas (25 each) with 8 L4 GPUs free in its cluster.
  // Draining us: big needs 220 / 25 = 9 replicas (5 more GPUs), small 200 / 25 = 8 (4 more).
  const big = model(
    [region("us", { servedRps: 120, demandRps: 120 }), region("eu", { freeGpus: 8 })],
    "big",
  );
  const small = model(
    [region("us", { servedRps: 100, demandRps: 100 }), region("eu", { freeGpus: 8 })],
    "small",
  );

  it("never counts one free GPU twice: the model moving most traffic takes first", () => {
    expect(receiver(plan(small), "eu").verdict).not.toBe("impossible");
    const p = planDrain([small, big], opts);
    const first = p.models.find((m) => m.model === "big");
    const second = p.models.find((m) => m.model === "small");
    expect(first?.receiving[0]?.extraGpus).toBe(5);
    expect(first?.verdict).not.toBe("impossible");
    expect(second?.receiving[0]?.freeGpus).toBe(3);
    expect(second?.receiving[0]?.extraGpus).toBe(4);
    expect(second?.verdict).toBe("impossible");
    expect(second?.receiving[0]?.reason).toMatch(
      /only 3 of the free ones are left after the plan's other models/,
    );
  });

  it("shares free GPUs node by node: what one model places, the next cannot use", () => {
    // Two nodes with 4 free GPUs each. big places 5 replicas of 1 GPU, best fit: one node
    // full, one GPU from the other, so 3 are left on one node; small needs 4 of 1 on any nodes.
    const byNode = (m: ModelServing) => ({
      ...m,
      regions: m.regions.map((r) => (r.region === "eu" ? { ...r, freeNodes: [4, 4] } : r)),
    });
    const p = planDrain([byNode(small), byNode(big)], opts);
    const second = p.models.find((m) => m.model === "small")?.receiving[0];
    expect(second?.freeGpus).toBe(3);
    expect(second?.verdict).toBe("impossible");
    // Replicas of 2 GPUs: big takes 5 × 2 = 10 > 8, impossible, and takes nothing; small then
    // places its 4 × 2 on the two nodes.
    const two = (m: ModelServing) => ({
      ...byNode(m),
      regions: byNode(m).regions.map((r) => ({ ...r, gpusPerReplica: 2 })),
    });
    const q = planDrain([two(small), two(big)], opts);
    expect(q.models.find((m) => m.model === "big")?.verdict).toBe("impossible");
    const after = q.models.find((m) => m.model === "small")?.receiving[0];
    expect(after?.freeGpus).toBe(8);
    expect(after?.gpuCeiling).toBe(8);
    expect(after?.verdict).not.toBe("impossible");
  });

  it("takes for a model whose autoscaler stops short only what that autoscaler allows", () => {
    // big needs 9 replicas (5 more GPUs) but its autoscaler stops at 6: it takes 2, not 5, and
    // small still finds the 4 it needs among the 8 free.
    const capped = model(
      [
        region("us", { servedRps: 120, demandRps: 120 }),
        region("eu", { freeGpus: 8, hpa: { min: 2, max: 6, current: 4 } }),
      ],
      "big",
    );
    const p = planDrain([small, capped], opts);
    expect(p.models.find((m) => m.model === "big")?.verdict).toBe("tight");
    const second = p.models.find((m) => m.model === "small")?.receiving[0];
    expect(second?.freeGpus).toBe(6);
    expect(second?.verdict).not.toBe("impossible");
  });

  it("shares nothing between different clusters or GPU types", () => {
    const other = model([region("us"), region("eu", { gpuType: "A100", freeGpus: 8 })], "other");
    const p = planDrain([big, other], opts);
    expect(p.models.find((m) => m.model === "other")?.receiving[0]?.freeGpus).toBe(8);
  });
});

describe("models of one plan sharing a namespace's quota", () => {
  // Plenty of free GPUs, but the team's namespace in eu allows 6 more for both models.
  const eu = { freeGpus: 50, quotaLeftGpus: 6, quotaKey: "eu-serve/ranking" };
  const big = model([region("us", { servedRps: 120, demandRps: 120 }), region("eu", eu)], "big");
  const small = model(
    [region("us", { servedRps: 100, demandRps: 100 }), region("eu", eu)],
    "small",
  );

  it("counts each GPU of quota once: what the first model takes, the next one cannot", () => {
    const p = planDrain([small, big], opts);
    expect(p.models.find((m) => m.model === "big")?.receiving[0]?.extraGpus).toBe(5);
    const second = p.models.find((m) => m.model === "small");
    expect(second?.verdict).toBe("impossible");
    expect(second?.receiving[0]?.reason).toMatch(/the team's quota allows only 1 more/);
  });

  it("leaves quotas of other namespaces alone", () => {
    const other = model(
      [region("us"), region("eu", { ...eu, quotaKey: "eu-serve/other-team" })],
      "other",
    );
    const p = planDrain([big, other], opts);
    expect(p.models.find((m) => m.model === "other")?.verdict).not.toBe("impossible");
  });
});

describe("replicas on nodes", () => {
  it("counts whole replicas per node, or per pool where nodes are unknown", () => {
    expect(replicasThatFit([4, 4], 0, 8)).toBe(0);
    expect(replicasThatFit([8, 7, 16], 0, 8)).toBe(3);
    expect(replicasThatFit(undefined, 8, 8)).toBe(1);
    expect(replicasThatFit([], 0, 1)).toBe(0);
    expect(replicasThatFit([3, -1], 0, 0)).toBe(3);
  });

  it("places on the fullest node that fits first, and stops when nothing fits", () => {
    expect(placeReplicas([8, 2, 4], 2, 1)).toEqual([8, 0, 4]);
    expect(placeReplicas([8, 2, 4], 4, 2)).toEqual([4, 2, 0]);
    expect(placeReplicas([3, 3], 4, 1)).toEqual([3, 3]);
    expect(placeReplicas([8], 8, 0)).toEqual([8]);
  });
});

describe("a region's ceiling", () => {
  it("counts each free GPU of a shared pool once, the busiest model first", () => {
    // Two models on one pool with 4 free GPUs, each at 25 req/s a replica, autoscalers to 10.
    const a = region("eu", { freeGpus: 4, servedRps: 200, readyReplicas: 8 });
    const b = region("eu", { freeGpus: 4 });
    // a grows 8 → 10 (its maximum, 2 GPUs), b takes the 2 left: 4 → 6.
    expect(regionCeilingRps([b, a])).toBe(10 * 25 + 6 * 25);
    // Each alone would count all 4 free GPUs.
    expect(regionCeilingRps([b])).toBe(8 * 25);
  });

  it("places replicas on nodes and keeps to quotas; nothing measured adds nothing", () => {
    const big = region("eu", { gpusPerReplica: 4, freeGpus: 6, freeNodes: [3, 3] });
    expect(regionCeilingRps([big])).toBe(4 * 25);
    const quota = region("eu", { freeGpus: 10, quotaLeftGpus: 1 });
    expect(regionCeilingRps([quota])).toBe(5 * 25);
    expect(regionCeilingRps([region("eu", { readyReplicas: 0, servedRps: 0 })])).toBe(0);
    expect(regionCeilingRps([])).toBe(0);
  });

  it("never counts fewer replicas than are ready", () => {
    const over = region("eu", { readyReplicas: 12, servedRps: 300, freeGpus: 0 });
    expect(regionCeilingRps([over])).toBe(300);
  });
});
