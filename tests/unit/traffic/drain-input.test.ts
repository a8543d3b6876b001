import { describe, expect, it } from "vitest";
import { drainPlanSchema, startDrainSchema } from "@/lib/schemas/traffic";

const base = {
  region: "us-east-1",
  scope: "model",
  name: "ranker-xl",
  headroom: 20,
  reason: "maintenance",
};

describe("a drain's input", () => {
  it("holds each step at least 5 s, so the analysis sees the receiving regions after the move", () => {
    const zero = startDrainSchema.safeParse({ ...base, stepSeconds: 0 });
    expect(zero.success).toBe(false);
    expect(zero.error?.issues[0]?.path).toEqual(["stepSeconds"]);
    expect(zero.error?.issues[0]?.message).toMatch(/at least 5 s/);
    expect(startDrainSchema.safeParse({ ...base, stepSeconds: 4 }).success).toBe(false);
    expect(startDrainSchema.parse({ ...base, stepSeconds: 5 }).stepSeconds).toBe(5);
    expect(startDrainSchema.parse(base).stepSeconds).toBe(120);
  });

  it("takes a team by its name as the form offers it, and refuses control characters", () => {
    const team = { ...base, scope: "team", name: "Search & Ranking" };
    expect(startDrainSchema.parse(team).name).toBe("Search & Ranking");
    expect(drainPlanSchema.parse({ ...team, region: "us-east-1" }).name).toBe("Search & Ranking");
    const bad = startDrainSchema.safeParse({ ...team, name: "ranking\u0000" });
    expect(bad.error?.issues[0]?.path).toEqual(["name"]);
    expect(startDrainSchema.safeParse({ ...team, name: "  " }).success).toBe(false);
  });

  it("takes steps that rise and end at 100%", () => {
    expect(startDrainSchema.safeParse({ ...base, steps: [50, 25, 100] }).success).toBe(false);
    expect(startDrainSchema.safeParse({ ...base, steps: [25, 50] }).success).toBe(false);
    expect(startDrainSchema.parse({ ...base, steps: [100] }).steps).toEqual([100]);
  });
});
