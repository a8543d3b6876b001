"use client";

import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Symbols,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { responseTick, responseTime } from "@/components/incidents/format";
import type { ResponseGrouping } from "@/lib/schemas/incident-metrics";

type Marker = "circle" | "square" | "triangle" | "diamond" | "cross" | "star";

/**
 * How a series is drawn. Colour is never the only cue: each also has its own dash pattern and
 * marker, repeated in the legend. Lines are drawn in `currentColor`, so the text-* classes
 * (with their dark variants) theme the chart.
 */
interface SeriesStyle {
  className: string;
  dash: string | undefined;
  marker: Marker;
}

const SEVERITY_STYLES: Record<string, SeriesStyle> = {
  SEV1: { className: "text-red-600 dark:text-red-400", dash: undefined, marker: "circle" },
  SEV2: { className: "text-orange-600 dark:text-orange-400", dash: "7 3", marker: "square" },
  SEV3: { className: "text-sky-600 dark:text-sky-400", dash: "2 3", marker: "triangle" },
  SEV4: { className: "text-slate-500 dark:text-slate-300", dash: "8 3 2 3", marker: "diamond" },
};

const TEAM_STYLES: SeriesStyle[] = [
  { className: "text-violet-600 dark:text-violet-400", dash: undefined, marker: "circle" },
  { className: "text-teal-600 dark:text-teal-400", dash: "7 3", marker: "square" },
  { className: "text-amber-600 dark:text-amber-400", dash: "2 3", marker: "triangle" },
  { className: "text-pink-600 dark:text-pink-400", dash: "8 3 2 3", marker: "diamond" },
  { className: "text-lime-700 dark:text-lime-400", dash: "12 4", marker: "star" },
  { className: "text-slate-500 dark:text-slate-300", dash: "1 3", marker: "cross" },
];

export interface ChartSeries {
  /** severity ("SEV1") or team slug; null for incidents of no team */
  key: string | null;
  label: string;
  /** mean minutes per period, null when none was measured */
  mtta: (number | null)[];
  mttr: (number | null)[];
}

function styleOf(grouping: ResponseGrouping, series: ChartSeries, index: number) {
  const bySeverity = grouping === "severity" ? SEVERITY_STYLES[series.key ?? ""] : undefined;
  return bySeverity ?? TEAM_STYLES[index % TEAM_STYLES.length]!;
}

function LegendSample({ style }: { style: SeriesStyle }) {
  return (
    <svg width={30} height={12} aria-hidden="true" className={style.className}>
      <line
        x1={1}
        x2={29}
        y1={6}
        y2={6}
        stroke="currentColor"
        strokeWidth={2}
        strokeDasharray={style.dash}
      />
      <Symbols cx={15} cy={6} type={style.marker} size={40} fill="currentColor" />
    </svg>
  );
}

/**
 * Log-axis ticks, about ×4 apart: 15 s, 1 min, 5 min, 15 min, 1 h, 4 h, 1 d, 4 d, 14 d, 56 d.
 * Response times span minutes (a SEV1 acknowledged) to days (a SEV4 resolved); on a linear
 * axis the slowest line flattens every other.
 */
const TICKS = [0.25, 1, 5, 15, 60, 240, 1440, 5760, 20160, 80640];

function logAxis(values: number[]) {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const lo = TICKS.findLast((t) => t <= min) ?? TICKS[0]!;
  const hi = TICKS.find((t) => t > Math.max(max, lo)) ?? TICKS.at(-1)!;
  return { domain: [lo, hi], ticks: TICKS.filter((t) => t >= lo && t <= hi) };
}

function Panel({
  title,
  metric,
  periods,
  series,
  styles,
  describe,
}: {
  title: string;
  metric: "mtta" | "mttr";
  periods: { short: string; label: string }[];
  series: ChartSeries[];
  styles: SeriesStyle[];
  describe: string;
}) {
  const measured = series.flatMap((s) => s[metric].filter((v): v is number => v !== null));
  const axis = logAxis(measured.map((v) => Math.max(v, TICKS[0]!)));
  // s0, s1, …: plotted (a log axis cannot show 0); s0raw, …: the figure, for the tooltip
  const data = periods.map((p, i) => {
    const row: Record<string, string | number | null> = { short: p.short, label: p.label };
    series.forEach((s, j) => {
      const v = s[metric][i] ?? null;
      row[`s${j}`] = v === null ? null : Math.max(v, TICKS[0]!);
      row[`s${j}raw`] = v;
    });
    return row;
  });
  return (
    <div>
      <p className="mb-1 text-xs font-medium text-muted-foreground">{title}</p>
      {/* Printed, the page may be narrower than the screen the chart was drawn for, and
          browsers do not redraw it before printing: let the drawing (an SVG with a viewBox)
          fill the box and scale down to it instead of overflowing. */}
      <div
        className="h-52 text-muted-foreground print:[&_.recharts-responsive-container>div]:size-full! print:[&_.recharts-wrapper]:size-full!"
        role="img"
        aria-label={describe}
      >
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" className="stroke-muted" />
            <XAxis
              dataKey="short"
              padding={{ left: 10, right: 10 }}
              fontSize={11}
              tick={{ fill: "currentColor" }}
              stroke="currentColor"
              minTickGap={8}
            />
            <YAxis
              scale="log"
              domain={axis.domain}
              ticks={axis.ticks}
              allowDataOverflow
              tickFormatter={responseTick}
              fontSize={11}
              width={56}
              tick={{ fill: "currentColor" }}
              stroke="currentColor"
            />
            <Tooltip
              labelFormatter={(_, payload) => String(payload?.[0]?.payload?.label ?? "")}
              formatter={(_, __, item) => {
                const raw: unknown = item.payload?.[`${String(item.dataKey)}raw`];
                return typeof raw === "number" ? responseTime(raw) : "—";
              }}
              contentStyle={{
                background: "var(--card)",
                borderColor: "var(--border)",
                color: "var(--card-foreground)",
                fontSize: 12,
              }}
            />
            {series.map((s, j) => (
              <Line
                key={s.key ?? "none"}
                dataKey={`s${j}`}
                name={s.label}
                className={styles[j]!.className}
                stroke="currentColor"
                strokeWidth={2}
                strokeDasharray={styles[j]!.dash}
                // markers are drawn in a layer of their own: they need the colour class too
                dot={{
                  symbol: styles[j]!.marker,
                  r: 4,
                  className: styles[j]!.className,
                  fill: "currentColor",
                  strokeWidth: 0,
                }}
                activeDot={{
                  symbol: styles[j]!.marker,
                  r: 6,
                  className: styles[j]!.className,
                  fill: "currentColor",
                }}
                isAnimationActive={false}
                // a period without incidents of a group is a gap in the data, not a zero
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

/**
 * MTTA and MTTR per week or month, one line per severity or team. Mean minutes only: the
 * figures, medians and counts are in the table that accompanies the chart.
 */
export function ResponseTimeChart({
  periods,
  series,
  grouping,
  unit,
  tableId,
}: {
  periods: { key: string; short: string; label: string }[];
  series: ChartSeries[];
  grouping: ResponseGrouping;
  unit: "week" | "month";
  /** the id of the table with the same figures, for screen readers */
  tableId: string;
}) {
  if (series.length === 0) {
    return (
      <p className="rounded-lg border border-dashed p-8 text-center text-sm text-muted-foreground">
        No incidents were detected in these {unit}s.
      </p>
    );
  }
  const styles = series.map((s, i) => styleOf(grouping, s, i));
  const names = series.map((s) => s.label).join(", ");
  const describe = (what: string) =>
    `${what} per ${unit} by ${grouping}: ${names}. The figures are in the table below.`;
  return (
    <figure className="rounded-lg border bg-card p-3 break-inside-avoid" aria-describedby={tableId}>
      <figcaption className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm font-semibold">
        Mean response time per {unit}, by {grouping} (log scale)
        <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs font-normal" aria-label="Legend">
          {series.map((s, i) => (
            <li key={s.key ?? "none"} className="flex items-center gap-1">
              <LegendSample style={styles[i]!} />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <div className="grid gap-3 lg:grid-cols-2 print:grid-cols-1">
        <Panel
          title="Time to acknowledge (MTTA)"
          metric="mtta"
          periods={periods}
          series={series}
          styles={styles}
          describe={describe("Mean time to acknowledge")}
        />
        <Panel
          title="Time to resolve (MTTR)"
          metric="mttr"
          periods={periods}
          series={series}
          styles={styles}
          describe={describe("Mean time to resolve")}
        />
      </div>
    </figure>
  );
}
