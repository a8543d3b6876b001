import type {
  EvalMetric,
  MetricChange,
  MetricDelta,
  MetricDirection,
} from "@/lib/domain/models/registry";
import { metricDirection, primaryMetrics } from "@/lib/domain/models/registry";
import { Badge, type BadgeProps } from "@/components/ui/badge";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { CHANGE_WORD, metricValue, relativeChange, signed } from "./format";

const BETTER_WHEN: Record<MetricDirection, string> = {
  higher: "higher",
  lower: "lower",
  neutral: "—",
};

/** The few most telling eval metrics of a version, for a table cell. */
export function PrimaryMetrics({ metrics, count = 3 }: { metrics: EvalMetric[]; count?: number }) {
  if (metrics.length === 0) return <span className="text-muted-foreground">none recorded</span>;
  const shown = primaryMetrics(metrics, count);
  return (
    <dl className="grid grid-cols-[auto_auto] justify-start gap-x-2 text-xs leading-5">
      {shown.map((m) => (
        <div key={m.name} className="contents">
          <dt className="whitespace-nowrap text-muted-foreground">{m.name}</dt>
          <dd className="text-right font-mono tabular-nums">{metricValue(m.value)}</dd>
        </div>
      ))}
      {metrics.length > shown.length ? (
        <div className="col-span-2">
          <dt className="sr-only">Other metrics</dt>
          <dd className="text-muted-foreground">+{metrics.length - shown.length} more</dd>
        </div>
      ) : null}
    </dl>
  );
}

/** Every eval metric of one version, with the way each improves. */
export function EvalMetricsTable({ metrics }: { metrics: EvalMetric[] }) {
  if (metrics.length === 0) {
    return <p className="text-sm text-muted-foreground">No eval metrics were registered.</p>;
  }
  return (
    <Table data-testid="eval-metrics">
      <TableCaption>Eval metrics</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>Metric</TableHead>
          <TableHead className="text-right">Value</TableHead>
          <TableHead>Better when</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {metrics.map((m) => (
          <TableRow key={m.name}>
            <TableCell className="font-medium">{m.name}</TableCell>
            <TableCell className="text-right font-mono tabular-nums">
              {metricValue(m.value)}
            </TableCell>
            <TableCell className="text-muted-foreground">
              {BETTER_WHEN[metricDirection(m.name)]}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

const CHANGE_TONE: Record<MetricChange, NonNullable<BadgeProps["tone"]>> = {
  better: "good",
  worse: "bad",
  same: "neutral",
  changed: "neutral",
  only_a: "neutral",
  only_b: "neutral",
};

/** A change as arrow, signed value and word, so it reads without its colour. */
export function ChangeBadge({
  change,
  text,
}: {
  change: MetricChange;
  /** e.g. "▲ +0.0123 (+1.7%)"; omitted for one-sided metrics */
  text?: string;
}) {
  return (
    <Badge tone={CHANGE_TONE[change]} data-change={change} className="font-mono tabular-nums">
      {text ? `${text} · ` : ""}
      <span className="font-sans">{CHANGE_WORD[change]}</span>
    </Badge>
  );
}

/** Two versions' eval metrics side by side with B − A. */
export function MetricDeltaTable({ rows, a, b }: { rows: MetricDelta[]; a: string; b: string }) {
  if (rows.length === 0) {
    return <p className="text-sm text-muted-foreground">Neither version has eval metrics.</p>;
  }
  return (
    <Table data-testid="metric-deltas">
      <TableCaption>
        Eval metrics of {a} (A) and {b} (B), with the change from A to B
      </TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>Metric</TableHead>
          <TableHead className="text-right">A · {a}</TableHead>
          <TableHead className="text-right">B · {b}</TableHead>
          <TableHead>Change (B − A)</TableHead>
          <TableHead>Better when</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((m) => {
          const rel = relativeChange(m.relative);
          return (
            <TableRow key={m.name} data-testid="metric-delta" data-metric={m.name}>
              <TableCell className="font-medium">{m.name}</TableCell>
              <TableCell className="text-right font-mono tabular-nums">
                {m.a === null ? "—" : metricValue(m.a)}
              </TableCell>
              <TableCell className="text-right font-mono tabular-nums">
                {m.b === null ? "—" : metricValue(m.b)}
              </TableCell>
              <TableCell>
                <ChangeBadge
                  change={m.change}
                  text={
                    m.delta === null ? undefined : `${signed(m.delta)}${rel ? ` (${rel})` : ""}`
                  }
                />
              </TableCell>
              <TableCell className="text-muted-foreground">{BETTER_WHEN[m.direction]}</TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
