// Placement when moving work cannot free the nodes a gang needs (nodes with failed GPUs or down
// can never become whole), and the order of fragmented pools whose moved work has nowhere to go.
import { describe, expect, it } from "vitest";
import { placeGang } from "@/lib/domain/capacity/placement";
import type { NodeGpus, PoolCapacity } from "@/lib/domain/capacity/split";

/** A node of 8 GPUs holding `allocated` (training), `allocatable` of them working. */
const node = (name: string, allocated: number, allocatable = 8): NodeGpus => ({
  name,
  gpus: 8,
  allocatable,
  allocated,
  serving: 0,
  training: allocated,
});

function pool(cluster: string, list: NodeGpus[], maxNodes = list.length): PoolCapacity {
  return {
    cluster,
    region: "us-east-1",
    pool: "h100-pool",
    gpuType: "H100",
    gpusPerNode: 8,
    nodes: list.length,
    maxNodes,
    total: list.length * 8,
    allocatable: list.reduce((s, n) => s + n.allocatable, 0),
    allocated: list.reduce((s, n) => s + n.allocated, 0),
    serving: 0,
    training: list.reduce((s, n) => s + n.training, 0),
    nodeGpus: list,
  };
}

const ask = (gpus: number) => ({ gpus, gpuType: "H100" as const, team: null });

describe("a pool whose free GPUs no move can make whole", () => {
  // one whole node and one with a failed GPU: 8 + 7 = 15 free, but only one node can be whole
  const failed = () => [node("n-0", 0), node("n-1", 0, 7)];

  it("is short, not fragmented, when the pool cannot grow", () => {
    const [p] = placeGang(ask(15), [pool("c1", failed())], []).pools;
    expect(p).toMatchObject({ gpu: "short", fits: false, free: 15, moves: null, addNodes: null });
    expect(p!.summary).toBe(
      "15 GPUs are free, but moving work cannot make 2 whole nodes of them (nodes down or with failed GPUs), and the pool cannot grow enough.",
    );
  });

  it("needs new nodes when the autoscaler can add the one it lacks", () => {
    const [p] = placeGang(ask(15), [pool("c1", failed(), 3)], []).pools;
    expect(p).toMatchObject({ gpu: "scale-up", addNodes: 1, moves: null });
    expect(p!.summary).toMatch(/moving work cannot make 2 whole nodes .*: the autoscaler would/);
  });

  it("a gang of one node: no node has 8 working GPUs, however much is free", () => {
    const list = [node("n-0", 0, 7), node("n-1", 0, 7), node("n-2", 8, 0)];
    const [p] = placeGang(ask(8), [pool("c1", list, 4)], []).pools;
    expect(p).toMatchObject({ gpu: "scale-up", addNodes: 1, free: 14, moves: null });
    expect(p!.summary).toMatch(/^14 GPUs are free, but moving work cannot make 8 GPUs on one node/);
    const [q] = placeGang(ask(8), [pool("c1", list)], []).pools;
    expect(q).toMatchObject({ gpu: "short", moves: null });
  });

  it("stays fragmented when a node that can be freed exists besides the failed one", () => {
    const [p] = placeGang(
      ask(15),
      [pool("c1", [node("n-0", 0), node("n-1", 0, 7), node("n-2", 4)])],
      [],
    ).pools;
    expect(p!.gpu).toBe("fragmented");
    expect(p!.moves).toMatchObject({ nodes: [{ name: "n-2", gpus: 4 }], gpus: 4 });
  });
});

describe("the order of pools", () => {
  // A gang of 12 takes two whole nodes of 8.
  // roomy: 4 + 4 + 8 free; freeing n-1 moves 4 GPUs that n-2's 4 free can take
  const roomy = pool("a-roomy", [node("n-0", 0), node("n-1", 4), node("n-2", 4)]);
  // cramped: 8 + 4 free; freeing n-1 moves 4 GPUs, and nothing else is free to take them
  const cramped = pool("b-cramped", [node("n-0", 0), node("n-1", 4)]);
  // grows: 8 free, the autoscaler can add the node it lacks
  const grows = pool("c-grows", [node("n-0", 0), node("n-1", 8)], 3);
  // full: 8 free, cannot grow
  const full = pool("d-full", [node("n-0", 0), node("n-1", 8)]);

  it("puts a fragmented pool whose moved work has nowhere to go after one that needs new nodes", () => {
    const answer = placeGang(ask(12), [full, cramped, grows, roomy], []);
    expect(answer.pools.map((p) => [p.cluster, p.gpu, p.moves?.roomElsewhere ?? null])).toEqual([
      ["a-roomy", "fragmented", true],
      ["c-grows", "scale-up", null],
      ["b-cramped", "fragmented", false],
      ["d-full", "short", null],
    ]);
    expect(answer.pools[2]!.summary).toMatch(
      /frees room; the pool's other free GPUs cannot take them\.$/,
    );
    expect(answer.pools[0]!.summary).toMatch(
      /frees room; the pool's other free GPUs can take them\.$/,
    );
    expect(answer.summary).toMatch(/^No pool can take 12 H100 GPUs now\. Closest: a-roomy/);
  });
});
