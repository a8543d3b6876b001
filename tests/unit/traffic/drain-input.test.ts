import { describe, expect, it } from "vitest";
import { startDrainSchema } from "@/lib/schemas/traffic";

const base = {
  region: "us-east-1",
  scope: "model",
  name: "ranker-xl",
  headroom: 20,
  reason: "maintenance",
};

describe("a drain's input", () => {
  it("holds each step at least 30 s, so the analysis sees the receiving regions after the move", () => {
    const zero = startDrainSchema.safeParse({ ...base, stepSeconds: 0 });
    expect(zero.success).toBe(false);
    expect(zero.error?.issues[0]?.path).toEqual(["stepSeconds"]);
    expect(zero.error?.issues[0]?.message).toMatch(/at least 30 s/);
    expect(startDrainSchema.safeParse({ ...base, stepSeconds: 29 }).success).toBe(false);
    expect(startDrainSchema.parse({ ...base, stepSeconds: 30 }).stepSeconds).toBe(30);
    expect(startDrainSchema.parse(base).stepSeconds).toBe(120);
  });

  it("takes steps that rise and end at 100%", () => {
    expect(startDrainSchema.safeParse({ ...base, steps: [50, 25, 100] }).success).toBe(false);
    expect(startDrainSchema.safeParse({ ...base, steps: [25, 50] }).success).toBe(false);
    expect(startDrainSchema.parse({ ...base, steps: [100] }).steps).toEqual([100]);
  });
});
