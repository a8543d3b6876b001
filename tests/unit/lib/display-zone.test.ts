import { describe, expect, it } from "vitest";
import {
  displayZone,
  formatClock,
  formatDay,
  formatInZone,
  setDisplayZone,
} from "@/lib/display-zone";
import { timeZonePreferenceSchema } from "@/lib/schemas/preferences";

describe("times in the user's zone", () => {
  const at = new Date("2026-12-05T09:30:00Z");

  it("writes UTC by default, and any zone with its name", () => {
    expect(formatInZone(at)).toBe("2026-12-05 09:30 UTC");
    expect(formatInZone(at, "America/New_York")).toBe("2026-12-05 04:30 EST");
    expect(formatInZone(new Date("2026-07-05T09:30:00Z"), "America/New_York")).toBe(
      "2026-07-05 05:30 EDT",
    );
    expect(formatInZone(at, "Europe/Berlin")).toBe("2026-12-05 10:30 GMT+1");
    expect(formatInZone(new Date("2026-12-05T23:30:00Z"), "Asia/Tokyo")).toBe(
      "2026-12-06 08:30 GMT+9",
    );
    // midnight is 00, not 24
    expect(formatInZone(new Date("2026-12-05T23:00:00Z"), "Europe/Berlin")).toBe(
      "2026-12-06 00:00 GMT+1",
    );
  });

  it("falls back to UTC for a zone it does not know", () => {
    expect(formatInZone(at, "Mars/Olympus")).toBe("2026-12-05 09:30 UTC");
    // outside a server render there is no request to hold a zone: UTC
    setDisplayZone("Europe/Berlin");
    expect(displayZone()).toBe("UTC");
  });

  it("takes a known zone or UTC as the preference", () => {
    expect(timeZonePreferenceSchema.parse({ timeZone: "UTC" })).toEqual({ timeZone: null });
    expect(timeZonePreferenceSchema.parse({ timeZone: " Europe/Berlin " })).toEqual({
      timeZone: "Europe/Berlin",
    });
    expect(timeZonePreferenceSchema.safeParse({ timeZone: "Europe/Atlantis" }).success).toBe(false);
    expect(timeZonePreferenceSchema.safeParse({ timeZone: "" }).success).toBe(false);
  });
});

describe("chart axes and clocks in the user's zone", () => {
  it("writes a clock and a day in the zone, UTC when it is unknown", () => {
    const at = new Date("2026-12-05T23:30:05Z");
    expect(formatClock(at)).toBe("23:30:05");
    expect(formatClock(at, "UTC", true)).toBe("23:30:05 UTC");
    expect(formatClock(at, "Europe/Berlin", true)).toBe("00:30:05 GMT+1");
    expect(formatClock(at, "Nowhere/Land")).toBe("23:30:05");
    expect(formatDay(at)).toBe("12-05");
    expect(formatDay(at, "Europe/Berlin")).toBe("12-06");
    expect(formatDay(at, "America/Los_Angeles")).toBe("12-05");
  });
});
