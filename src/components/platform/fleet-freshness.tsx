import { formatDistanceStrict } from "date-fns";
import { AlertTriangle } from "lucide-react";
import { formatAbsolute } from "@/components/common/time-ago";

/** "Live, read at …", or a warning with the data's age when the platform did not answer. */
export function FleetFreshness({ readAt, error }: { readAt: Date | null; error: string | null }) {
  if (error) {
    return (
      <span
        role="alert"
        className="inline-flex items-center gap-1 text-xs font-normal text-amber-800 dark:text-amber-300"
      >
        <AlertTriangle className="size-3.5" aria-hidden="true" />
        The platform did not answer ({error}).
        {readAt
          ? ` Showing the fleet as of ${formatDistanceStrict(readAt, new Date())} ago.`
          : " Nothing to show yet."}
      </span>
    );
  }
  return (
    <span className="text-xs font-normal text-muted-foreground">
      live{readAt ? ` · read ${formatAbsolute(readAt)}` : ""}
    </span>
  );
}
