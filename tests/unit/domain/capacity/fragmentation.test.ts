import { describe, expect, it } from "vitest";
import {
  fragmentation,
  gangFit,
  nodeFree,
  nodesForGang,
  wholeFree,
} from "@/lib/domain/capacity/fragmentation";
import type { NodeGpus } from "@/lib/domain/capacity/split";

/** A node of 8 GPUs with `allocated` held; `allocatable` 0 when down. */
const node = (name: string, allocated: number, over: Partial<NodeGpus> = {}): NodeGpus => ({
  name,
  gpus: 8,
  allocatable: 8,
  allocated,
  serving: 0,
  training: allocated,
  ...over,
});

describe("nodes a gang takes", () => {
  it("one node up to a node's GPUs, whole nodes above", () => {
    expect(nodesForGang(1, 8)).toBe(1);
    expect(nodesForGang(8, 8)).toBe(1);
    expect(nodesForGang(9, 8)).toBe(2);
    expect(nodesForGang(16, 8)).toBe(2);
    expect(nodesForGang(17, 8)).toBe(3);
  });

  it("nothing for an empty gang or a pool without GPUs", () => {
    expect(nodesForGang(0, 8)).toBe(0);
    expect(nodesForGang(4, 0)).toBe(0);
  });
});

describe("free GPUs of a node", () => {
  it("is allocatable minus allocated, never below zero", () => {
    expect(nodeFree(node("a", 3))).toBe(5);
    expect(nodeFree(node("a", 9))).toBe(0);
  });

  it("is zero on a node that is down or cordoned (allocatable 0), even with nothing on it", () => {
    expect(nodeFree(node("a", 0, { allocatable: 0 }))).toBe(0);
    expect(wholeFree(node("a", 0, { allocatable: 0 }), 8)).toBe(false);
  });

  it("a node with failed GPUs is never whole", () => {
    expect(wholeFree(node("a", 0, { allocatable: 7 }), 8)).toBe(false);
    expect(wholeFree(node("a", 0), 8)).toBe(true);
    expect(wholeFree(node("a", 0), 0)).toBe(false);
  });
});

describe("gangFit", () => {
  it("places a small gang on the tightest node that holds it", () => {
    const nodes = [node("a", 0), node("b", 5), node("c", 4)];
    expect(gangFit(nodes, 8, 3)).toEqual({ fits: true, nodes: ["b"] });
    expect(gangFit(nodes, 8, 4)).toEqual({ fits: true, nodes: ["c"] });
    expect(gangFit(nodes, 8, 8)).toEqual({ fits: true, nodes: ["a"] });
  });

  it("places a large gang on whole free nodes only", () => {
    const nodes = [node("a", 0), node("b", 1), node("c", 0), node("d", 0)];
    expect(gangFit(nodes, 8, 16)).toEqual({ fits: true, nodes: ["a", "c"] });
    expect(gangFit(nodes, 8, 24)).toEqual({ fits: true, nodes: ["a", "c", "d"] });
    expect(gangFit(nodes, 8, 25).fits).toBe(false);
  });

  it("refuses an empty gang", () => {
    expect(gangFit([node("a", 0)], 8, 0)).toEqual({ fits: false, nodes: [] });
  });
});

describe("fragmentation", () => {
  it("counts free GPUs on partly used nodes as stranded", () => {
    // 4 + 4 + 2 free on partly used nodes, one whole node
    const f = fragmentation([node("a", 4), node("b", 4), node("c", 6), node("d", 0)], 8);
    expect(f).toEqual({
      free: 18,
      wholeNodesFree: 1,
      stranded: 10,
      largestGang: 8,
      index: 10 / 18,
    });
  });

  it("is zero for a pool whose free GPUs are all on whole nodes", () => {
    const f = fragmentation([node("a", 0), node("b", 0), node("c", 8)], 8);
    expect(f).toMatchObject({ free: 16, stranded: 0, largestGang: 16, index: 0 });
  });

  it("is zero, not a division by zero, for a full pool", () => {
    expect(fragmentation([node("a", 8)], 8)).toEqual({
      free: 0,
      wholeNodesFree: 0,
      stranded: 0,
      largestGang: 0,
      index: 0,
    });
    expect(fragmentation([], 8).index).toBe(0);
  });

  it("the largest gang is the most free on one node when no node is whole", () => {
    expect(fragmentation([node("a", 2), node("b", 5)], 8).largestGang).toBe(6);
  });

  it("ignores GPUs on nodes that are down", () => {
    const f = fragmentation([node("a", 0, { allocatable: 0 }), node("b", 4)], 8);
    expect(f).toMatchObject({ free: 4, wholeNodesFree: 0, stranded: 4 });
  });
});
