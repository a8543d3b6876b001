import { describe, expect, it } from "vitest";
import {
  addSplits,
  emptySplit,
  fleetSplit,
  poolSplit,
  share,
  SPLIT_KEYS,
  splitBy,
  type PoolCapacity,
} from "@/lib/domain/capacity/split";

const pool = (over: Partial<PoolCapacity> = {}): PoolCapacity => ({
  cluster: "c1",
  region: "us-east-1",
  pool: "h100-pool",
  gpuType: "H100",
  gpusPerNode: 8,
  nodes: 4,
  maxNodes: 8,
  total: 32,
  allocatable: 24,
  allocated: 20,
  serving: 8,
  training: 10,
  nodeGpus: null,
  ...over,
});

const parts = (s: ReturnType<typeof poolSplit>) => SPLIT_KEYS.reduce((n, k) => n + s[k], 0);

describe("poolSplit", () => {
  it("splits a pool five ways that add up to its total", () => {
    const s = poolSplit(pool());
    expect(s).toEqual({ total: 32, serving: 8, training: 10, other: 2, idle: 4, unavailable: 8 });
    expect(parts(s)).toBe(s.total);
  });

  it("counts allocated GPUs as other when the platform does not classify them", () => {
    expect(poolSplit(pool({ serving: null, training: null }))).toMatchObject({
      serving: 0,
      training: 0,
      other: 20,
    });
  });

  it("is all zero for an empty pool", () => {
    expect(
      poolSplit(pool({ total: 0, allocatable: 0, allocated: 0, serving: 0, training: 0 })),
    ).toEqual(emptySplit());
  });

  it("clamps figures that do not add up, so the parts never exceed the total", () => {
    // allocatable above the total, allocated above allocatable, serving + training above allocated
    const s = poolSplit(
      pool({ total: 16, allocatable: 20, allocated: 18, serving: 12, training: 12 }),
    );
    expect(s).toEqual({ total: 16, serving: 12, training: 4, other: 0, idle: 0, unavailable: 0 });
    expect(parts(s)).toBe(16);
  });

  it("treats negative and non-finite figures as zero", () => {
    const s = poolSplit(
      pool({ total: 8, allocatable: -1, allocated: Number.NaN, serving: -3, training: 2 }),
    );
    expect(s).toEqual({ total: 8, serving: 0, training: 0, other: 0, idle: 0, unavailable: 8 });
  });

  it("a whole pool unavailable (every node NotReady) is all unavailable", () => {
    expect(
      poolSplit(pool({ allocatable: 0, allocated: 0, serving: 0, training: 0 })),
    ).toMatchObject({
      unavailable: 32,
      idle: 0,
    });
  });
});

describe("sums and groups", () => {
  it("adds splits part by part", () => {
    const a = poolSplit(pool());
    expect(addSplits(a, a)).toEqual({
      total: 64,
      serving: 16,
      training: 20,
      other: 4,
      idle: 8,
      unavailable: 16,
    });
    expect(addSplits(a, emptySplit())).toEqual(a);
  });

  it("groups pools by a key, the largest first, ties by key", () => {
    const pools = [
      pool({ cluster: "b", region: "eu", gpuType: "A100" }),
      pool({ cluster: "a", region: "us", gpuType: "H100" }),
      pool({ cluster: "c", region: "us", gpuType: "H100", total: 8, allocatable: 8, allocated: 0 }),
    ];
    const byRegion = splitBy(pools, (p) => p.region);
    expect(byRegion.map((g) => [g.key, g.pools, g.split.total])).toEqual([
      ["us", 2, 40],
      ["eu", 1, 32],
    ]);
    const byCluster = splitBy(pools, (p) => p.cluster);
    expect(byCluster.map((g) => g.key)).toEqual(["a", "b", "c"]);
    expect(fleetSplit(pools).total).toBe(72);
    expect(splitBy([], (p) => p.cluster)).toEqual([]);
  });

  it("shares are fractions of the total, and 0 of nothing", () => {
    expect(share(poolSplit(pool()), "unavailable")).toBe(0.25);
    expect(share(emptySplit(), "idle")).toBe(0);
  });
});
