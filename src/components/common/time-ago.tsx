import { formatDistanceStrict } from "date-fns";
import { displayZone, formatInZone } from "@/lib/display-zone";

/**
 * "2026-11-29 01:30 UTC": an absolute time in the zone the user reads times in (UTC unless they
 * chose another), labelled with it.
 */
export function formatAbsolute(date: Date): string {
  return formatInZone(date, displayZone());
}

/**
 * A time shown both relative ("3 hours ago") and absolute with its time zone; hovering shows
 * it in UTC, whatever the user's zone.
 */
export function TimeAgo({
  date,
  now = new Date(),
  zone,
}: {
  date: Date | null;
  now?: Date;
  /** the zone to show it in; a server render knows the user's, client components pass it */
  zone?: string;
}) {
  if (!date) return <span className="text-muted-foreground">—</span>;
  const absolute = zone ? formatInZone(date, zone) : formatAbsolute(date);
  return (
    <time
      dateTime={date.toISOString()}
      title={formatInZone(date)}
      className="flex flex-col leading-tight"
    >
      <span>{formatDistanceStrict(date, now, { addSuffix: true })}</span>
      <span className="text-xs text-muted-foreground">{absolute}</span>
    </time>
  );
}
