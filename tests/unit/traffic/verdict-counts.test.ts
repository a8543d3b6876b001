import { describe, expect, it } from "vitest";
import { verdictCountsText } from "@/lib/domain/traffic/drain-plan";

describe("a capacity check's counts in words", () => {
  it("names the verdicts that have models, worst last, and says so when none has", () => {
    expect(verdictCountsText({ safe: 4, tight: 1, impossible: 1 })).toBe(
      "4 safe, 1 tight, 1 impossible",
    );
    expect(verdictCountsText({ safe: 6, tight: 0, impossible: 0 })).toBe("6 safe");
    expect(verdictCountsText({ safe: 0, tight: 0, impossible: 241 })).toBe("241 impossible");
    expect(verdictCountsText({ safe: 0, tight: 0, impossible: 0 })).toBe("no model");
  });
});
