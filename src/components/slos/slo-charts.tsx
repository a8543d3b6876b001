"use client";

import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useZone } from "@/components/common/zone-context";
import { formatDay, formatInZone } from "@/lib/display-zone";
import { percent } from "@/components/slos/format";

export interface ChartChange {
  kind: "rollout" | "incident";
  label: string;
  start: number;
  end: number | null;
}

const pct = (v: number) => percent(v, 1);
const times = (v: number) => `${Number(v.toFixed(v >= 10 ? 1 : 2))}×`;
const WINDOW_COLOURS = ["#2563eb", "#9333ea", "#0d9488", "#ca8a04"];

/** Rollouts (blue) and incidents (red) as shaded spans, so a drop lines up with its cause. */
function changeAreas(changes: ChartChange[], from: number, to: number) {
  return changes
    .filter((c) => (c.end ?? to) >= from && c.start <= to)
    .map((c, i) => (
      <ReferenceArea
        key={`${c.kind}-${i}`}
        x1={Math.max(c.start, from)}
        // a short change still gets a visible band
        x2={Math.min(Math.max(c.end ?? to, c.start + (to - from) / 200), to)}
        fill={c.kind === "incident" ? "#dc2626" : "#2563eb"}
        fillOpacity={0.12}
        ifOverflow="hidden"
        label={undefined}
      />
    ));
}

function ChangeLegend({ changes }: { changes: ChartChange[] }) {
  const rollouts = changes.filter((c) => c.kind === "rollout").length;
  const incidents = changes.filter((c) => c.kind === "incident").length;
  return (
    <span className="text-xs font-normal text-muted-foreground">
      shaded: <span className="text-blue-700 dark:text-blue-300">▮ {rollouts} rollouts</span> ·{" "}
      <span className="text-red-700 dark:text-red-300">▮ {incidents} incidents</span>
    </span>
  );
}

/** Error budget left across the SLO window, ending at today's figure. */
export function BurnDownChart({
  points,
  changes,
}: {
  points: { t: number; remaining: number | null }[];
  changes: ChartChange[];
}) {
  const zone = useZone();
  const day = (t: number) => formatDay(new Date(t), zone);
  const stamp = (t: number) => formatInZone(new Date(t), zone);
  const from = points[0]?.t ?? 0;
  const to = points.at(-1)?.t ?? 0;
  return (
    <figure className="rounded-lg border bg-card p-3">
      <figcaption className="mb-1 flex flex-wrap items-baseline justify-between gap-2 text-sm font-semibold">
        Error budget burn-down
        <ChangeLegend changes={changes} />
      </figcaption>
      {points.length === 0 ? (
        <p className="py-10 text-center text-sm text-muted-foreground">No data in this window.</p>
      ) : (
        <div className="h-56" role="img" aria-label="Error budget left over the SLO window">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" className="stroke-muted" />
              <XAxis
                dataKey="t"
                type="number"
                domain={[from, to]}
                tickFormatter={day}
                fontSize={11}
                minTickGap={32}
              />
              <YAxis domain={[0, 1]} tickFormatter={pct} fontSize={11} width={44} />
              <Tooltip
                labelFormatter={(t) => stamp(Number(t))}
                formatter={(v) => (typeof v === "number" ? pct(v) : String(v))}
              />
              {changeAreas(changes, from, to)}
              <ReferenceLine y={0.25} stroke="#d97706" strokeDasharray="4 3" />
              <Line
                type="stepAfter"
                dataKey="remaining"
                name="budget left"
                stroke="#059669"
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

/**
 * The burn rate over each alert's long window, hour by hour, with the thresholds the page and
 * ticket alerts use. A line above its threshold (and its short window above it too) fires.
 */
export function BurnRateChart({
  points,
  windows,
  changes,
}: {
  points: { t: number; [key: string]: number | null }[];
  windows: { minutes: number; label: string; thresholds: { severity: string; value: number }[] }[];
  changes: ChartChange[];
}) {
  const zone = useZone();
  const day = (t: number) => formatDay(new Date(t), zone);
  const stamp = (t: number) => formatInZone(new Date(t), zone);
  const from = points[0]?.t ?? 0;
  const to = points.at(-1)?.t ?? 0;
  const topThreshold = Math.max(1, ...windows.flatMap((w) => w.thresholds.map((t) => t.value)));
  // A log axis cannot show 0: a window without bad events sits on the floor of the chart.
  const data = points.map((p) => {
    const out: Record<string, number | null> = { t: p.t };
    for (const w of windows) {
      const v = p[`w${w.minutes}`] ?? null;
      out[`w${w.minutes}`] = v === null ? null : Math.max(v, 0.01);
    }
    return out;
  });
  return (
    <figure className="rounded-lg border bg-card p-3">
      <figcaption className="mb-1 flex flex-wrap items-baseline justify-between gap-2 text-sm font-semibold">
        Burn rate (last 7 days, log scale)
        <ChangeLegend changes={changes} />
      </figcaption>
      <div
        className="h-56"
        role="img"
        aria-label={`Burn rate over ${windows.map((w) => w.label).join(", ")} windows with alert thresholds`}
      >
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" className="stroke-muted" />
            <XAxis
              dataKey="t"
              type="number"
              domain={[from, to]}
              tickFormatter={day}
              fontSize={11}
              minTickGap={32}
            />
            <YAxis
              scale="log"
              // Always tall enough for every threshold line, so "how far from paging" is visible.
              domain={[0.01, (dataMax: number) => Math.max(dataMax, topThreshold) * 1.5]}
              allowDataOverflow
              tickFormatter={times}
              fontSize={11}
              width={48}
            />
            <Tooltip
              labelFormatter={(t) => stamp(Number(t))}
              formatter={(v) => (typeof v === "number" ? times(v) : String(v))}
            />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {changeAreas(changes, from, to)}
            {windows.flatMap((w, i) =>
              w.thresholds.map((th) => (
                <ReferenceLine
                  key={`${w.minutes}-${th.severity}`}
                  y={th.value}
                  stroke={WINDOW_COLOURS[i % WINDOW_COLOURS.length]}
                  strokeDasharray={th.severity === "page" ? "6 3" : "2 3"}
                  label={{
                    value: `${th.severity} ${w.label} > ${times(th.value)}`,
                    position: "insideTopRight",
                    fontSize: 10,
                  }}
                />
              )),
            )}
            {windows.map((w, i) => (
              <Line
                key={w.minutes}
                type="monotone"
                dataKey={`w${w.minutes}`}
                name={`${w.label} burn`}
                stroke={WINDOW_COLOURS[i % WINDOW_COLOURS.length]}
                dot={false}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
