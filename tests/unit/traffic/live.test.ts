import { describe, expect, it } from "vitest";
import { LIVE_TRAFFIC_ROWS, worstFirst, type LiveRow } from "@/lib/domain/traffic/live";

const row = (model: string, errorRate: number | null, p99Ms: number | null, rps = 10): LiveRow => ({
  model,
  rps,
  errorRate,
  p99Ms,
});

describe("the Overview's live traffic, worst first", () => {
  it("puts the highest error rate first, then the slowest, the busiest, and the name", () => {
    const rows = [
      row("a", 0.001, 50),
      row("b", 0.2, 40),
      row("c", 0.001, 90),
      row("d", 0.001, 90, 50),
      row("e", 0.001, 90, 50),
    ];
    expect(worstFirst(rows).shown.map((r) => r.model)).toEqual(["b", "d", "e", "c", "a"]);
  });

  it("lists models without figures (no requests) after those with them", () => {
    const rows = [row("idle", null, null, 0), row("ok", 0, 30), row("slow-unknown", 0, null)];
    expect(worstFirst(rows).shown.map((r) => r.model)).toEqual(["ok", "slow-unknown", "idle"]);
  });

  it("shows at most the limit and says how many there were", () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(`m${i}`, i / 1000, 10));
    const { shown, total } = worstFirst(rows);
    expect(total).toBe(300);
    expect(shown).toHaveLength(LIVE_TRAFFIC_ROWS);
    expect(shown[0]?.model).toBe("m299");
    expect(worstFirst(rows, 0).shown).toEqual([]);
    expect(worstFirst([], 5)).toEqual({ shown: [], total: 0 });
  });

  it("leaves the rows it was given in their order", () => {
    const rows = [row("a", 0, 1), row("b", 1, 1)];
    worstFirst(rows);
    expect(rows.map((r) => r.model)).toEqual(["a", "b"]);
  });
});
