import { TZDate } from "@date-fns/tz";
import type { Tier } from "../models/registry";
import type { FreezeWindowView } from "./gates";
import { formatMinute, isTimeZone, WEEKDAYS } from "./time-zones";

export { formatMinute, isTimeZone, WEEKDAYS };

/**
 * Release windows that repeat every week in a named time zone: a freeze ("no production changes
 * Friday 16:00 to Monday 08:00 Europe/Berlin") or an allowed window ("production changes only
 * Monday to Thursday 09:00 to 16:00"). Times are wall-clock times in the zone, so a window keeps
 * its local hours across daylight-saving changes (its length in UTC changes instead). A local
 * time that does not exist on the day the clocks go forward is read an hour later (02:30 becomes
 * 03:30); one that happens twice on the day they go back is the earlier of the two.
 *
 * The gates read windows as concrete occurrences (FreezeWindowView): a repeating freeze is one
 * freeze per week; an allowed window freezes its tier outside every occurrence of the tier's
 * allowed windows.
 */

export type WindowKind = "freeze" | "allowed";

export interface RecurringWindow {
  name: string;
  kind: WindowKind;
  /** null: every tier */
  tier: Tier | null;
  /** an IANA time zone, e.g. Europe/Berlin */
  timeZone: string;
  /** 1 = Monday … 7 = Sunday (ISO) */
  startDay: number;
  /** minutes after local midnight */
  startMinute: number;
  endDay: number;
  endMinute: number;
  reason: string;
}

const DAY = 86_400_000;
const WEEK_MINUTES = 7 * 24 * 60;

/** Minutes from the window's start to its end, in local wall-clock time: 1 to a week. */
export function localLengthMinutes(
  w: Pick<RecurringWindow, "startDay" | "startMinute" | "endDay" | "endMinute">,
): number {
  const start = (w.startDay - 1) * 1440 + w.startMinute;
  const end = (w.endDay - 1) * 1440 + w.endMinute;
  const length = (end - start + WEEK_MINUTES) % WEEK_MINUTES;
  return length === 0 ? WEEK_MINUTES : length;
}

/** "Friday 16:00 to Monday 08:00 Europe/Berlin" */
export function describeWindow(w: RecurringWindow): string {
  return `${WEEKDAYS[w.startDay - 1]} ${formatMinute(w.startMinute)} to ${WEEKDAYS[w.endDay - 1]} ${formatMinute(w.endMinute)} ${w.timeZone}`;
}

/**
 * The instant of a local wall-clock time in a zone (month and day may overflow, as with Date).
 * A time the clocks skip comes out an hour later; one they pass twice, the earlier instant.
 */
export function localInstant(y: number, m: number, d: number, minute: number, zone: string): Date {
  const hour = Math.floor(minute / 60);
  const min = minute % 60;
  const at = new TZDate(y, m, d, hour, min, zone).getTime();
  const hourBefore = new TZDate(at - 3_600_000, zone);
  const same =
    hourBefore.getHours() === hour &&
    hourBefore.getMinutes() === min &&
    hourBefore.getDate() === new TZDate(at, zone).getDate();
  return new Date(same ? at - 3_600_000 : at);
}

export interface Occurrence {
  startsAt: Date;
  endsAt: Date;
}

/**
 * The window's occurrences that overlap [from, to), in time order, each from its local start
 * to its local end in the window's zone.
 */
export function occurrences(w: RecurringWindow, from: Date, to: Date): Occurrence[] {
  if (!isTimeZone(w.timeZone) || to.getTime() <= from.getTime()) return [];
  const out: Occurrence[] = [];
  // Walk local calendar days from a week before `from` (an occurrence may have started then).
  const first = new TZDate(from.getTime() - 8 * DAY, w.timeZone);
  let y = first.getFullYear();
  let m = first.getMonth();
  let d = first.getDate();
  for (let i = 0; i < 400; i++) {
    const day = new TZDate(y, m, d, 12, 0, w.timeZone);
    const iso = day.getDay() === 0 ? 7 : day.getDay();
    if (iso === w.startDay) {
      const endLocalMinutes = w.startMinute + localLengthMinutes(w);
      const startsAt = localInstant(y, m, d, w.startMinute, w.timeZone);
      const endsAt = localInstant(
        y,
        m,
        d + Math.floor(endLocalMinutes / 1440),
        endLocalMinutes % 1440,
        w.timeZone,
      );
      if (startsAt.getTime() >= to.getTime()) break;
      if (endsAt.getTime() > from.getTime() && endsAt.getTime() > startsAt.getTime()) {
        out.push({ startsAt, endsAt });
      }
    }
    d += 1;
    const next = new TZDate(y, m, d, 12, 0, w.timeZone);
    y = next.getFullYear();
    m = next.getMonth();
    d = next.getDate();
  }
  return out;
}

/**
 * The freezes that repeating windows make in [from, to): each repeating freeze's occurrences,
 * and for each tier with allowed windows, the time outside all of them. An allowed window for
 * every tier (tier null) restricts every tier.
 */
export function windowFreezes(
  windows: readonly RecurringWindow[],
  from: Date,
  to: Date,
): FreezeWindowView[] {
  const freezes: FreezeWindowView[] = windows
    .filter((w) => w.kind === "freeze")
    .flatMap((w) =>
      occurrences(w, from, to).map((o) => ({
        name: `${w.name} (every week, ${describeWindow(w)})`,
        tier: w.tier,
        startsAt: o.startsAt,
        endsAt: o.endsAt,
        reason: w.reason,
      })),
    );
  const allowed = windows.filter((w) => w.kind === "allowed");
  const tiers = [...new Set(allowed.map((w) => w.tier))];
  for (const tier of tiers) {
    const mine = allowed.filter((w) => w.tier === tier);
    const open = mine
      .flatMap((w) =>
        occurrences(w, new Date(from.getTime() - 8 * DAY), new Date(to.getTime() + 8 * DAY)),
      )
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
    // merge overlapping openings, then freeze the gaps between them
    const merged: Occurrence[] = [];
    for (const o of open) {
      const last = merged[merged.length - 1];
      if (last && o.startsAt.getTime() <= last.endsAt.getTime()) {
        if (o.endsAt.getTime() > last.endsAt.getTime()) last.endsAt = o.endsAt;
      } else {
        merged.push({ ...o });
      }
    }
    const names = mine.map((w) => `${w.name} (${describeWindow(w)})`).join("; ");
    for (let i = 0; i + 1 < merged.length; i++) {
      const gap = { startsAt: merged[i]!.endsAt, endsAt: merged[i + 1]!.startsAt };
      if (gap.endsAt.getTime() <= from.getTime() || gap.startsAt.getTime() >= to.getTime())
        continue;
      freezes.push({
        name: `Outside the release window: ${mine.map((w) => w.name).join(", ")}`,
        tier,
        startsAt: gap.startsAt,
        endsAt: gap.endsAt,
        reason: `${tier ? `Changes to ${tier}` : "Changes"} go out only in ${names}.`,
      });
    }
  }
  return freezes.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}
