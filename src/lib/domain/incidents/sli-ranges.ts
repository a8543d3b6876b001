import { windowStart } from "../slos/budget";
import { windowMinutes } from "../slos/alerts";
import type { SloWindow } from "../slos/spec";

/**
 * Which SLI buckets to sum for an incident's impact. SLI counts are stored per minute, with
 * hourly and daily rollups; any span is the minutes of its ragged edges plus the whole hours and
 * days between them, so an incident of a week reads a few hundred rows, not ten thousand.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type BucketResolution = "minute" | "hour" | "day";

/** Buckets of one resolution whose start is in [from, to). */
export interface BucketRange {
  resolution: BucketResolution;
  from: Date;
  to: Date;
}

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;

/**
 * The bucket ranges whose sum covers every minute that overlaps [from, to): minutes up to the
 * first whole hour and after the last, hours up to the first whole day and after the last, days
 * in between. Minute buckets before `minutesKeptFrom` may already be gone (retention keeps the
 * rollups only): such an edge is read from its whole hour instead, rounded outward so none of the
 * span is missed. Ranges are in time order and never overlap.
 */
export function rollupRanges(from: Date, to: Date, minutesKeptFrom: Date): BucketRange[] {
  const a = floorTo(from.getTime(), MINUTE);
  const b = ceilTo(to.getTime(), MINUTE);
  const out: BucketRange[] = [];
  const push = (resolution: BucketResolution, x: number, y: number) => {
    if (!(y > x)) return;
    const last = out.at(-1);
    if (last && last.resolution === resolution && last.to.getTime() === x) {
      last.to = new Date(y);
    } else {
      out.push({ resolution, from: new Date(x), to: new Date(y) });
    }
  };
  const minutes = (x: number, y: number) => {
    if (!(y > x)) return;
    if (x < minutesKeptFrom.getTime()) push("hour", floorTo(x, HOUR), ceilTo(y, HOUR));
    else push("minute", x, y);
  };
  if (!(b > a)) return out;
  const h1 = ceilTo(a, HOUR);
  const h2 = floorTo(b, HOUR);
  if (h1 > h2) {
    // within one hour
    minutes(a, b);
    return out;
  }
  minutes(a, h1);
  const d1 = ceilTo(h1, DAY);
  const d2 = floorTo(h2, DAY);
  if (d1 < d2) {
    push("hour", h1, d1);
    push("day", d1, d2);
    push("hour", d2, h2);
  } else {
    push("hour", h1, h2);
  }
  minutes(h2, b);
  return out;
}

/**
 * The SLO window holding an incident, as the SLO page would have computed it when the incident
 * ended: a rolling window ends then (and starts a whole number of days earlier, on the hour); a
 * calendar window is the month or quarter it ended in. If the incident started before that
 * window (a long incident, or one across a month's end), the window reaches back to its start so
 * that it always holds the incident. `minutes` is the window's length, for timeslice budgeting.
 */
export function sloWindowHolding(
  window: SloWindow,
  incident: { start: Date; end: Date },
): { from: Date; to: Date; minutes: number } {
  const start = windowStart(window, incident.end);
  return {
    from: new Date(Math.min(start.getTime(), floorTo(incident.start.getTime(), MINUTE))),
    to: incident.end,
    minutes: windowMinutes(window, incident.end),
  };
}
