import { SPLIT_KEYS, SPLIT_LABELS, type SplitKey } from "@/lib/domain/capacity/split";
import type { HourPoint } from "@/lib/domain/capacity/usage";
import { formatDay } from "@/lib/display-zone";
import { SPLIT_FILL, SplitPatterns, patternOf } from "./split-colors";

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * The fleet's GPUs by state, hour by hour, as a stacked area drawn on the server (720 points:
 * no chart library in the page). Hours without a sample leave a gap. `days` is the text
 * alternative: the same history as daily means, in a table below.
 */
export function HistoryChart({
  points,
  zone,
  id = "history",
}: {
  points: readonly HourPoint[];
  zone: string;
  id?: string;
}) {
  const width = 760;
  const height = 200;
  const left = 44;
  const bottom = 18;
  const plotW = width - left - 4;
  const plotH = height - bottom - 6;
  const max = Math.max(1, ...points.map((p) => p.split?.total ?? 0));
  const step = points.length > 1 ? plotW / (points.length - 1) : plotW;
  const x = (i: number) => left + i * step;
  const y = (v: number) => 6 + plotH - (v / max) * plotH;

  // contiguous runs of hours with data, each drawn as its own areas
  const runs: number[][] = [];
  let run: number[] = [];
  points.forEach((p, i) => {
    if (p.split) run.push(i);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  });
  if (run.length > 0) runs.push(run);

  const areas: { key: SplitKey; d: string }[] = [];
  for (const r of runs) {
    const base = new Array<number>(r.length).fill(0);
    for (const k of SPLIT_KEYS) {
      const top = r.map((i, j) => base[j]! + (points[i]!.split?.[k] ?? 0));
      const upper = r.map((i, j) => `${x(i).toFixed(1)},${y(top[j]!).toFixed(1)}`);
      const lower = r.map((i, j) => `${x(i).toFixed(1)},${y(base[j]!).toFixed(1)}`).reverse();
      // a run of one hour is drawn one step wide
      if (r.length === 1) {
        const i = r[0]!;
        upper.push(`${(x(i) + step).toFixed(1)},${y(top[0]!).toFixed(1)}`);
        lower.unshift(`${(x(i) + step).toFixed(1)},${y(base[0]!).toFixed(1)}`);
      }
      areas.push({ key: k, d: `M${upper.join("L")}L${lower.join("L")}Z` });
      top.forEach((v, j) => (base[j] = v));
    }
  }
  const ticks = [0, 0.5, 1].map((f) => Math.round(max * f));
  const dayTicks = points
    .map((p, i) => ({ p, i }))
    .filter(
      ({ p }) => p.hour.getUTCHours() === 0 && Math.floor(p.hour.getTime() / 86_400_000) % 5 === 0,
    );
  const first = points[0]?.hour;
  const last = points.at(-1)?.hour;
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`GPUs by state, hourly${first && last ? ` from ${formatDay(first, zone)} to ${formatDay(last, zone)}` : ""}; the table below lists the daily means.`}
      className="h-auto w-full max-w-4xl"
      data-testid="capacity-history"
    >
      <SplitPatterns id={id} />
      {ticks.map((t) => (
        <g key={t}>
          <line
            x1={left}
            x2={width - 4}
            y1={y(t)}
            y2={y(t)}
            className="stroke-border"
            strokeWidth={0.5}
          />
          <text
            x={left - 4}
            y={y(t) + 3}
            fontSize={9}
            textAnchor="end"
            className="fill-muted-foreground"
          >
            {fmt(t)}
          </text>
        </g>
      ))}
      {areas.map((a, i) => {
        const pattern = patternOf(id, a.key);
        return (
          <g key={i}>
            <path d={a.d} className={SPLIT_FILL[a.key]} />
            {pattern ? <path d={a.d} fill={pattern} /> : null}
          </g>
        );
      })}
      {dayTicks.map(({ p, i }) => (
        <text
          key={i}
          x={x(i)}
          y={height - 4}
          fontSize={9}
          textAnchor="middle"
          className="fill-muted-foreground"
        >
          {formatDay(p.hour, zone)}
        </text>
      ))}
      <title>{`GPUs by state per hour: ${SPLIT_KEYS.map((k) => SPLIT_LABELS[k]).join(", ")}`}</title>
    </svg>
  );
}
