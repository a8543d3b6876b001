import { describe, expect, it } from "vitest";
import { DEFAULT_DRAIN_STEPS } from "@/lib/domain/traffic/drain-plan";
import {
  ANALYSIS,
  dialFor,
  judgeReceiving,
  movedShare,
  nextDrainStep,
  receivingReady,
  returningReady,
  type DrainModel,
  type DrainProgress,
  type DrainReceiving,
  type DrainStep,
  type ReceivingSample,
} from "@/lib/domain/traffic/drain";

const STEPS = DEFAULT_DRAIN_STEPS;

function receiving(over: Partial<DrainReceiving> = {}): DrainReceiving {
  return {
    region: "eu",
    cluster: "eu-serve",
    autoscaler: { namespace: "search-serving", target: "fraud-scorer-prod" },
    hpaBefore: { min: 2, max: 10 },
    hpaSet: null,
    replicasBefore: 4,
    replicasNeeded: 8,
    baseline: { errorRate: 0.01, p99Ms: 100 },
    ...over,
  };
}

function drainModel(over: Partial<DrainModel> = {}): DrainModel {
  return {
    model: "fraud-scorer",
    modelId: "m1",
    teamId: "t1",
    verdict: "safe",
    reasons: [],
    dialsBefore: { us: 100, eu: 100 },
    drained: {
      cluster: "us-serve",
      autoscaler: { namespace: "search-serving", target: "fraud-scorer-prod" },
      hpaBefore: { min: 2, max: 10 },
      replicasBefore: 8,
      hpaSet: null,
    },
    receiving: [receiving()],
    ...over,
  };
}

describe("movedShare", () => {
  it("is nothing before the first step and each step's share after it", () => {
    expect(movedShare(STEPS, -1)).toBe(0);
    expect(STEPS.map((_, i) => movedShare(STEPS, i))).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it("stays at the last step's share past the end", () => {
    expect(movedShare(STEPS, 10)).toBe(1);
    expect(movedShare([20, 60], 5)).toBeCloseTo(0.6, 12);
  });
});

describe("dialFor", () => {
  it("is the dial before the drain before the first step", () => {
    expect(dialFor(STEPS, -1, 100)).toBe(100);
    expect(dialFor(STEPS, -1, 40)).toBe(40);
  });

  it("follows the steps from a region that kept everything", () => {
    expect(STEPS.map((_, i) => dialFor(STEPS, i, 100))).toEqual([75, 50, 25, 0]);
  });

  it("never raises a region above what it kept before", () => {
    expect(STEPS.map((_, i) => dialFor(STEPS, i, 40))).toEqual([40, 40, 25, 0]);
    expect(dialFor(STEPS, 0, 0)).toBe(0);
  });
});

describe("receivingReady", () => {
  it("scales the receiving region from its replicas before to those needed, with the share moved", () => {
    const r = receiving({ replicasBefore: 4, replicasNeeded: 8 });
    expect([-1, 0, 1, 2, 3].map((i) => receivingReady(r, STEPS, i))).toEqual([4, 5, 6, 7, 8]);
  });

  it("rounds up to whole replicas", () => {
    const r = receiving({ replicasBefore: 4, replicasNeeded: 7 });
    // 4.75, 5.5, 6.25, 7
    expect([0, 1, 2, 3].map((i) => receivingReady(r, STEPS, i))).toEqual([5, 6, 7, 7]);
  });

  it("asks for no more than before when nothing more is needed", () => {
    const r = receiving({ replicasBefore: 4, replicasNeeded: 4 });
    expect([0, 1, 2, 3].map((i) => receivingReady(r, STEPS, i))).toEqual([4, 4, 4, 4]);
  });

  it("does not round up on float noise", () => {
    // a 30% step moves 1 - 0.7 = 0.30000000000000004: 1 + 20 * that is 7.000000000000001
    const r = receiving({ replicasBefore: 1, replicasNeeded: 21 });
    expect(1 + 20 * movedShare([30], 0)).toBeGreaterThan(7);
    expect(receivingReady(r, [30], 0)).toBe(7);
  });
});

describe("returningReady", () => {
  it("is the drained region's replicas before, for what it keeps at each step", () => {
    const m = drainModel();
    expect(returningReady(m, STEPS, -1)).toBe(8);
    expect([0, 1, 2].map((i) => returningReady(m, STEPS, i))).toEqual([6, 4, 2]);
    // Math.ceil of a hair under zero is -0: no replica either way
    expect(returningReady(m, STEPS, 3) + 0).toBe(0);
  });

  it("rounds up to whole replicas", () => {
    const m = drainModel({ drained: { ...drainModel().drained, replicasBefore: 5 } });
    // 3.75, 2.5, 1.25
    expect([0, 1, 2].map((i) => returningReady(m, STEPS, i))).toEqual([4, 3, 2]);
  });
});

describe("judgeReceiving", () => {
  const sample = (over: Partial<ReceivingSample> = {}): ReceivingSample => ({
    model: "fraud-scorer",
    region: "eu",
    errorRate: 0.01,
    p99Ms: 100,
    ...over,
  });
  const zeroBase = [
    drainModel({ receiving: [receiving({ baseline: { errorRate: 0, p99Ms: 100 } })] }),
  ];

  it("has the documented thresholds", () => {
    expect(ANALYSIS).toEqual({ maxErrorRise: 0.005, maxLatencyFactor: 1.5, latencySlackMs: 5 });
  });

  it("passes a region at its baseline", () => {
    expect(judgeReceiving([drainModel()], [sample()])).toEqual({
      ok: true,
      summary: "Analysis passed: 1 receiving region within its baseline error rate and latency.",
    });
  });

  it("passes an error rate exactly at the baseline plus the rise tolerated", () => {
    expect(judgeReceiving(zeroBase, [sample({ errorRate: 0.005 })]).ok).toBe(true);
    expect(judgeReceiving([drainModel()], [sample({ errorRate: 0.015 })]).ok).toBe(true);
  });

  it("fails an error rate over the baseline plus the rise tolerated", () => {
    expect(judgeReceiving(zeroBase, [sample({ errorRate: 0.00501 })])).toEqual({
      ok: false,
      reason:
        "Receiving regions degraded: fraud-scorer in eu: error rate 0.50%, over 0.50% (baseline 0.00% + 0.50%).",
    });
    const r = judgeReceiving([drainModel()], [sample({ errorRate: 0.0151 })]);
    expect(r.ok).toBe(false);
  });

  it("takes a missing error-rate baseline as zero", () => {
    const models = [
      drainModel({ receiving: [receiving({ baseline: { errorRate: null, p99Ms: null } })] }),
    ];
    expect(judgeReceiving(models, [sample({ errorRate: 0.005 })]).ok).toBe(true);
    const r = judgeReceiving(models, [sample({ errorRate: 0.02 })]);
    expect(r).toEqual({
      ok: false,
      reason:
        "Receiving regions degraded: fraud-scorer in eu: error rate 2.00%, over 0.50% (baseline 0.00% + 0.50%).",
    });
  });

  it("passes a p99 exactly at the baseline times the factor, and fails above it", () => {
    expect(judgeReceiving(zeroBase, [sample({ errorRate: 0, p99Ms: 150 })]).ok).toBe(true);
    expect(judgeReceiving(zeroBase, [sample({ errorRate: 0, p99Ms: 150.1 })])).toEqual({
      ok: false,
      reason:
        "Receiving regions degraded: fraud-scorer in eu: p99 150 ms, over 150 ms (baseline 100 ms).",
    });
  });

  it("never fails a latency within the slack of a small baseline", () => {
    const models = [
      drainModel({ receiving: [receiving({ baseline: { errorRate: 0, p99Ms: 4 } })] }),
    ];
    // 4 ms * 1.5 = 6 ms, but the slack allows 4 + 5 = 9 ms
    expect(judgeReceiving(models, [sample({ errorRate: 0, p99Ms: 9 })]).ok).toBe(true);
    const r = judgeReceiving(models, [sample({ errorRate: 0, p99Ms: 9.6 })]);
    expect(r).toEqual({
      ok: false,
      reason:
        "Receiving regions degraded: fraud-scorer in eu: p99 10 ms, over 9 ms (baseline 4 ms).",
    });
  });

  it("does not judge latency without a baseline or a measure, nor errors without a measure", () => {
    const noLatencyBase = [
      drainModel({ receiving: [receiving({ baseline: { errorRate: 0, p99Ms: null } })] }),
    ];
    expect(judgeReceiving(noLatencyBase, [sample({ errorRate: 0, p99Ms: 10_000 })]).ok).toBe(true);
    expect(judgeReceiving([drainModel()], [sample({ errorRate: null, p99Ms: null })])).toEqual({
      ok: true,
      summary: "Analysis passed: 1 receiving region within its baseline error rate and latency.",
    });
  });

  it("skips regions without a sample, matching samples by model and region", () => {
    const models = [drainModel()];
    const bad = { errorRate: 0.5, p99Ms: 10_000 };
    const r = judgeReceiving(models, [
      sample({ ...bad, region: "ap" }),
      sample({ ...bad, model: "other" }),
    ]);
    expect(r).toEqual({
      ok: true,
      summary: "Analysis passed: 0 receiving regions within their baseline error rate and latency.",
    });
    expect(judgeReceiving([], []).ok).toBe(true);
  });

  it("reports every failure of several regions and models, the first three by name", () => {
    const models = [
      drainModel({
        receiving: [
          receiving({ region: "eu", baseline: { errorRate: 0, p99Ms: 100 } }),
          receiving({ region: "ap", baseline: { errorRate: 0, p99Ms: 100 } }),
        ],
      }),
      drainModel({
        model: "ranker",
        receiving: [receiving({ region: "eu", baseline: { errorRate: 0, p99Ms: 100 } })],
      }),
    ];
    const r = judgeReceiving(models, [
      sample({ region: "eu", errorRate: 0.1, p99Ms: 300 }),
      sample({ region: "ap", errorRate: 0, p99Ms: 100 }),
      sample({ model: "ranker", region: "eu", errorRate: 0.2, p99Ms: 400 }),
    ]);
    expect(r).toEqual({
      ok: false,
      reason:
        "Receiving regions degraded: fraud-scorer in eu: error rate 10.00%, over 0.50% (baseline 0.00% + 0.50%); " +
        "fraud-scorer in eu: p99 300 ms, over 150 ms (baseline 100 ms); " +
        "ranker in eu: error rate 20.00%, over 0.50% (baseline 0.00% + 0.50%) and 1 more.",
    });
  });

  it("passes several healthy regions, in the plural", () => {
    const models = [
      drainModel({ receiving: [receiving({ region: "eu" }), receiving({ region: "ap" })] }),
    ];
    expect(judgeReceiving(models, [sample({ region: "eu" }), sample({ region: "ap" })])).toEqual({
      ok: true,
      summary: "Analysis passed: 2 receiving regions within their baseline error rate and latency.",
    });
  });
});

describe("nextDrainStep", () => {
  const NOW = 1_000_000_000;
  const progress = (over: Partial<DrainProgress> = {}): DrainProgress => ({
    region: "us",
    kind: "drain",
    phase: "draining",
    steps: STEPS,
    stepSeconds: 60,
    stepIndex: -1,
    stepAppliedAt: null,
    prepared: true,
    ...over,
  });
  const apply = (s: DrainStep) => {
    if (s.kind !== "apply") throw new Error(`expected apply, got ${s.kind}`);
    return s;
  };
  const before = (us?: number) =>
    drainModel({ dialsBefore: us === undefined ? { eu: 100 } : { us, eu: 100 } });

  for (const kind of ["drain", "failover"] as const) {
    describe(`a ${kind}`, () => {
      it("does nothing once drained or undrained", () => {
        for (const phase of ["drained", "undrained"] as const) {
          for (const prepared of [true, false]) {
            expect(
              nextDrainStep(
                progress({ kind, phase, prepared, stepIndex: 3, stepAppliedAt: NOW }),
                NOW,
              ),
            ).toEqual({ kind: "none" });
          }
        }
      });

      it("raises the autoscalers before anything moves", () => {
        expect(nextDrainStep(progress({ kind, prepared: false }), NOW)).toEqual({
          kind: "raise-autoscalers",
        });
        expect(
          nextDrainStep(progress({ kind, prepared: false, stepIndex: 1, stepAppliedAt: 0 }), NOW),
        ).toEqual({ kind: "raise-autoscalers" });
      });

      it("applies the first step once prepared, at the step's dial or lower", () => {
        const s = apply(nextDrainStep(progress({ kind }), NOW));
        expect(s.index).toBe(0);
        expect(s.dial(before(100))).toBe(75);
        expect(s.dial(before(40))).toBe(40);
        expect(s.dial(before())).toBe(75);
      });

      it("holds a step for its seconds", () => {
        const p = progress({ kind, stepIndex: 0, stepAppliedAt: NOW - 59_999 });
        expect(nextDrainStep(p, NOW)).toEqual({ kind: "wait", reason: "holding step 1 of 4" });
        expect(nextDrainStep(progress({ kind, stepIndex: 2, stepAppliedAt: NOW }), NOW)).toEqual({
          kind: "wait",
          reason: "holding step 3 of 4",
        });
      });

      it("analyses a step held long enough, then goes on to the next", () => {
        expect(
          nextDrainStep(progress({ kind, stepIndex: 0, stepAppliedAt: NOW - 60_000 }), NOW),
        ).toEqual({ kind: "analyse", then: "next" });
        expect(
          nextDrainStep(progress({ kind, stepIndex: 2, stepAppliedAt: NOW - 120_000 }), NOW),
        ).toEqual({ kind: "analyse", then: "next" });
      });

      it("analyses the last step, then is drained", () => {
        expect(
          nextDrainStep(progress({ kind, stepIndex: 3, stepAppliedAt: NOW - 60_000 }), NOW),
        ).toEqual({ kind: "analyse", then: "drained" });
        expect(
          nextDrainStep(
            progress({ kind, steps: [100], stepIndex: 0, stepAppliedAt: NOW - 60_000 }),
            NOW,
          ),
        ).toEqual({ kind: "analyse", then: "drained" });
      });

      it("does not hold a step with no time applied, nor with zero seconds", () => {
        expect(nextDrainStep(progress({ kind, stepIndex: 1, stepAppliedAt: null }), NOW)).toEqual({
          kind: "analyse",
          then: "next",
        });
        expect(
          nextDrainStep(progress({ kind, stepSeconds: 0, stepIndex: 1, stepAppliedAt: NOW }), NOW),
        ).toEqual({ kind: "analyse", then: "next" });
      });

      it("undrains one step back at a time once the step held", () => {
        const p = progress({
          kind,
          phase: "undraining",
          stepIndex: 3,
          stepAppliedAt: NOW - 60_000,
        });
        const s = apply(nextDrainStep(p, NOW));
        expect(s.index).toBe(2);
        expect(s.dial(before(100))).toBe(25);
        expect(s.dial(before(10))).toBe(10);
        const s1 = apply(nextDrainStep({ ...p, stepIndex: 1, stepAppliedAt: NOW - 60_000 }, NOW));
        expect(s1.index).toBe(0);
        expect(s1.dial(before(100))).toBe(75);
      });

      it("steps back past the first step to the dials before the drain", () => {
        const s = apply(
          nextDrainStep(
            progress({ kind, phase: "undraining", stepIndex: 0, stepAppliedAt: NOW - 60_000 }),
            NOW,
          ),
        );
        expect(s.index).toBe(-1);
        expect(s.dial(before(100))).toBe(100);
        expect(s.dial(before(40))).toBe(40);
        expect(s.dial(before())).toBe(100);
      });

      it("holds while traffic returns", () => {
        expect(
          nextDrainStep(
            progress({ kind, phase: "undraining", stepIndex: 2, stepAppliedAt: NOW - 1_000 }),
            NOW,
          ),
        ).toEqual({ kind: "wait", reason: "holding while traffic returns" });
      });

      it("undrains at once from a step never applied", () => {
        const s = apply(
          nextDrainStep(
            progress({ kind, phase: "undraining", stepIndex: 2, stepAppliedAt: null }),
            NOW,
          ),
        );
        expect(s.index).toBe(1);
      });

      it("restores once back before the first step", () => {
        for (const stepAppliedAt of [null, NOW, NOW - 60_000]) {
          expect(
            nextDrainStep(
              progress({ kind, phase: "undraining", stepIndex: -1, stepAppliedAt }),
              NOW,
            ),
          ).toEqual({ kind: "restore" });
        }
      });
    });
  }
});
