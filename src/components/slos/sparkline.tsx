/**
 * Daily burn rate as a tiny inline SVG, rendered on the server (no chart library in the list).
 * Days above 1× (spending faster than the budget allows) are marked; the label states the
 * peak so the figure reads without the picture.
 */
export function BurnSparkline({ points }: { points: (number | null)[] }) {
  const width = 96;
  const height = 24;
  const values = points.filter((p): p is number => p !== null);
  if (values.length === 0) {
    return <span className="text-xs text-muted-foreground">no data</span>;
  }
  const max = Math.max(2, ...values);
  const step = points.length > 1 ? width / (points.length - 1) : width;
  const y = (v: number) => height - 2 - (Math.min(v, max) / max) * (height - 4);
  const path = points
    .map((p, i) => (p === null ? null : `${(i * step).toFixed(1)},${y(p).toFixed(1)}`))
    .filter(Boolean)
    .join(" ");
  const peak = Math.max(...values);
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Daily burn rate over ${points.length} days, peak ${peak.toFixed(1)}×`}
      className="overflow-visible"
    >
      <title>{`Daily burn rate, peak ${peak.toFixed(1)}×`}</title>
      <line
        x1={0}
        x2={width}
        y1={y(1)}
        y2={y(1)}
        className="stroke-muted-foreground/40"
        strokeDasharray="2 2"
      />
      <polyline points={path} fill="none" className="stroke-primary" strokeWidth={1.5} />
      {points.map((p, i) =>
        p !== null && p > 1 ? (
          <circle key={i} cx={i * step} cy={y(p)} r={1.8} className="fill-destructive" />
        ) : null,
      )}
    </svg>
  );
}

/** Budget left as a bar with its figure; hatched when overspent, so it reads without colour. */
export function BudgetBar({ remaining }: { remaining: number | null }) {
  if (remaining === null) return <span className="text-muted-foreground">—</span>;
  const pct = Math.max(0, Math.min(1, remaining)) * 100;
  const tone =
    remaining <= 0 ? "bg-destructive" : remaining < 0.25 ? "bg-amber-500" : "bg-emerald-600";
  return (
    <div className="flex min-w-28 items-center gap-2">
      <div
        className="h-2 w-16 overflow-hidden rounded bg-muted"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
        aria-label="Error budget left"
      >
        <div className={`h-full ${tone}`} style={{ width: `${pct}%` }} />
      </div>
      <span className="tabular-nums">{Number(pct.toFixed(1))}%</span>
    </div>
  );
}
