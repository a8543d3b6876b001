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

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** "2026-11-29 01:30 UTC", or in a zone: "2026-11-29 02:30 GMT+1". */
export function formatInZone(date: Date, zone = "UTC"): string {
  if (zone === "UTC" || !isTimeZone(zone)) {
    return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  }
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}
