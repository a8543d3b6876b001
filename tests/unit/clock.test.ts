import { afterEach, describe, expect, it } from "vitest";
import { clock, installClock, ManualClock } from "@/lib/clock";

afterEach(() => installClock(null));

describe("the clock", () => {
  it("reads the system clock unless a test installs its own", () => {
    const before = Date.now();
    expect(clock.ms()).toBeGreaterThanOrEqual(before);
    const time = new ManualClock(new Date("2026-01-01T00:00:00Z"));
    installClock(time);
    expect(clock.now().toISOString()).toBe("2026-01-01T00:00:00.000Z");
    installClock(null);
    expect(clock.ms()).toBeGreaterThanOrEqual(before);
  });

  it("moves a manual clock when told, and a millisecond per reading so readings stay ordered", () => {
    const time = new ManualClock(Date.UTC(2026, 0, 1));
    installClock(time);
    const a = clock.ms();
    const b = clock.ms();
    expect(b).toBe(a + 1);
    time.advance(60_000);
    expect(clock.ms()).toBe(b + 1 + 60_000);
    time.set(new Date("2027-06-01T12:00:00Z"));
    expect(clock.now().toISOString()).toBe("2027-06-01T12:00:00.000Z");
  });
});
