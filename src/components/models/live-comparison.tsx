import { AlertTriangle } from "lucide-react";
import {
  judgeChange,
  type LiveComparison,
  type LiveReading,
  type LiveSide,
  type MetricDirection,
} from "@/lib/domain/models/registry";
import { formatAbsolute } from "@/components/common/time-ago";
import { percent } from "@/components/slos/format";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { ChangeBadge } from "./eval-metrics";
import { signed } from "./format";

interface LiveMetric {
  key: keyof LiveReading;
  label: string;
  direction: MetricDirection;
  format: (x: number) => string;
  /** the difference in the unit people compare in (percentage points, ms) */
  delta: (a: number, b: number) => { value: number; format: (x: number) => string };
}

const points = (x: number) => `${Number(x.toFixed(2))} pp`;

const LIVE_METRICS: LiveMetric[] = [
  {
    key: "errorRate",
    label: "Error rate",
    direction: "lower",
    format: (x) => percent(x, 2),
    delta: (a, b) => ({ value: Number(((b - a) * 100).toFixed(2)), format: points }),
  },
  {
    key: "p99Ms",
    label: "p99 latency",
    direction: "lower",
    format: (x) => `${Math.round(x)} ms`,
    delta: (a, b) => ({ value: Math.round(b) - Math.round(a), format: (x) => `${x} ms` }),
  },
  {
    key: "onlineAccuracy",
    label: "Online accuracy",
    direction: "higher",
    format: (x) => percent(x, 1),
    delta: (a, b) => ({ value: Number(((b - a) * 100).toFixed(1)), format: points }),
  },
  {
    key: "rps",
    label: "Requests/s",
    direction: "neutral",
    format: (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)),
    delta: (a, b) => ({
      value: Number((b - a).toFixed(1)),
      format: (x) => `${x >= 100 ? x.toFixed(0) : x.toFixed(1)}/s`,
    }),
  },
];

function value(side: LiveSide | null, m: LiveMetric): string {
  const v = side?.reading[m.key];
  return v === null || v === undefined ? "—" : m.format(v);
}

function Unavailable({ errors }: { errors: string[] }) {
  if (errors.length === 0) return null;
  return (
    <p
      role="alert"
      className="mb-2 flex items-start gap-2 rounded-md border border-amber-600/40 bg-amber-500/10 px-3 py-2 text-sm text-amber-900 dark:text-amber-300"
    >
      <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
      <span>Metrics unavailable: {errors.join("; ")}. The other figures are current.</span>
    </p>
  );
}

/**
 * Live error rate, p99 latency and online accuracy of two versions: side by side where both
 * serve (a canary), otherwise each version's own, with a plain statement that they never meet.
 */
export function LiveComparisonView({
  live,
  a,
  b,
  source,
}: {
  live: LiveComparison;
  a: string;
  b: string;
  source: string;
}) {
  const readAt = `${source} · read ${formatAbsolute(live.readAt)}`;
  if (live.rows.length === 0) {
    return (
      <p className="text-sm text-muted-foreground" data-testid="live-none">
        Neither {a} nor {b} serves traffic now, so there are no live metrics to show.
      </p>
    );
  }
  if (live.together) {
    return (
      <div className="space-y-3">
        <Unavailable errors={live.errors} />
        <p className="text-xs text-muted-foreground">{readAt}</p>
        {live.rows.map((row) => (
          <Table key={row.environment} data-testid="live-shared" data-environment={row.environment}>
            <TableCaption>
              Live metrics of {a} and {b} in {row.environment}
            </TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead className="normal-case">
                  <span className="font-semibold text-foreground">{row.environment}</span>
                </TableHead>
                <TableHead className="text-right">
                  A · {a}
                  <div className="normal-case tracking-normal">
                    {row.a?.trafficWeight}% on {row.a?.clusters.join(", ")}
                  </div>
                </TableHead>
                <TableHead className="text-right">
                  B · {b}
                  <div className="normal-case tracking-normal">
                    {row.b?.trafficWeight}% on {row.b?.clusters.join(", ")}
                  </div>
                </TableHead>
                <TableHead>Change (B − A)</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {LIVE_METRICS.map((m) => {
                const x = row.a?.reading[m.key] ?? null;
                const y = row.b?.reading[m.key] ?? null;
                const d = x !== null && y !== null ? m.delta(x, y) : null;
                return (
                  <TableRow key={m.key} data-metric={m.key}>
                    <TableHead scope="row" className="normal-case tracking-normal">
                      {m.label}
                    </TableHead>
                    <TableCell className="text-right tabular-nums">{value(row.a, m)}</TableCell>
                    <TableCell className="text-right tabular-nums">{value(row.b, m)}</TableCell>
                    <TableCell>
                      {d ? (
                        <ChangeBadge
                          change={judgeChange(d.value, m.direction)}
                          text={signed(d.value, d.format)}
                        />
                      ) : (
                        <span className="text-muted-foreground">—</span>
                      )}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        ))}
      </div>
    );
  }
  // A version with no row here serves nowhere: say so rather than leave it to be inferred.
  const idle = [a, b].filter(
    (v) => !live.rows.some((r) => r.a?.version === v || r.b?.version === v),
  );
  const sides = live.rows.flatMap((row) =>
    [row.a, row.b]
      .filter((s): s is LiveSide => s !== null)
      .map((side) => ({ row, side, label: side.version === a ? "A" : "B" })),
  );
  return (
    <div className="space-y-2">
      <p className="text-sm" data-testid="live-apart">
        {a} and {b} never serve traffic in the same environment now
        {idle.length > 0 ? ` (${idle.join(" and ")} serves nowhere)` : ""}, so their live metrics
        cannot be compared like for like. Below, each version&apos;s own live metrics where it runs.
      </p>
      <Unavailable errors={live.errors} />
      <p className="text-xs text-muted-foreground">{readAt}</p>
      <Table data-testid="live-own">
        <TableCaption>Each version&apos;s live metrics where it serves</TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead>Version</TableHead>
            <TableHead>Environment · cluster</TableHead>
            <TableHead className="text-right">Traffic</TableHead>
            {LIVE_METRICS.map((m) => (
              <TableHead key={m.key} className="text-right">
                {m.label}
              </TableHead>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {sides.map(({ row, side, label }) => (
            <TableRow key={`${row.environment}-${side.version}`} data-version={side.version}>
              <TableCell className="font-mono">
                {label} · {side.version}
              </TableCell>
              <TableCell>
                {row.environment}
                <div className="text-xs text-muted-foreground">{side.clusters.join(", ")}</div>
              </TableCell>
              <TableCell className="text-right tabular-nums">{side.trafficWeight}%</TableCell>
              {LIVE_METRICS.map((m) => (
                <TableCell key={m.key} className="text-right tabular-nums">
                  {value(side, m)}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
