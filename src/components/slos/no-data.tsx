import { formatAbsolute } from "@/components/common/time-ago";

/** Why an SLO's SLI had no data in its latest minutes, as the SLI feed recorded it. */
export interface SliGapView {
  reason: string;
  since: Date;
}

/**
 * "No data" with its reason, so a missing series reads as a gap to fix rather than as an outage
 * or a healthy service: a notice on the SLO's page, a line in the list.
 */
export function NoDataReason({ gap, inline = false }: { gap: SliGapView; inline?: boolean }) {
  const text = `No data since ${formatAbsolute(gap.since)}: ${gap.reason}`;
  return inline ? (
    <p data-testid="slo-no-data" className="text-xs break-all text-amber-800 dark:text-amber-200">
      {text}
    </p>
  ) : (
    <p
      role="status"
      data-testid="slo-no-data"
      className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm break-all text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      {text}
    </p>
  );
}
