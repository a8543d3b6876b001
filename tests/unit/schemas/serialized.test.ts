import { describe, expect, expectTypeOf, it } from "vitest";
import { serialize, type Serialized } from "@/lib/schemas/serialized";

describe("Serialized", () => {
  it("turns dates into ISO strings all the way down, and leaves the rest", () => {
    const at = new Date("2026-11-29T10:30:00.000Z");
    const value = {
      at,
      maybe: null as Date | null,
      steps: [{ startedAt: at, weight: 20 }],
      target: { name: "ranker" } as { name: string } | null,
      can: { pause: true },
    };
    const json = serialize(value);
    expectTypeOf(json).toEqualTypeOf<{
      at: string;
      maybe: string | null;
      steps: { startedAt: string; weight: number }[];
      target: { name: string } | null;
      can: { pause: boolean };
    }>();
    expect(json).toEqual({
      at: "2026-11-29T10:30:00.000Z",
      maybe: null,
      steps: [{ startedAt: "2026-11-29T10:30:00.000Z", weight: 20 }],
      target: { name: "ranker" },
      can: { pause: true },
    });
    expectTypeOf<Serialized<Date[]>>().toEqualTypeOf<string[]>();
  });
});
