import { describe, expect, it } from "vitest";
import {
  REVIEW_ROWS_PER_TEAM,
  reviewRowsShown,
  type RankedSlo,
} from "@/lib/domain/slos/review-exceptions";

const slo = (name: string, met: boolean | null, consumed: number | null): RankedSlo => ({
  slo: name,
  met,
  consumed,
});

describe("the review's rows of a team", () => {
  it("lists every SLO, in its own order, when they fit", () => {
    const rows = [slo("b", true, 0.1), slo("a", false, 2)];
    const { shown, hidden } = reviewRowsShown(rows, 2);
    expect(shown).toBe(rows);
    expect(hidden).toBe(0);
  });

  it("lists misses first (most spent first), then no data, then the most budget spent", () => {
    const rows = [
      slo("ok-low", true, 0.05),
      slo("ok-high", true, 0.9),
      slo("missed-a", false, 1.2),
      slo("missed-b", false, 3),
      slo("quiet", null, null),
      slo("ok-tie-b", true, 0.5),
      slo("ok-tie-a", true, 0.5),
    ];
    expect(reviewRowsShown(rows, 6).shown.map((r) => r.slo)).toEqual([
      "missed-b",
      "missed-a",
      "quiet",
      "ok-high",
      "ok-tie-a",
      "ok-tie-b",
    ]);
    expect(reviewRowsShown(rows, 6).hidden).toBe(1);
  });

  it("keeps every miss it has room for, and no more than the limit", () => {
    const rows = Array.from({ length: 33 }, (_, i) => slo(`s${i}`, i % 3 !== 0, i / 10));
    const { shown, hidden } = reviewRowsShown(rows);
    expect(shown).toHaveLength(REVIEW_ROWS_PER_TEAM);
    expect(hidden).toBe(33 - REVIEW_ROWS_PER_TEAM);
    expect(shown.every((r) => r.met === false)).toBe(true);
    expect(reviewRowsShown(rows, 0)).toEqual({ shown: [], hidden: 33 });
  });
});
