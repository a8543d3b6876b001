import { formatDistanceStrict } from "date-fns";

/** "2026-11-29 01:30 UTC": server-rendered times are shown in UTC, labelled as such. */
export function formatAbsolute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A time shown both relative ("3 hours ago") and absolute with its time zone. */
export function TimeAgo({ date, now = new Date() }: { date: Date | null; now?: Date }) {
  if (!date) return <span className="text-muted-foreground">—</span>;
  const absolute = formatAbsolute(date);
  return (
    <time dateTime={date.toISOString()} title={absolute} className="flex flex-col leading-tight">
      <span>{formatDistanceStrict(date, now, { addSuffix: true })}</span>
      <span className="text-xs text-muted-foreground">{absolute}</span>
    </time>
  );
}
