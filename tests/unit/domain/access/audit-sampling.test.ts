import { describe, expect, it } from "vitest";
import {
  ANONYMOUS_REFUSAL_LIMITS as L,
  anonymousRefusalDecision,
  droppedRefusalsSummary,
  minuteStart,
} from "@/lib/domain/access/audit-sampling";

describe("anonymousRefusalDecision", () => {
  it("writes while the address and the minute have rows left", () => {
    expect(anonymousRefusalDecision({ sameAddress: 0, all: 0 })).toBe("write");
    expect(anonymousRefusalDecision({ sameAddress: L.perAddress - 1, all: L.perMinute - 1 })).toBe(
      "write",
    );
  });

  it("drops an address's refusals past its share of the minute", () => {
    expect(anonymousRefusalDecision({ sameAddress: L.perAddress, all: L.perAddress })).toBe(
      "drop_address",
    );
  });

  it("drops everybody's once the minute is full, however many addresses", () => {
    expect(anonymousRefusalDecision({ sameAddress: 0, all: L.perMinute })).toBe("drop_all");
  });
});

describe("minuteStart", () => {
  it("is the start of the minute", () => {
    expect(new Date(minuteStart(new Date("2026-12-01T12:34:56.789Z"))).toISOString()).toBe(
      "2026-12-01T12:34:00.000Z",
    );
  });
});

describe("droppedRefusalsSummary", () => {
  const minute = Date.parse("2026-12-01T12:34:00Z");
  const limits = { perAddress: 3, perMinute: 5, addressesInSummary: 2 };

  it("counts every dropped refusal and names the busiest addresses", () => {
    const s = droppedRefusalsSummary(
      minute,
      new Map([
        ["192.0.2.9", 1],
        ["192.0.2.1", 40],
        ["192.0.2.5", 1],
      ]),
      limits,
    );
    expect(s.total).toBe(42);
    expect(s.reason).toBe(
      "42 more anonymous refusals dropped in the minute from 2026-12-01T12:34:00.000Z " +
        "(at most 3 per client address and 5 in all are written each minute)",
    );
    expect(s.after).toEqual({
      minute: "2026-12-01T12:34:00.000Z",
      dropped: 42,
      byAddress: { "192.0.2.1": 40, "192.0.2.5": 1 },
      otherAddresses: 1,
    });
  });

  it("says refusal for one", () => {
    expect(droppedRefusalsSummary(minute, new Map([["unknown", 1]]), limits).reason).toMatch(
      /^1 more anonymous refusal dropped/,
    );
  });
});
