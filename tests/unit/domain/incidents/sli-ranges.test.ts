import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  rollupRanges,
  sloWindowHolding,
  type BucketRange,
} from "@/lib/domain/incidents/sli-ranges";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string) => new Date(iso);
/** A retention cutoff long before every span: minutes are all still there. */
const KEPT = at("2000-01-01T00:00:00Z");

function show(ranges: BucketRange[]) {
  return ranges.map((r) => [
    r.resolution,
    r.from.toISOString().slice(5, 16),
    r.to.toISOString().slice(5, 16),
  ]);
}

describe("rollupRanges", () => {
  it("within one hour reads minutes only, from the minute holding the start to the one holding the end", () => {
    expect(
      show(rollupRanges(at("2026-11-29T10:05:30Z"), at("2026-11-29T10:40:10Z"), KEPT)),
    ).toEqual([["minute", "11-29T10:05", "11-29T10:41"]]);
  });

  it("across hours: minutes at the ragged edges, whole hours between", () => {
    expect(
      show(rollupRanges(at("2026-11-29T10:05:00Z"), at("2026-11-29T13:20:00Z"), KEPT)),
    ).toEqual([
      ["minute", "11-29T10:05", "11-29T11:00"],
      ["hour", "11-29T11:00", "11-29T13:00"],
      ["minute", "11-29T13:00", "11-29T13:20"],
    ]);
    expect(
      show(rollupRanges(at("2026-11-29T10:00:00Z"), at("2026-11-29T12:00:00Z"), KEPT)),
    ).toEqual([["hour", "11-29T10:00", "11-29T12:00"]]);
    // the two edges of a span with no whole hour join into one range of minutes
    expect(
      show(rollupRanges(at("2026-11-29T10:50:00Z"), at("2026-11-29T11:10:00Z"), KEPT)),
    ).toEqual([["minute", "11-29T10:50", "11-29T11:10"]]);
  });

  it("across days: whole days from the daily rollup, hours around them", () => {
    expect(
      show(rollupRanges(at("2026-11-26T22:30:00Z"), at("2026-11-29T01:15:00Z"), KEPT)),
    ).toEqual([
      ["minute", "11-26T22:30", "11-26T23:00"],
      ["hour", "11-26T23:00", "11-27T00:00"],
      ["day", "11-27T00:00", "11-29T00:00"],
      ["hour", "11-29T00:00", "11-29T01:00"],
      ["minute", "11-29T01:00", "11-29T01:15"],
    ]);
    // one midnight but no whole day: hours only
    expect(
      show(rollupRanges(at("2026-11-27T22:30:00Z"), at("2026-11-28T02:10:00Z"), KEPT)),
    ).toEqual([
      ["minute", "11-27T22:30", "11-27T23:00"],
      ["hour", "11-27T23:00", "11-28T02:00"],
      ["minute", "11-28T02:00", "11-28T02:10"],
    ]);
  });

  it("is empty for an empty span", () => {
    expect(rollupRanges(at("2026-11-29T10:05:00Z"), at("2026-11-29T10:05:00Z"), KEPT)).toEqual([]);
    expect(rollupRanges(at("2026-11-29T11:00:00Z"), at("2026-11-29T10:00:00Z"), KEPT)).toEqual([]);
  });

  it("reads an edge whose minutes retention may have dropped from its whole hour", () => {
    const kept = at("2026-11-29T12:00:00Z");
    expect(
      show(rollupRanges(at("2026-11-29T10:05:00Z"), at("2026-11-29T13:20:00Z"), kept)),
    ).toEqual([
      ["hour", "11-29T10:00", "11-29T13:00"],
      ["minute", "11-29T13:00", "11-29T13:20"],
    ]);
    expect(
      show(rollupRanges(at("2026-11-29T10:05:00Z"), at("2026-11-29T11:20:00Z"), kept)),
    ).toEqual([["hour", "11-29T10:00", "11-29T12:00"]]);
    expect(
      show(rollupRanges(at("2026-11-29T10:05:00Z"), at("2026-11-29T10:20:00Z"), kept)),
    ).toEqual([["hour", "11-29T10:00", "11-29T11:00"]]);
  });

  it("property: the ranges tile the span's minutes exactly, each on its resolution's boundaries", () => {
    const base = at("2026-11-01T00:00:00Z").getTime();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 * DAY }),
        fc.integer({ min: 0, max: 10 * DAY }),
        fc.integer({ min: 0, max: 30 * DAY }),
        (offset, length, keptAfter) => {
          const from = new Date(base + offset);
          const to = new Date(base + offset + length);
          const kept = new Date(base + keptAfter);
          const ranges = rollupRanges(from, to, kept);
          const a = Math.floor(from.getTime() / MIN) * MIN;
          const b = Math.ceil(to.getTime() / MIN) * MIN;
          if (b <= a) return expect(ranges).toEqual([]);
          const unit = { minute: MIN, hour: HOUR, day: DAY };
          for (const [i, r] of ranges.entries()) {
            expect(r.to.getTime()).toBeGreaterThan(r.from.getTime());
            expect(r.from.getTime() % unit[r.resolution]).toBe(0);
            expect(r.to.getTime() % unit[r.resolution]).toBe(0);
            const next = ranges[i + 1];
            if (next) expect(next.from.getTime()).toBe(r.to.getTime());
            if (r.resolution === "minute") {
              expect(r.from.getTime()).toBeGreaterThanOrEqual(kept.getTime());
            }
          }
          const first = ranges[0]!.from.getTime();
          const last = ranges.at(-1)!.to.getTime();
          if (a >= kept.getTime()) expect(first).toBe(a);
          else expect(first).toBe(Math.floor(a / HOUR) * HOUR);
          // the end edge falls back to its hour only when its minutes are older than the cutoff
          expect([b, Math.ceil(b / HOUR) * HOUR]).toContain(last);
          expect(ranges.length).toBeLessThanOrEqual(5);
        },
      ),
    );
  });
});

describe("sloWindowHolding", () => {
  const incident = { start: at("2026-11-29T09:40:30Z"), end: at("2026-11-29T10:20:00Z") };

  it("a rolling window ends with the incident and starts whole days earlier, on the hour", () => {
    expect(sloWindowHolding({ kind: "rolling", days: 30 }, incident)).toEqual({
      from: at("2026-10-30T10:00:00Z"),
      to: incident.end,
      minutes: 30 * 1440,
    });
  });

  it("a calendar window is the month or quarter the incident ended in", () => {
    expect(sloWindowHolding({ kind: "calendar", unit: "month" }, incident)).toEqual({
      from: at("2026-11-01T00:00:00Z"),
      to: incident.end,
      minutes: 30 * 1440,
    });
    expect(sloWindowHolding({ kind: "calendar", unit: "quarter" }, incident)).toEqual({
      from: at("2026-10-01T00:00:00Z"),
      to: incident.end,
      minutes: 92 * 1440,
    });
  });

  it("reaches back to the start of an incident that began before the window", () => {
    const across = { start: at("2026-10-31T23:30:20Z"), end: at("2026-11-01T00:30:00Z") };
    expect(sloWindowHolding({ kind: "calendar", unit: "month" }, across).from).toEqual(
      at("2026-10-31T23:30:00Z"),
    );
    const long = { start: at("2026-11-20T08:00:00Z"), end: at("2026-11-29T10:00:00Z") };
    expect(sloWindowHolding({ kind: "rolling", days: 7 }, long).from).toEqual(long.start);
  });
});
