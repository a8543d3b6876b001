"use client";

import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { DotItemDotProps } from "recharts";
import type { ComparisonPoint } from "@/lib/schemas/rollouts";
import { latestReading } from "@/lib/domain/rollouts/series";
import { useZone } from "@/components/common/zone-context";
import { formatClock } from "@/lib/display-zone";

/** An analysis interval that judged the canary over its limit: a red dot on the canary's line. */
function FailedDot(props: DotItemDotProps) {
  const { cx, cy, payload } = props;
  if (!(payload as ComparisonPoint).failed || typeof cx !== "number" || typeof cy !== "number")
    return null;
  return <circle cx={cx} cy={cy} r={4} fill="#dc2626" stroke="#fff" strokeWidth={1} />;
}

/**
 * Canary against baseline over time, with the analysis limit drawn as a dashed line. Once the
 * rollout ended, a line marks when, and the caption gives the canary's last reading: on an
 * aborted rollout, the one that says why.
 */
export function ComparisonChart({
  title,
  points,
  limit,
  format,
  canaryLabel,
  baselineLabel,
  range,
  ended = null,
}: {
  title: string;
  points: ComparisonPoint[];
  /** the time the chart covers, ms since the epoch */
  range: { start: number; end: number };
  /** the canary's limit given the baseline's value */
  limit: (baseline: number | null) => number | null;
  format: (v: number) => string;
  canaryLabel: string;
  baselineLabel: string;
  /** when the rollout ended and how ("aborted"), for a finished rollout; null while it runs */
  ended?: { at: number; label: string; failed: boolean } | null;
}) {
  const data = points.map((p) => ({ ...p, limit: limit(p.baseline) }));
  const reading = latestReading(points);
  const shown = reading ? { ...reading, limit: limit(reading.baseline) } : null;
  const failures = points.filter((p) => p.failed).length;
  const span = range.end - range.start;
  const zone = useZone();
  const time = (t: number) => formatClock(new Date(t), zone);
  const tick = (t: number) => (span < 10 * 60_000 ? time(t) : time(t).slice(0, 5));
  const endText = ended ? `${ended.label} at ${formatClock(new Date(ended.at), zone, true)}` : "";
  return (
    <figure className="rounded-lg border bg-card p-3">
      <figcaption className="mb-1 flex flex-wrap items-baseline justify-between gap-x-2 text-sm font-semibold">
        {title}
        {shown ? (
          <span className="text-xs font-normal text-muted-foreground" data-testid="chart-reading">
            {ended ? `last reading ${time(shown.t)}` : "now"}: canary{" "}
            <span
              className={shown.failed ? "font-medium text-red-700 dark:text-red-300" : undefined}
            >
              {shown.canary !== null ? format(shown.canary) : "—"}
            </span>
            , baseline {shown.baseline !== null ? format(shown.baseline) : "—"}
            {shown.limit !== null ? `, limit ${format(shown.limit)}` : ""}
          </span>
        ) : null}
      </figcaption>
      {data.length === 0 ? (
        <p className="py-10 text-center text-sm text-muted-foreground">No data yet.</p>
      ) : (
        <div
          className="h-48"
          role="img"
          aria-label={`${title}: canary against baseline over time${failures > 0 ? `; ${failures} analysis interval${failures === 1 ? "" : "s"} over the limit` : ""}${ended ? `; ${endText}` : ""}`}
        >
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 14, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" className="stroke-muted" />
              <XAxis
                dataKey="t"
                type="number"
                domain={[range.start, range.end]}
                allowDataOverflow
                tickFormatter={tick}
                fontSize={11}
                minTickGap={32}
              />
              <YAxis tickFormatter={format} fontSize={11} width={56} />
              <Tooltip
                labelFormatter={(t) => formatClock(new Date(Number(t)), zone, true)}
                formatter={(v) => (typeof v === "number" ? format(v) : String(v))}
              />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {ended ? (
                <ReferenceLine
                  x={ended.at}
                  ifOverflow="extendDomain"
                  stroke={ended.failed ? "#dc2626" : "#64748b"}
                  strokeWidth={1.5}
                  label={(props: { viewBox?: { x?: number; y?: number } }) => (
                    // above the plot, ending at the line: clear of the lines it marks
                    <text
                      x={(props.viewBox?.x ?? 0) - 3}
                      y={(props.viewBox?.y ?? 0) - 4}
                      textAnchor="end"
                      fontSize={11}
                      fill={ended.failed ? "#dc2626" : "#64748b"}
                    >
                      {ended.label}
                    </text>
                  )}
                />
              ) : null}
              <Line
                type="monotone"
                dataKey="baseline"
                name={`baseline ${baselineLabel}`}
                stroke="#2563eb"
                dot={false}
                isAnimationActive={false}
                connectNulls
              />
              <Line
                type="monotone"
                dataKey="canary"
                name={`canary ${canaryLabel}`}
                stroke="#d97706"
                strokeWidth={2}
                dot={failures > 0 ? FailedDot : false}
                isAnimationActive={false}
                connectNulls
              />
              <Line
                type="stepAfter"
                dataKey="limit"
                name="analysis limit"
                stroke="#dc2626"
                strokeDasharray="6 4"
                dot={false}
                isAnimationActive={false}
                connectNulls
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      {failures > 0 ? (
        <p className="mt-1 flex items-center gap-1 text-xs text-muted-foreground">
          <span aria-hidden="true" className="inline-block size-2 rounded-full bg-red-600" />
          analysis interval with the canary over its limit
        </p>
      ) : null}
    </figure>
  );
}
