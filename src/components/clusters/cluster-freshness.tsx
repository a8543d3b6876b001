import { formatDistanceStrict } from "date-fns";
import { AlertTriangle } from "lucide-react";
import { formatAbsolute } from "@/components/common/time-ago";

/** How current a cluster's cached API data is (the platform's ClusterFreshness). */
export interface ClusterFreshness {
  live: boolean;
  asOf: Date | null;
  reason: string | null;
  resources: { resource: string; asOf: Date | null; live: boolean; error: string | null }[];
}

/**
 * A cluster whose cached API data is not current, said on every row and page that shows it:
 * why, and how old the last good data is. Nothing for a live cluster or a platform that answers
 * live (the simulator).
 */
export function StaleCluster({
  freshness,
  now = new Date(),
}: {
  freshness: ClusterFreshness | undefined;
  now?: Date;
}) {
  if (!freshness || freshness.live) return null;
  return (
    <p
      role="status"
      data-testid="cluster-stale"
      className="mt-1 flex items-start gap-1 text-xs text-amber-800 dark:text-amber-300"
    >
      <AlertTriangle className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />
      <span>
        Stale: {freshness.reason ?? "the cluster's API is not answering"}.{" "}
        {freshness.asOf ? (
          <>
            Last good data {formatDistanceStrict(freshness.asOf, now, { addSuffix: true })} (
            {formatAbsolute(freshness.asOf)}).
          </>
        ) : (
          "No data read from it yet."
        )}
      </span>
    </p>
  );
}

/** Per resource: how current the cached copy of the cluster's API is. */
export function ClusterSources({
  freshness,
  now = new Date(),
}: {
  freshness: ClusterFreshness;
  now?: Date;
}) {
  return (
    <section aria-labelledby="sources" className="mt-6">
      <h2 id="sources" className="mb-2 text-sm font-semibold">
        Data from the cluster&apos;s API
      </h2>
      <ul className="divide-y rounded-lg border bg-card text-sm" data-testid="cluster-sources">
        {freshness.resources.map((r) => (
          <li
            key={r.resource}
            className="flex flex-wrap items-baseline justify-between gap-x-3 px-4 py-1.5"
            data-resource={r.resource}
            data-live={r.live}
          >
            <span className="font-mono text-xs">{r.resource}</span>
            <span
              className={
                r.live
                  ? "text-xs text-muted-foreground"
                  : "text-xs text-amber-800 dark:text-amber-300"
              }
            >
              {r.live ? "● live (watching)" : `▲ stale: ${r.error ?? "first read in progress"}`}
              {r.asOf
                ? ` · last change or list ${formatDistanceStrict(r.asOf, now, { addSuffix: true })}, ${formatAbsolute(r.asOf)}`
                : ""}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
