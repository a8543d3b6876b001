"use client";

import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { ComparisonPoint } from "@/lib/schemas/rollouts";
import { useZone } from "@/components/common/zone-context";
import { formatClock } from "@/lib/display-zone";

/** Canary against baseline over time, with the analysis limit drawn as a dashed line. */
export function ComparisonChart({
  title,
  points,
  limit,
  format,
  canaryLabel,
  baselineLabel,
}: {
  title: string;
  points: ComparisonPoint[];
  /** the canary's limit given the baseline's value */
  limit: (baseline: number | null) => number | null;
  format: (v: number) => string;
  canaryLabel: string;
  baselineLabel: string;
}) {
  const data = points.map((p) => ({ ...p, limit: limit(p.baseline) }));
  const last = data.at(-1);
  const span = (last?.t ?? 0) - (data[0]?.t ?? 0);
  const zone = useZone();
  const time = (t: number) => formatClock(new Date(t), zone);
  const tick = (t: number) => (span < 10 * 60_000 ? time(t) : time(t).slice(0, 5));
  return (
    <figure className="rounded-lg border bg-card p-3">
      <figcaption className="mb-1 flex items-baseline justify-between text-sm font-semibold">
        {title}
        {last ? (
          <span className="text-xs font-normal text-muted-foreground">
            now: canary {last.canary !== null ? format(last.canary) : "—"}, baseline{" "}
            {last.baseline !== null ? format(last.baseline) : "—"}
            {last.limit !== null ? `, limit ${format(last.limit)}` : ""}
          </span>
        ) : null}
      </figcaption>
      {data.length === 0 ? (
        <p className="py-10 text-center text-sm text-muted-foreground">No data yet.</p>
      ) : (
        <div className="h-48" role="img" aria-label={`${title}: canary against baseline over time`}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" className="stroke-muted" />
              <XAxis
                dataKey="t"
                type="number"
                domain={["dataMin", "dataMax"]}
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
                dot={false}
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
    </figure>
  );
}
