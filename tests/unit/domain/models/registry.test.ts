import { describe, expect, it } from "vitest";
import {
  compareEvalMetrics,
  compareLineage,
  defaultComparison,
  evalMetricsOf,
  metricDirection,
  placementMatrix,
  primaryMetrics,
  servingProduction,
  sharedEnvironments,
  type Lineage,
  type Placement,
} from "@/lib/domain/models/registry";

describe("metricDirection", () => {
  it.each([
    ["ndcg@10", "higher"],
    ["recall@100", "higher"],
    ["f1", "higher"],
    ["auc", "higher"],
    ["win-rate", "higher"],
    ["top1_accuracy", "higher"],
    ["1-wer", "higher"],
    ["calibration_ece", "lower"],
    ["p99_latency_ms", "lower"],
    ["val_loss", "lower"],
    ["wer", "lower"],
    ["eval_examples", "neutral"],
    ["params", "neutral"],
    // says both: no claim either way
    ["error_recall", "neutral"],
  ] as const)("%s improves when %s", (name, direction) => {
    expect(metricDirection(name)).toBe(direction);
  });
});

describe("evalMetricsOf", () => {
  it("keeps finite numbers, quality metrics first, then costs, then the rest", () => {
    expect(
      evalMetricsOf({
        eval_examples: 120000,
        p99_latency_ms: 97,
        "ndcg@10": 0.7421,
        calibration_ece: 0.021,
        note: "text",
        broken: null,
      }),
    ).toEqual([
      { name: "ndcg@10", value: 0.7421 },
      { name: "calibration_ece", value: 0.021 },
      { name: "p99_latency_ms", value: 97 },
      { name: "eval_examples", value: 120000 },
    ]);
  });

  it.each([null, 3, "x", [1, 2]])("reads %j as no metrics", (json) => {
    expect(evalMetricsOf(json)).toEqual([]);
  });

  it("picks the first few as the primary metrics", () => {
    const all = evalMetricsOf({ eval_examples: 1, auc: 0.9, mse: 0.2, f1: 0.8 });
    expect(primaryMetrics(all, 2).map((m) => m.name)).toEqual(["auc", "f1"]);
  });
});

describe("compareEvalMetrics", () => {
  const a = evalMetricsOf({
    "ndcg@10": 0.7389,
    calibration_ece: 0.03,
    eval_examples: 1000,
    f1: 0.5,
  });
  const b = evalMetricsOf({
    "ndcg@10": 0.7512,
    calibration_ece: 0.041,
    eval_examples: 1000,
    auc: 0.9,
  });
  const rows = compareEvalMetrics(a, b);
  const row = (name: string) => rows.find((r) => r.name === name);

  it("gives b − a at the inputs' precision, without float noise", () => {
    expect(row("ndcg@10")).toMatchObject({ delta: 0.0123, change: "better", direction: "higher" });
    expect(row("ndcg@10")?.relative).toBeCloseTo(0.0123 / 0.7389, 10);
  });

  it("calls a rise of a lower-is-better metric worse", () => {
    expect(row("calibration_ece")).toMatchObject({ delta: 0.011, change: "worse" });
  });

  it("marks equal values the same and one-sided metrics as such", () => {
    expect(row("eval_examples")).toMatchObject({ delta: 0, change: "same" });
    expect(row("f1")).toMatchObject({ a: 0.5, b: null, delta: null, change: "only_a" });
    expect(row("auc")).toMatchObject({ a: null, b: 0.9, delta: null, change: "only_b" });
  });

  it("does not judge a change of a neutral metric", () => {
    const [r] = compareEvalMetrics(evalMetricsOf({ params: 7 }), evalMetricsOf({ params: 8 }));
    expect(r).toMatchObject({ delta: 1, change: "changed" });
  });

  it("has no relative change from zero, and never a negative zero", () => {
    const [r] = compareEvalMetrics(evalMetricsOf({ loss: 0 }), evalMetricsOf({ loss: 0 }));
    expect(r?.relative).toBeNull();
    expect(Object.is(r?.delta, -0)).toBe(false);
  });
});

describe("compareLineage", () => {
  const base: Lineage = {
    trainingRunId: "run-1",
    datasetDigest: `sha256:${"a".repeat(64)}`,
    codeCommit: "1".repeat(40),
    baseImageDigest: `registry/base@sha256:${"b".repeat(64)}`,
    imageDigest: `registry/m@sha256:${"c".repeat(64)}`,
    artifactUri: "s3://bucket/m/1",
  };

  it("marks each field same or different, in a fixed order", () => {
    const diff = compareLineage(base, { ...base, codeCommit: "2".repeat(40) });
    expect(diff.map((d) => [d.key, d.same])).toEqual([
      ["trainingRunId", true],
      ["datasetDigest", true],
      ["codeCommit", false],
      ["baseImageDigest", true],
      ["imageDigest", true],
      ["artifactUri", true],
    ]);
    expect(diff.filter((d) => d.digest).map((d) => d.key)).toEqual([
      "datasetDigest",
      "codeCommit",
      "baseImageDigest",
      "imageDigest",
    ]);
  });
});

const place = (p: Partial<Placement> & Pick<Placement, "tier" | "region" | "version">) => ({
  environment: `${p.tier}/${p.region}`,
  cluster: `c-${p.region}`,
  trafficWeight: 100,
  replicas: 2,
  readyReplicas: 2,
  ...p,
});

describe("where a model runs", () => {
  const canary = [
    place({ tier: "production", region: "us-east-1", version: "1.0.0", trafficWeight: 90 }),
    place({ tier: "production", region: "us-east-1", version: "1.1.0", trafficWeight: 10 }),
    place({ tier: "production", region: "eu-west-1", version: "1.0.0" }),
    place({ tier: "staging", region: "us-east-1", version: "1.1.0" }),
  ];

  it("lays placements out as tier × region, the larger share first", () => {
    const m = placementMatrix(canary, ["us-east-1", "us-west-2"]);
    // A region the fleet list lacks still shows, after the known ones.
    expect(m.regions).toEqual(["us-east-1", "us-west-2", "eu-west-1"]);
    expect(m.rows.map((r) => r.tier)).toEqual(["staging", "production"]);
    const prodEast = m.rows[1]?.cells[0];
    expect(prodEast?.environment).toBe("production/us-east-1");
    expect(prodEast?.placements.map((p) => [p.version, p.trafficWeight])).toEqual([
      ["1.0.0", 90],
      ["1.1.0", 10],
    ]);
    expect(m.rows[0]?.cells[1]?.placements).toEqual([]);
  });

  it("finds the version serving production and the environments two versions share", () => {
    expect(servingProduction(canary)).toBe("1.0.0");
    expect(servingProduction(canary.filter((p) => p.tier === "staging"))).toBeNull();
    expect(sharedEnvironments(canary, "1.0.0", "1.1.0")).toEqual(["production/us-east-1"]);
    expect(sharedEnvironments(canary, "1.0.0", "2.0.0")).toEqual([]);
    // A version at 0% does not serve traffic there.
    const drained = canary.map((p) => (p.version === "1.1.0" ? { ...p, trafficWeight: 0 } : p));
    expect(sharedEnvironments(drained, "1.0.0", "1.1.0")).toEqual([]);
  });

  it("compares production with the newest by default, or the newest with the one before", () => {
    expect(defaultComparison(["2.0.0", "1.1.0", "1.0.0"], "1.0.0")).toEqual({
      a: "1.0.0",
      b: "2.0.0",
    });
    expect(defaultComparison(["2.0.0", "1.1.0"], "2.0.0")).toEqual({ a: "1.1.0", b: "2.0.0" });
    expect(defaultComparison(["2.0.0", "1.1.0"], null)).toEqual({ a: "1.1.0", b: "2.0.0" });
    expect(defaultComparison(["1.0.0"], "1.0.0")).toEqual({ a: null, b: "1.0.0" });
    expect(defaultComparison([], null)).toEqual({ a: null, b: null });
  });
});

describe("compareEvalMetrics with the model's thresholds", () => {
  it("takes the direction a threshold gives over the name's guess", () => {
    const a = [{ name: "win-rate", value: 0.5 }];
    const b = [{ name: "win-rate", value: 0.55 }];
    expect(compareEvalMetrics(a, b)[0]?.change).toBe(
      metricDirection("win-rate") === "neutral" ? "changed" : "better",
    );
    expect(compareEvalMetrics(a, b, new Map([["win-rate", "higher"]]))[0]).toMatchObject({
      direction: "higher",
      change: "better",
    });
    expect(compareEvalMetrics(a, b, new Map([["win-rate", "lower"]]))[0]?.change).toBe("worse");
  });
});
