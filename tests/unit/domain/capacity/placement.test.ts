import { describe, expect, it } from "vitest";
import {
  MAX_PLACEMENT_GPUS,
  placeGang,
  placementRequestError,
  type TeamNamespace,
} from "@/lib/domain/capacity/placement";
import type { NodeGpus, PoolCapacity } from "@/lib/domain/capacity/split";

/** Nodes of 8 GPUs, holding these many GPUs each (training unless said). */
function nodes(prefix: string, allocated: number[], serving: number[] = []): NodeGpus[] {
  return allocated.map((a, i) => ({
    name: `${prefix}-${i}`,
    gpus: 8,
    allocatable: 8,
    allocated: a,
    serving: serving[i] ?? 0,
    training: a - (serving[i] ?? 0),
  }));
}

function pool(cluster: string, list: NodeGpus[], over: Partial<PoolCapacity> = {}): PoolCapacity {
  const allocatable = list.reduce((s, n) => s + n.allocatable, 0);
  const allocated = list.reduce((s, n) => s + n.allocated, 0);
  return {
    cluster,
    region: "us-east-1",
    pool: "h100-pool",
    gpuType: "H100",
    gpusPerNode: 8,
    nodes: list.length,
    maxNodes: list.length,
    total: list.length * 8,
    allocatable,
    allocated,
    serving: list.reduce((s, n) => s + n.serving, 0),
    training: list.reduce((s, n) => s + n.training, 0),
    nodeGpus: list,
    ...over,
  };
}

const ns = (
  cluster: string,
  team: string,
  quota: number,
  used: number,
  namespace = `${team}-training`,
): TeamNamespace => ({
  cluster,
  namespace,
  team,
  quota,
  used,
});

const ask = (gpus: number, team: string | null = "ranking", gpuType: "H100" | "A100" = "H100") => ({
  gpus,
  gpuType,
  team,
});

describe("the request", () => {
  it("refuses zero, negative, fractional and absurd sizes", () => {
    expect(placementRequestError({ gpus: 0 })).toMatch(/at least 1/);
    expect(placementRequestError({ gpus: -8 })).toMatch(/at least 1/);
    expect(placementRequestError({ gpus: 1.5 })).toMatch(/whole number/);
    expect(placementRequestError({ gpus: MAX_PLACEMENT_GPUS + 1 })).toMatch(/at most/);
    expect(placementRequestError({ gpus: 1 })).toBeNull();
    expect(placementRequestError({ gpus: MAX_PLACEMENT_GPUS })).toBeNull();
    expect(() => placeGang(ask(0), [], [])).toThrow(RangeError);
  });
});

describe("placeGang", () => {
  it("exact fit: 16 GPUs on exactly two whole free nodes within quota", () => {
    const answer = placeGang(
      ask(16),
      [pool("c1", nodes("c1", [8, 0, 0, 8]))],
      [ns("c1", "ranking", 64, 48)],
    );
    expect(answer.fitting).toBe(1);
    const [p] = answer.pools;
    expect(p).toMatchObject({
      gpu: "fits",
      fits: true,
      nodes: ["c1-1", "c1-2"],
      nodesNeeded: 2,
      quota: { kind: "ok", namespace: "ranking-training", left: 16, increase: 0 },
      moves: null,
    });
    expect(p!.summary).toMatch(/Fits on c1-1, c1-2/);
    expect(answer.summary).toBe("1 pool can take 16 H100 GPUs for ranking now.");
  });

  it("a gang that fits one node goes on the tightest node", () => {
    const [p] = placeGang(ask(4, null), [pool("c1", nodes("c1", [0, 4, 2]))], []).pools;
    expect(p).toMatchObject({
      fits: true,
      nodes: ["c1-1"],
      nodesNeeded: 1,
      quota: { kind: "unchecked" },
    });
  });

  it("fragmentation: enough free GPUs in total, not on whole nodes, says what would move", () => {
    // 4 + 4 + 6 + 2 = 16 free, no whole node; the two emptiest nodes hold 2 and 4 GPUs
    const list = nodes("c1", [4, 4, 2, 6], [0, 4, 2, 0]);
    const [p] = placeGang(ask(16, null), [pool("c1", list)], []).pools;
    expect(p).toMatchObject({ gpu: "fragmented", fits: false, free: 16, wholeNodesFree: 0 });
    expect(p!.moves).toEqual({
      nodes: [
        { name: "c1-2", gpus: 2, serving: 2, training: 0, other: 0 },
        { name: "c1-0", gpus: 4, serving: 0, training: 4, other: 0 },
      ],
      gpus: 6,
      roomElsewhere: true,
    });
    expect(p!.summary).toMatch(/^Fragmented: 16 GPUs are free, but only 0 whole nodes/);
  });

  it("fragmentation with room: the moved GPUs fit on the pool's other free GPUs", () => {
    // one whole node, and 2 + 6 + 6 + 6 free elsewhere; needs one more whole node
    const list = nodes("c1", [0, 6, 2, 2, 2]);
    const [p] = placeGang(ask(16, null), [pool("c1", list)], []).pools;
    expect(p!.gpu).toBe("fragmented");
    expect(p!.moves).toMatchObject({
      nodes: [{ name: "c1-2", gpus: 2 }],
      gpus: 2,
      roomElsewhere: true,
    });
  });

  it("fragmentation of a small gang: the fewest GPUs to move off one node", () => {
    const [p] = placeGang(ask(6, null), [pool("c1", nodes("c1", [4, 3, 4]))], []).pools;
    expect(p!.gpu).toBe("fragmented");
    expect(p!.moves).toMatchObject({
      nodes: [{ name: "c1-1", gpus: 1 }],
      gpus: 1,
      roomElsewhere: true,
    });
  });

  it("quota the only blocker: GPUs free, the team's namespace has too little left", () => {
    const answer = placeGang(
      ask(16),
      [pool("c1", nodes("c1", [0, 0]))],
      [ns("c1", "ranking", 32, 24)],
    );
    const [p] = answer.pools;
    expect(p).toMatchObject({
      gpu: "fits",
      fits: false,
      quota: { kind: "short", left: 8, increase: 8 },
    });
    expect(p!.summary).toMatch(/quota blocks it.*needs 8 more/);
    expect(answer.fitting).toBe(0);
  });

  it("uses the team's namespace with the most quota left, and says when the team has none", () => {
    const two = [ns("c1", "ranking", 16, 16, "ranking-a"), ns("c1", "ranking", 32, 8, "ranking-b")];
    const [p] = placeGang(ask(16), [pool("c1", nodes("c1", [0, 0]))], two).pools;
    expect(p!.quota).toMatchObject({ kind: "ok", namespace: "ranking-b", left: 24 });
    const [q] = placeGang(
      ask(16),
      [pool("c1", nodes("c1", [0, 0]))],
      [ns("c1", "assistant", 64, 0)],
    ).pools;
    expect(q).toMatchObject({ fits: false, quota: { kind: "no-namespace" } });
    expect(q!.summary).toMatch(/ranking has no namespace on c1/);
  });

  it("a namespace over its quota has nothing left, not a negative amount", () => {
    const [p] = placeGang(
      ask(8),
      [pool("c1", nodes("c1", [0]))],
      [ns("c1", "ranking", 16, 20)],
    ).pools;
    expect(p!.quota).toMatchObject({ kind: "short", left: 0, increase: 8 });
  });

  it("larger than any pool: every pool is too small, and the answer names the largest", () => {
    const pools = [
      pool("c1", nodes("c1", [0, 0])),
      pool("c2", nodes("c2", [0, 0, 0]), { maxNodes: 4 }),
    ];
    const answer = placeGang(ask(64, null), pools, []);
    expect(answer.pools.every((p) => p.gpu === "too-large" && !p.fits)).toBe(true);
    expect(answer.summary).toBe("No pool can hold 64 H100 GPUs as one gang: the largest holds 32.");
  });

  it("short of GPUs: the autoscaler would add the whole nodes it lacks, within its bound", () => {
    const [p] = placeGang(
      ask(24, null),
      [pool("c1", nodes("c1", [0, 8, 8]), { maxNodes: 6 })],
      [],
    ).pools;
    expect(p).toMatchObject({ gpu: "scale-up", addNodes: 2, fits: false });
    const [q] = placeGang(
      ask(24, null),
      [pool("c1", nodes("c1", [0, 8, 8]), { maxNodes: 4 })],
      [],
    ).pools;
    expect(q).toMatchObject({ gpu: "short", addNodes: null });
  });

  it("mixed pools: only pools of the type asked, those that fit first, then the cheapest to fix", () => {
    const pools = [
      pool("a-short", nodes("a", [8, 8])),
      pool("b-quota", nodes("b", [0, 0, 0])),
      pool("c-fits", nodes("c", [8, 0, 0])),
      pool("d-a100", nodes("d", [0, 0, 0]), { gpuType: "A100", pool: "a100-pool" }),
      pool("e-fragmented", nodes("e", [4, 4, 4, 4])),
      pool("f-fits-more-quota", nodes("f", [0, 0])),
    ];
    const quotas = [
      ns("a-short", "ranking", 64, 0),
      ns("b-quota", "ranking", 16, 8),
      ns("c-fits", "ranking", 32, 8),
      ns("e-fragmented", "ranking", 64, 0),
      ns("f-fits-more-quota", "ranking", 64, 0),
    ];
    const answer = placeGang(ask(16), pools, quotas);
    expect(answer.pools.map((p) => p.cluster)).toEqual([
      "f-fits-more-quota",
      "c-fits",
      "b-quota",
      "e-fragmented",
      "a-short",
    ]);
    expect(answer.fitting).toBe(2);
    expect(placeGang(ask(16, null, "A100"), pools, []).pools.map((p) => p.cluster)).toEqual([
      "d-a100",
    ]);
  });

  it("says so when no pool has the type", () => {
    const answer = placeGang(ask(8, null, "A100"), [pool("c1", nodes("c1", [0]))], []);
    expect(answer).toMatchObject({ pools: [], fitting: 0, summary: "No pool has A100 GPUs." });
  });

  it("a pool whose nodes the platform does not report is listed as unknown, never as a fit", () => {
    const [p] = placeGang(
      ask(8, null),
      [pool("c1", nodes("c1", [0]), { nodeGpus: null })],
      [],
    ).pools;
    expect(p).toMatchObject({ gpu: "unknown", fits: false, free: 8 });
  });

  it("nodes that are down are never chosen", () => {
    const list = nodes("c1", [0, 0]).map((n, i) => (i === 0 ? { ...n, allocatable: 0 } : n));
    const [p] = placeGang(ask(16, null), [pool("c1", list)], []).pools;
    expect(p!.fits).toBe(false);
    expect(p!.gpu).not.toBe("fits");
  });
});
