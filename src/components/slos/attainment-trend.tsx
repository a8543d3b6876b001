import type { TeamTrend, TrendPeriod } from "@/lib/domain/slos/review-summary";
import { shortLabel as short } from "@/components/slos/period-label";

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** A team name short enough for the chart's label column; the full name is in the label. */
function clip(name: string, max = 20) {
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}

/**
 * Each team's share of SLOs meeting their objective over the last periods, as one small SVG
 * rendered on the server: a row per team, a bar per period with its figure written beside it,
 * so it reads in black and white and without the picture (the accessible name lists every
 * figure). "—" marks a period in which none of the team's SLOs had data.
 */
export function AttainmentTrend({
  periods,
  teams,
}: {
  periods: readonly TrendPeriod[];
  teams: readonly TeamTrend[];
}) {
  const labelWidth = 108;
  const column = 42;
  const rowHeight = 26;
  const header = 26;
  const barMax = 18;
  const width = labelWidth + column * periods.length;
  const height = header + rowHeight * teams.length + 2;
  const described = teams
    .map(
      (t) =>
        `${t.team}: ${t.points.map((p, i) => `${periods[i]?.label ?? ""} ${p === null ? "no data" : pct(p)}`).join(", ")}`,
    )
    .join("; ");
  const range =
    periods.length > 0 ? `${periods[0]!.label} to ${periods[periods.length - 1]!.label}` : "";
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={`Share of each team's SLOs that met their objective, ${range}. ${described}.`}
      className="h-auto max-w-full text-foreground"
      data-testid="attainment-trend"
      preserveAspectRatio="xMinYMin meet"
    >
      <title>{`SLOs met per team, ${range}`}</title>
      {periods.map((p, i) => {
        // "Q3" over "2026", "Sep" over "2026": the columns are narrow
        const [name, year] = short(p.label).split(" ");
        return (
          <text key={p.key} fontSize={9.5} className="fill-muted-foreground">
            <tspan x={labelWidth + i * column + 2} y={10}>
              {name}
            </tspan>
            <tspan x={labelWidth + i * column + 2} y={21}>
              {year}
            </tspan>
          </text>
        );
      })}
      {teams.map((t, row) => {
        const top = header + row * rowHeight;
        const base = top + rowHeight - 5;
        return (
          <g key={t.team}>
            <line
              x1={0}
              x2={width}
              y1={top + rowHeight}
              y2={top + rowHeight}
              className="stroke-border"
              strokeWidth={0.75}
            />
            <text x={0} y={base - 3} fontSize={10.5} className="fill-foreground">
              {clip(t.team)}
            </text>
            {t.points.map((p, i) => {
              const x = labelWidth + i * column + 2;
              if (p === null) {
                return (
                  <text key={i} x={x} y={base - 3} fontSize={10} className="fill-muted-foreground">
                    —
                  </text>
                );
              }
              const h = Math.max(1, p * barMax);
              return (
                <g key={i}>
                  <rect
                    x={x}
                    y={base - barMax}
                    width={7}
                    height={barMax}
                    fill="none"
                    className="stroke-muted-foreground/60"
                    strokeWidth={0.75}
                  />
                  <rect x={x} y={base - h} width={7} height={h} className="fill-foreground/75" />
                  <text x={x + 10} y={base - 3} fontSize={10} className="fill-foreground">
                    {pct(p)}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}
