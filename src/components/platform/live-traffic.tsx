import { formatDistanceStrict } from "date-fns";
import { AlertTriangle } from "lucide-react";
import Link from "next/link";
import { formatAbsolute } from "@/components/common/time-ago";
import { worstFirst } from "@/lib/domain/traffic/live";

export interface LiveTrafficProps {
  rows:
    | {
        model: string;
        rps: number;
        errorRate: number | null;
        p99Ms: number | null;
        series: number;
      }[]
    | null;
  readAt: Date | null;
  error: string | null;
  source: string;
  /** where the full list is (the models page, with the same fleet filter) */
  allHref: string;
}

const fmtRate = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/**
 * Requests, errors and p99 per model right now, with the data's age when the source is down: the
 * models with the most errors first, ten at most (a large fleet serves hundreds).
 */
export function LiveTraffic({ rows, readAt, error, source, allHref }: LiveTrafficProps) {
  const { shown, total } = worstFirst(rows ?? []);
  return (
    <section aria-labelledby="live-traffic" className="rounded-lg border bg-card">
      <div className="flex flex-wrap items-baseline justify-between gap-2 border-b px-4 py-2">
        <h2 id="live-traffic" className="text-sm font-semibold">
          Live traffic
        </h2>
        <span className="text-xs text-muted-foreground">
          {source}
          {readAt ? ` · read ${formatAbsolute(readAt)}` : ""}
        </span>
      </div>
      {error ? (
        <p
          role="alert"
          className="flex items-center gap-2 border-b bg-amber-500/10 px-4 py-2 text-xs text-amber-900 dark:text-amber-300"
        >
          <AlertTriangle className="size-4" aria-hidden="true" />
          The metrics source did not answer ({error}).
          {readAt
            ? ` Showing data from ${formatDistanceStrict(readAt, new Date())} ago.`
            : " No earlier data to show."}
        </p>
      ) : null}
      {total === 0 ? (
        <p className="p-4 text-sm text-muted-foreground">No model is serving traffic.</p>
      ) : (
        <table className="w-full text-sm">
          <caption className="sr-only">
            Live traffic per model, the highest error rate first
          </caption>
          <thead className="text-xs uppercase tracking-wide text-muted-foreground">
            <tr>
              <th scope="col" className="px-4 py-2 text-left font-medium">
                Model
              </th>
              <th scope="col" className="px-4 py-2 text-right font-medium">
                Requests/s
              </th>
              <th scope="col" className="px-4 py-2 text-right font-medium">
                Errors
              </th>
              <th scope="col" className="px-4 py-2 text-right font-medium">
                Worst p99
              </th>
            </tr>
          </thead>
          <tbody className="divide-y">
            {shown.map((r) => (
              <tr key={r.model} data-testid="live-traffic-row">
                <td className="px-4 py-1.5 font-medium">{r.model}</td>
                <td className="px-4 py-1.5 text-right tabular-nums">{fmtRate(r.rps)}</td>
                <td className="px-4 py-1.5 text-right tabular-nums">
                  {r.errorRate === null ? "—" : `${(r.errorRate * 100).toFixed(2)}%`}
                </td>
                <td className="px-4 py-1.5 text-right tabular-nums">
                  {r.p99Ms === null ? "—" : `${Math.round(r.p99Ms)} ms`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {total > shown.length ? (
        <p
          className="border-t px-4 py-2 text-xs text-muted-foreground"
          data-testid="live-traffic-more"
        >
          The {shown.length} of {total} serving models with the highest error rate; each
          model&apos;s page has its traffic by region.{" "}
          <Link
            href={allHref}
            className="font-medium text-foreground underline-offset-4 hover:underline"
          >
            All models
          </Link>
        </p>
      ) : null}
    </section>
  );
}
