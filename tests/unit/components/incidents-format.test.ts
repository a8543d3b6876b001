import { describe, expect, it } from "vitest";
import { responseTick, responseTime } from "@/components/incidents/format";

describe("response time formatting", () => {
  it("reads in the unit its size calls for", () => {
    expect(responseTime(null)).toBe("—");
    expect(responseTime(0)).toBe("0 s");
    expect(responseTime(0.5)).toBe("30 s");
    expect(responseTime(4.46)).toBe("4.5 min");
    expect(responseTime(12.4)).toBe("12 min");
    expect(responseTime(89)).toBe("89 min");
    expect(responseTime(120)).toBe("2 h");
    expect(responseTime(125.4)).toBe("2 h 5 min");
    expect(responseTime(47 * 60 + 59)).toBe("47 h 59 min");
    expect(responseTime(2 * 1440)).toBe("2 d");
    expect(responseTime(3 * 1440 + 4 * 60 + 20)).toBe("3 d 4 h");
  });

  it("axis ticks are short and never break", () => {
    expect([0.25, 1, 15, 60, 240, 1440, 5760].map(responseTick)).toEqual(
      ["15 s", "1 min", "15 min", "1 h", "4 h", "1 d", "4 d"].map((t) => t.replace(" ", "\u00a0")),
    );
  });
});
