import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { malformed, schemaPattern } from "../../reliability/fuzz/json-schema";

// The pattern the API publishes for a model's or team's name (no control characters).
const NAME = { type: "string", minLength: 1, maxLength: 100, pattern: "^[^\\p{Cc}]+$" };

describe("the fuzzer's reading of a schema's pattern", () => {
  it("is the Unicode regular expression validators compile", () => {
    const re = schemaPattern(NAME.pattern);
    expect(re.test("{{7*7}}")).toBe(true);
    expect(re.test("Search & Ranking")).toBe(true);
    expect(re.test("bad\u0007name")).toBe(false);
  });

  it("draws as a pattern mismatch only values that break the pattern", () => {
    const re = /^[^\p{Cc}]+$/u;
    const drawn = fc
      .sample(malformed(NAME, NAME), { seed: 30424870, numRuns: 2_000 })
      .filter((d) => d.how === "pattern mismatch");
    expect(drawn.length).toBeGreaterThan(0);
    for (const d of drawn) expect(re.test(String(d.value)), JSON.stringify(d.value)).toBe(false);
  });
});
