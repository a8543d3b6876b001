// GPUs per node when the platform does not say: a pool scaled to zero takes its recorded shape,
// and without one its placement is unknown, never "too large" (one GPU per node assumed).
import { describe, expect, it } from "vitest";
import { placeGang } from "@/lib/domain/capacity/placement";
import { gpusPerNodeOf, type NodeGpus, type PoolCapacity } from "@/lib/domain/capacity/split";
import { poolsOf } from "@/server/capacity/pools";
import type { ClusterState, NodePoolState } from "@/lib/platform/types";

const node = (name: string, gpus: number): NodeGpus => ({
  name,
  gpus,
  allocatable: gpus,
  allocated: 0,
  serving: 0,
  training: 0,
});

describe("gpusPerNodeOf", () => {
  it("takes what the platform reports first", () => {
    expect(gpusPerNodeOf({ reported: 8, nodeGpus: [node("a", 4)], gpus: 4, nodes: 1 })).toBe(8);
  });

  it("else the largest node listed, not the mean of a mixed pool", () => {
    const nodeGpus = [node("a", 8), node("b", 4)];
    expect(gpusPerNodeOf({ nodeGpus, gpus: 12, nodes: 2 })).toBe(8);
    // a platform reporting 0 for a pool it has no node of does not hide the nodes it lists
    expect(gpusPerNodeOf({ reported: 0, nodeGpus, gpus: 12, nodes: 2, recorded: 2 })).toBe(8);
  });

  it("else the mean of its nodes, else the recorded shape", () => {
    expect(gpusPerNodeOf({ gpus: 16, nodes: 2, recorded: 4 })).toBe(8);
    expect(gpusPerNodeOf({ gpus: 0, nodes: 0, nodeGpus: [], recorded: 8 })).toBe(8);
    expect(gpusPerNodeOf({ reported: null, gpus: 0, nodes: 0, recorded: 8 })).toBe(8);
  });

  it("is 0 (unknown) when nothing says, whatever nonsense the figures hold", () => {
    expect(gpusPerNodeOf({ gpus: 0, nodes: 0 })).toBe(0);
    expect(gpusPerNodeOf({ gpus: 0, nodes: 0, nodeGpus: [], recorded: 0 })).toBe(0);
    expect(gpusPerNodeOf({ reported: Number.NaN, gpus: 0, nodes: 0, recorded: -8 })).toBe(0);
    expect(gpusPerNodeOf({ gpus: 0, nodes: 3 })).toBe(0);
  });
});

function emptyPool(over: Partial<PoolCapacity> = {}): PoolCapacity {
  return {
    cluster: "c1",
    region: "us-east-1",
    pool: "h100-spot",
    gpuType: "H100",
    gpusPerNode: 8,
    nodes: 0,
    maxNodes: 4,
    total: 0,
    allocatable: 0,
    allocated: 0,
    serving: null,
    training: null,
    nodeGpus: [],
    ...over,
  };
}

const ask = (gpus: number) => ({ gpus, gpuType: "H100" as const, team: null });

describe("a pool scaled to zero", () => {
  it("with a known shape: the autoscaler would add the whole nodes the gang takes", () => {
    const [p] = placeGang(ask(16), [emptyPool()], []).pools;
    expect(p).toMatchObject({ gpu: "scale-up", addNodes: 2, nodesNeeded: 2, gpusPerNode: 8 });
    const [one] = placeGang(ask(4), [emptyPool()], []).pools;
    expect(one).toMatchObject({ gpu: "scale-up", addNodes: 1 });
    // beyond its bound it is too small, as any pool
    const [big] = placeGang(ask(40), [emptyPool()], []).pools;
    expect(big).toMatchObject({ gpu: "too-large", nodesNeeded: 5 });
  });

  it("whose platform lists no nodes for it: empty, not unknown", () => {
    const [p] = placeGang(ask(16), [emptyPool({ nodeGpus: null })], []).pools;
    expect(p).toMatchObject({ gpu: "scale-up", addNodes: 2 });
  });

  it("without a known shape: unknown, not too large", () => {
    const answer = placeGang(ask(16), [emptyPool({ gpusPerNode: 0 })], []);
    const [p] = answer.pools;
    expect(p).toMatchObject({ gpu: "unknown", fits: false, nodesNeeded: 0, addNodes: null });
    expect(p!.summary).toMatch(/GPUs per node are not known/);
    expect(answer.summary).not.toMatch(/as one gang/);
    // a gang of one GPU as well: the pool's nodes might be any size
    expect(placeGang(ask(1), [emptyPool({ gpusPerNode: 0 })], []).pools[0]!.gpu).toBe("unknown");
  });
});

describe("poolsOf", () => {
  const pool = (over: Partial<NodePoolState>): NodePoolState => ({
    name: "h100-spot",
    gpuType: "H100",
    nodes: 0,
    readyNodes: 0,
    unhealthyNodes: [],
    scalingUp: false,
    minNodes: 0,
    maxNodes: 4,
    gpus: 0,
    allocatable: 0,
    allocated: 0,
    utilization: null,
    gpuNodes: [],
    ...over,
  });
  const cluster = (pools: NodePoolState[]): ClusterState => ({
    name: "c1",
    region: "us-east-1",
    status: "healthy",
    pools,
  });

  it("takes a pool scaled to zero's GPUs per node from the recorded shapes, else 0", () => {
    const clusters = [cluster([pool({}), pool({ name: "h100-other" })])];
    const recorded = new Map([["c1/h100-spot", 8]]);
    expect(poolsOf(clusters, recorded).map((p) => [p.pool, p.gpusPerNode])).toEqual([
      ["h100-spot", 8],
      ["h100-other", 0],
    ]);
    expect(poolsOf(clusters).map((p) => p.gpusPerNode)).toEqual([0, 0]);
  });

  it("prefers the live figures to the recorded shape", () => {
    const live = pool({ nodes: 2, gpus: 16, gpuNodes: [node("a", 8), node("b", 8)] });
    expect(poolsOf([cluster([live])], new Map([["c1/h100-spot", 4]]))[0]!.gpusPerNode).toBe(8);
  });
});
