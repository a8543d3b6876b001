import { describe, expect, it } from "vitest";
import { createRng } from "../../../prisma/seed/rng";

describe("seeded RNG", () => {
  it("repeats the same sequence for the same seed", () => {
    const a = createRng(42);
    const b = createRng(42);
    const seqA = Array.from({ length: 100 }, () => a.next());
    const seqB = Array.from({ length: 100 }, () => b.next());
    expect(seqA).toEqual(seqB);
  });

  it("differs between seeds and stays in [0, 1)", () => {
    const a = createRng(1);
    const b = createRng(2);
    const values = Array.from({ length: 1000 }, () => a.next());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(values.slice(0, 5)).not.toEqual(Array.from({ length: 5 }, () => b.next()));
  });

  it("keeps int() within its inclusive bounds", () => {
    const r = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(r.int(3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });
});
