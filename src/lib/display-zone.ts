import { cache } from "react";
import { isTimeZone } from "@/lib/domain/promotions/time-zones";

/**
 * The time zone pages show times in, for the request being rendered: the signed-in user's
 * preference (set when the actor is read, before anything renders a time), UTC otherwise and
 * in client components. Absolute times always carry their zone, and hovering shows UTC.
 */
const store = cache((): { zone: string } => ({ zone: "UTC" }));

export function setDisplayZone(zone: string | null | undefined): void {
  store().zone = zone && isTimeZone(zone) ? zone : "UTC";
}

export function displayZone(): string {
  return store().zone;
}

/** "2026-11-29 01:30 UTC", or in a zone: "2026-11-29 02:30 GMT+1". */
export function formatInZone(date: Date, zone = "UTC"): string {
  if (zone === "UTC" || !isTimeZone(zone)) {
    return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  }
  const p = partsIn(date, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

/** The parts of an instant's wall-clock time in a zone ("UTC" when it is not one). */
function partsIn(date: Date, zone: string): Record<string, string> {
  const z = isTimeZone(zone) ? zone : "UTC";
  let f = partFormatters.get(z);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: z,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    partFormatters.set(z, f);
  }
  return Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
}

/** "14:05:09" (a chart axis in the zone) or with the zone's name, "14:05:09 GMT+1". */
export function formatClock(date: Date, zone = "UTC", withZone = false): string {
  const p = partsIn(date, zone);
  const clockText = `${p.hour}:${p.minute}:${p.second}`;
  return withZone ? `${clockText} ${p.timeZoneName}` : clockText;
}

/** "12-05": a day on a chart axis, in the zone. */
export function formatDay(date: Date, zone = "UTC"): string {
  const p = partsIn(date, zone);
  return `${p.month}-${p.day}`;
}
