import { describe, expect, it } from "vitest";
import {
  describeWindow,
  isTimeZone,
  localInstant,
  localLengthMinutes,
  occurrences,
  windowFreezes,
  type RecurringWindow,
} from "@/lib/domain/promotions/release-windows";
import { freezeCovers } from "@/lib/domain/promotions/gates";

const weekendFreeze: RecurringWindow = {
  name: "Weekend freeze",
  kind: "freeze",
  tier: "production",
  timeZone: "Europe/Berlin",
  startDay: 5,
  startMinute: 16 * 60,
  endDay: 1,
  endMinute: 8 * 60,
  reason: "No production changes over the weekend",
};

const iso = (o: { startsAt: Date; endsAt: Date }) => [
  o.startsAt.toISOString(),
  o.endsAt.toISOString(),
];

describe("weekly windows in a time zone", () => {
  it("keeps local hours across the autumn change (CEST to CET)", () => {
    const got = occurrences(
      weekendFreeze,
      new Date("2026-10-16T00:00:00Z"),
      new Date("2026-11-02T00:00:00Z"),
    ).map(iso);
    expect(got).toEqual([
      // summer time: UTC+2
      ["2026-10-16T14:00:00.000Z", "2026-10-19T06:00:00.000Z"],
      // starts in summer time, ends after the clocks went back on Sunday 25th: 65 h, not 64
      ["2026-10-23T14:00:00.000Z", "2026-10-26T07:00:00.000Z"],
      // winter time: UTC+1
      ["2026-10-30T15:00:00.000Z", "2026-11-02T07:00:00.000Z"],
    ]);
  });

  it("keeps local hours across the spring change (CET to CEST)", () => {
    const got = occurrences(
      weekendFreeze,
      new Date("2027-03-26T00:00:00Z"),
      new Date("2027-03-30T00:00:00Z"),
    ).map(iso);
    expect(got).toEqual([["2027-03-26T15:00:00.000Z", "2027-03-29T06:00:00.000Z"]]);
  });

  it("follows the zone's own change date (New York changes a week after Berlin)", () => {
    const ny: RecurringWindow = { ...weekendFreeze, timeZone: "America/New_York" };
    const got = occurrences(
      ny,
      new Date("2026-10-30T00:00:00Z"),
      new Date("2026-11-03T00:00:00Z"),
    ).map(iso);
    // Friday 16:00 EDT (UTC-4) to Monday 08:00 EST (UTC-5)
    expect(got).toEqual([["2026-10-30T20:00:00.000Z", "2026-11-02T13:00:00.000Z"]]);
  });

  it("reads a local time the spring change skips an hour later", () => {
    const early: RecurringWindow = {
      ...weekendFreeze,
      startDay: 7,
      startMinute: 2 * 60 + 30,
      endDay: 7,
      endMinute: 5 * 60,
    };
    const [o] = occurrences(
      early,
      new Date("2027-03-28T00:00:00Z"),
      new Date("2027-03-29T00:00:00Z"),
    );
    // 02:30 does not exist on 28 March 2027 in Berlin: 03:30 CEST
    expect(o && iso(o)).toEqual(["2027-03-28T01:30:00.000Z", "2027-03-28T03:00:00.000Z"]);
  });

  it("reads a local time the autumn change passes twice as the earlier, in every zone", () => {
    // 02:30 happens twice in Berlin on 25 October 2026 (CEST, then CET)
    expect(localInstant(2026, 9, 25, 150, "Europe/Berlin").toISOString()).toBe(
      "2026-10-25T00:30:00.000Z",
    );
    // 01:30 happens twice in New York on 1 November 2026 (EDT, then EST)
    expect(localInstant(2026, 10, 1, 90, "America/New_York").toISOString()).toBe(
      "2026-11-01T05:30:00.000Z",
    );
    // an ordinary time, and a day that overflows into the next month
    expect(localInstant(2026, 11, 5, 600, "Europe/Berlin").toISOString()).toBe(
      "2026-12-05T09:00:00.000Z",
    );
    expect(localInstant(2026, 10, 31, 0, "UTC").toISOString()).toBe("2026-12-01T00:00:00.000Z");
  });

  it("includes an occurrence that began before the range and stops at its end", () => {
    const got = occurrences(
      weekendFreeze,
      new Date("2026-10-18T12:00:00Z"),
      new Date("2026-10-18T13:00:00Z"),
    );
    expect(got.map(iso)).toEqual([["2026-10-16T14:00:00.000Z", "2026-10-19T06:00:00.000Z"]]);
    expect(
      occurrences(
        weekendFreeze,
        new Date("2026-10-20T00:00:00Z"),
        new Date("2026-10-20T00:00:00Z"),
      ),
    ).toEqual([]);
  });

  it("measures lengths in local time, a week when start and end coincide", () => {
    expect(localLengthMinutes(weekendFreeze)).toBe((2 * 24 + 16) * 60);
    expect(localLengthMinutes({ startDay: 1, startMinute: 540, endDay: 1, endMinute: 960 })).toBe(
      420,
    );
    expect(localLengthMinutes({ startDay: 1, startMinute: 960, endDay: 1, endMinute: 540 })).toBe(
      7 * 1440 - 420,
    );
    expect(localLengthMinutes({ startDay: 3, startMinute: 0, endDay: 3, endMinute: 0 })).toBe(
      7 * 1440,
    );
  });

  it("knows time zones and says what a window is", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
    expect(describeWindow(weekendFreeze)).toBe("Friday 16:00 to Monday 08:00 Europe/Berlin");
    expect(
      occurrences({ ...weekendFreeze, timeZone: "Mars/Olympus" }, new Date(0), new Date()),
    ).toEqual([]);
  });
});

describe("the freezes windows make", () => {
  it("turns a repeating freeze into one freeze a week that the gates read", () => {
    const freezes = windowFreezes(
      [weekendFreeze],
      new Date("2026-10-22T00:00:00Z"),
      new Date("2026-10-27T00:00:00Z"),
    );
    expect(freezes).toHaveLength(1);
    const f = freezes[0]!;
    expect(f.name).toBe("Weekend freeze (every week, Friday 16:00 to Monday 08:00 Europe/Berlin)");
    // the boundaries: covered from 16:00 Friday local, free again at 08:00 Monday local
    expect(freezeCovers(f, "production", new Date("2026-10-23T13:59:59Z"))).toBe(false);
    expect(freezeCovers(f, "production", new Date("2026-10-23T14:00:00Z"))).toBe(true);
    expect(freezeCovers(f, "production", new Date("2026-10-26T06:59:59Z"))).toBe(true);
    expect(freezeCovers(f, "production", new Date("2026-10-26T07:00:00Z"))).toBe(false);
    expect(freezeCovers(f, "staging", new Date("2026-10-24T12:00:00Z"))).toBe(false);
  });

  it("freezes a tier outside its allowed windows, and says when it opens", () => {
    const weekdays: RecurringWindow[] = [1, 2, 3, 4].map((day) => ({
      name: "Office hours",
      kind: "allowed",
      tier: "production",
      timeZone: "Europe/Berlin",
      startDay: day,
      startMinute: 9 * 60,
      endDay: day,
      endMinute: 16 * 60,
      reason: "",
    }));
    const from = new Date("2026-12-07T00:00:00Z"); // a Monday
    const to = new Date("2026-12-14T00:00:00Z");
    const freezes = windowFreezes(weekdays, from, to);
    const at = (t: string) => freezes.filter((f) => freezeCovers(f, "production", new Date(t)));
    // Monday 10:00 CET is open; 16:00 CET is closed until Tuesday 09:00 CET
    expect(at("2026-12-07T09:00:00Z")).toEqual([]);
    const closed = at("2026-12-07T15:00:00Z");
    expect(closed).toHaveLength(1);
    expect(closed[0]?.endsAt.toISOString()).toBe("2026-12-08T08:00:00.000Z");
    expect(closed[0]?.reason).toMatch(/Changes to production go out only in Office hours/);
    // Thursday 16:00 to Monday 09:00 is one closed stretch
    const weekend = at("2026-12-12T12:00:00Z");
    expect(weekend.map((f) => [f.startsAt.toISOString(), f.endsAt.toISOString()])).toEqual([
      ["2026-12-10T15:00:00.000Z", "2026-12-14T08:00:00.000Z"],
    ]);
    // staging is not restricted
    expect(freezes.every((f) => f.tier === "production")).toBe(true);
  });

  it("merges overlapping allowed windows of one tier", () => {
    const a: RecurringWindow = {
      name: "A",
      kind: "allowed",
      tier: null,
      timeZone: "UTC",
      startDay: 1,
      startMinute: 0,
      endDay: 3,
      endMinute: 0,
      reason: "",
    };
    const b: RecurringWindow = { ...a, name: "B", startDay: 2, endDay: 5 };
    const freezes = windowFreezes(
      [a, b],
      new Date("2026-12-07T00:00:00Z"),
      new Date("2026-12-14T00:00:00Z"),
    );
    expect(freezes.map((f) => [f.startsAt.toISOString(), f.endsAt.toISOString()])).toEqual([
      ["2026-12-11T00:00:00.000Z", "2026-12-14T00:00:00.000Z"],
    ]);
    expect(freezeCovers(freezes[0]!, "staging", new Date("2026-12-12T00:00:00Z"))).toBe(true);
  });
});
