import type { DurationStats } from "@/lib/domain/incidents/response-times";
import type { ResponseGrouping } from "@/lib/schemas/incident-metrics";
import { responseTime } from "@/components/incidents/format";
import { ResponseTimeChart } from "@/components/charts/lazy";
import type { ChartSeries } from "@/components/incidents/response-time-chart";
import { cn } from "@/lib/utils";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export interface ResponseSeriesView {
  key: string | null;
  label: string;
  total: DurationStats;
  /** one per period; null when the group had no incident then */
  points: (DurationStats | null)[];
}

interface ResponseMetricView {
  total: DurationStats;
  bySeverity: ResponseSeriesView[];
  byTeam: ResponseSeriesView[];
}

/** What the response-time views need of the service's figures. */
export interface ResponseTimesView {
  unit: "week" | "month";
  periods: { key: string; label: string; short: string }[];
  incidents: number;
  mtta: ResponseMetricView;
  mttr: ResponseMetricView;
}

function Figure({ term, value, hint }: { term: string; value: string; hint: string }) {
  return (
    <div className="rounded-lg border bg-card p-3">
      <dt className="text-xs font-medium text-muted-foreground">{term}</dt>
      <dd className="text-xl font-semibold tabular-nums">{value}</dd>
      <dd className="text-xs text-muted-foreground">{hint}</dd>
    </div>
  );
}

/**
 * Mean and median MTTA and MTTR over the whole range, with how many incidents they measure;
 * nothing without incidents (the chart says so).
 */
export function ResponseHeadline({ data }: { data: ResponseTimesView }) {
  const { mtta, mttr, incidents } = data;
  if (incidents === 0) return null;
  const of = (s: DurationStats, done: string) => `${s.count} of ${incidents} ${done}`;
  return (
    <dl
      className="mb-3 grid grid-cols-2 gap-3 md:grid-cols-4 print:grid-cols-4"
      data-testid="response-headline"
    >
      <Figure
        term="MTTA (mean)"
        value={responseTime(mtta.total.meanMinutes)}
        hint={of(mtta.total, "acknowledged")}
      />
      <Figure
        term="MTTA (median)"
        value={responseTime(mtta.total.medianMinutes)}
        hint="detection to acknowledgement"
      />
      <Figure
        term="MTTR (mean)"
        value={responseTime(mttr.total.meanMinutes)}
        hint={of(mttr.total, "resolved")}
      />
      <Figure
        term="MTTR (median)"
        value={responseTime(mttr.total.medianMinutes)}
        hint="detection to resolution"
      />
    </dl>
  );
}

/** "12 min (3)": the mean and how many incidents it measures; "—" when none. */
function cell(s: DurationStats | null | undefined) {
  if (!s || s.count === 0) return "—";
  return `${responseTime(s.meanMinutes)} (${s.count})`;
}

function TotalCell({ stats, className }: { stats: DurationStats | undefined; className?: string }) {
  return (
    <TableCell className={cn("text-right tabular-nums print:px-1.5", className)}>
      <div className="whitespace-nowrap print:whitespace-normal">{cell(stats)}</div>
      {stats && stats.count > 0 ? (
        <div className="text-xs text-muted-foreground">
          median {responseTime(stats.medianMinutes)}
        </div>
      ) : null}
      {stats && stats.excluded > 0 ? (
        <div className="text-xs text-muted-foreground">
          {/* the caption's word: short enough for the paper width, whatever the column */}
          {stats.excluded} pending
        </div>
      ) : null}
    </TableCell>
  );
}

/**
 * MTTA and MTTR per period and severity (or team): the chart, and the same figures as a table,
 * which is what screen readers and print read.
 */
export function ResponseBreakdown({
  data,
  grouping,
  id,
}: {
  data: ResponseTimesView;
  grouping: ResponseGrouping;
  /** unique on the page: ties the chart to its table */
  id: string;
}) {
  const key = grouping === "severity" ? "bySeverity" : "byTeam";
  const acknowledge = data.mtta[key];
  const resolve = new Map(data.mttr[key].map((s) => [s.key, s]));
  const rows = acknowledge.map((s) => ({ series: s, resolve: resolve.get(s.key) }));
  const chart: ChartSeries[] = rows.map(({ series, resolve }) => ({
    key: series.key,
    label: series.label,
    mtta: series.points.map((p) => (p && p.count > 0 ? p.meanMinutes : null)),
    mttr: data.periods.map((_, i) => {
      const p = resolve?.points[i];
      return p && p.count > 0 ? p.meanMinutes : null;
    }),
  }));
  const tableId = `${id}-table`;
  return (
    <div className="space-y-3" data-testid="response-breakdown" data-grouping={grouping}>
      <ResponseTimeChart
        periods={data.periods}
        series={chart}
        grouping={grouping}
        unit={data.unit}
        tableId={tableId}
      />
      {rows.length > 0 ? (
        <Table
          id={tableId}
          data-testid="response-table"
          className="print:text-xs"
          scrollLabel={`MTTA and MTTR by ${grouping}`}
        >
          <TableCaption>
            Mean time to acknowledge (MTTA) and to resolve (MTTR) per {data.unit} by {grouping},
            with the number of incidents measured in brackets; the last row covers every {data.unit}{" "}
            with the median. Pending: not yet acknowledged or resolved.
          </TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead rowSpan={2} className="align-bottom">
                {data.unit === "week" ? "Week" : "Month"}
              </TableHead>
              {rows.map(({ series }) => (
                <TableHead
                  key={series.key ?? "none"}
                  colSpan={2}
                  scope="colgroup"
                  className="border-l text-center normal-case"
                >
                  {series.label}
                </TableHead>
              ))}
            </TableRow>
            <TableRow>
              {rows.flatMap(({ series }) => [
                <TableHead key={`${series.key}-a`} className="border-l text-right">
                  MTTA
                </TableHead>,
                <TableHead key={`${series.key}-r`} className="text-right">
                  MTTR
                </TableHead>,
              ])}
            </TableRow>
          </TableHeader>
          <TableBody>
            {data.periods.map((p, i) => (
              <TableRow key={p.key} data-testid="response-row" data-period={p.key}>
                <TableHead
                  scope="row"
                  className="whitespace-nowrap normal-case tracking-normal text-foreground"
                >
                  {/* the paper is narrow: "28 Sep" under the column's "Week" */}
                  <span className="print:hidden">{p.label}</span>
                  <span className="hidden print:inline">{p.short}</span>
                </TableHead>
                {rows.flatMap(({ series, resolve }) => [
                  <TableCell
                    key={`${series.key}-a`}
                    className="border-l text-right whitespace-nowrap tabular-nums print:px-1.5 print:whitespace-normal"
                  >
                    {cell(series.points[i])}
                  </TableCell>,
                  <TableCell
                    key={`${series.key}-r`}
                    className="text-right whitespace-nowrap tabular-nums print:px-1.5 print:whitespace-normal"
                  >
                    {cell(resolve?.points[i])}
                  </TableCell>,
                ])}
              </TableRow>
            ))}
            <TableRow className="bg-muted/30 font-medium" data-testid="response-total">
              <TableHead scope="row" className="normal-case tracking-normal text-foreground">
                All {data.unit}s
              </TableHead>
              {rows.flatMap(({ series, resolve }) => [
                <TotalCell key={`${series.key}-a`} stats={series.total} className="border-l" />,
                <TotalCell key={`${series.key}-r`} stats={resolve?.total} />,
              ])}
            </TableRow>
          </TableBody>
        </Table>
      ) : null}
    </div>
  );
}
