import { AlertTriangle, CheckCircle2, HelpCircle } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import {
  formatHours,
  TOO_OFTEN_RATIO,
  TOO_RARELY_RATIO,
  VERDICT_LABELS,
  type CheckpointAdvice as Advice,
  type CheckpointVerdict,
} from "@/lib/domain/training/reliability";

/** "150 s", "2.5 min": a write duration. */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return `${(Math.round((seconds / 60) * 10) / 10).toFixed(1)} min`;
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);

/** The verdict as a badge that reads without colour: an icon and the words. */
export function VerdictBadge({ verdict }: { verdict: CheckpointVerdict }) {
  const Icon = verdict === "about_right" ? CheckCircle2 : AlertTriangle;
  return (
    <Badge tone={verdict === "about_right" ? "good" : "warn"} data-testid="advice-verdict">
      <Icon aria-hidden />
      {VERDICT_LABELS[verdict]}
    </Badge>
  );
}

/**
 * The checkpoint interval advice: Young/Daly's formula with the job's numbers filled in, the
 * interval it actually uses, and the verdict in words.
 */
export function CheckpointAdviceCard({
  advice,
  gpus,
  checkpoints,
}: {
  advice: Advice;
  gpus: number;
  checkpoints: number;
}) {
  return (
    <section
      aria-labelledby="advice"
      className="rounded-lg border p-4"
      data-testid="checkpoint-advice"
    >
      <h2 id="advice" className="mb-2 text-sm font-semibold">
        Checkpoint interval advice
      </h2>
      {advice.kind === "not_enough_data" ? (
        <p className="flex items-center gap-2 text-sm text-muted-foreground">
          <HelpCircle className="size-4" aria-hidden />
          Not enough data for an advice yet: {advice.reason}.
        </p>
      ) : (
        <AdviceBody advice={advice} gpus={gpus} checkpoints={checkpoints} />
      )}
    </section>
  );
}

function AdviceBody({
  advice: a,
  gpus,
  checkpoints,
}: {
  advice: Extract<Advice, { kind: "advice" }>;
  gpus: number;
  checkpoints: number;
}) {
  const costHours = a.costSeconds / 3600;
  const bound = a.mtbi.kind === "lower_bound";
  const ratio = a.ratio >= 10 ? a.ratio.toFixed(0) : a.ratio.toFixed(1);
  return (
    <div className="space-y-3 text-sm">
      <VerdictBadge verdict={a.verdict} />
      <p data-testid="advice-summary">
        {a.verdict === "too_rarely"
          ? `It checkpoints every ${formatHours(a.intervalHours)}, ${ratio}× the optimum of ${formatHours(a.optimumHours)}: each interruption recomputes on average half an interval (about ${formatHours(a.intervalHours / 2)} on ${gpus} GPUs). Checkpoint about every ${formatHours(a.optimumHours)}.`
          : a.verdict === "too_often"
            ? `It checkpoints every ${formatHours(a.intervalHours)}, ${ratio}× the optimum of ${bound ? "at least " : ""}${formatHours(a.optimumHours)}: writing checkpoints costs more than the interruptions it guards against. Checkpoint about every ${formatHours(a.optimumHours)}${bound ? " or less often" : ""}.`
            : `It checkpoints every ${formatHours(a.intervalHours)}, ${ratio}× the optimum of ${formatHours(a.optimumHours)}: within ${TOO_OFTEN_RATIO}× to ${TOO_RARELY_RATIO}× of it.`}
      </p>
      <dl className="grid gap-x-4 gap-y-1 sm:grid-cols-[max-content_1fr]">
        <dt className="text-muted-foreground">Checkpoint cost C</dt>
        <dd>
          {formatSeconds(a.costSeconds)} (mean write duration of {checkpoints} checkpoint
          {checkpoints === 1 ? "" : "s"})
        </dd>
        <dt className="text-muted-foreground">Mean time between interruptions</dt>
        <dd>
          {bound
            ? `at least ${formatHours(a.mtbi.hours)} (no interruption in ${formatHours(a.mtbi.runningHours)} of running)`
            : `${formatHours(a.mtbi.hours)} (${formatHours(a.mtbi.runningHours)} of running ÷ ${a.mtbi.interruptions} interruption${a.mtbi.interruptions === 1 ? "" : "s"})`}
        </dd>
        <dt className="text-muted-foreground">Optimum interval (Young/Daly)</dt>
        <dd data-testid="advice-formula" className="font-mono text-xs leading-6">
          τ* = √(2 × C × MTBI) {bound ? "≥" : "="} √(2 × {costHours.toFixed(3)} h ×{" "}
          {a.mtbi.hours.toFixed(1)} h) = {a.optimumHours.toFixed(2)} h
        </dd>
        <dt className="text-muted-foreground">Actual interval τ</dt>
        <dd>
          {formatHours(a.intervalHours)} (median time between checkpoints, less the write) = {ratio}
          × the optimum
        </dd>
        <dt className="text-muted-foreground">Expected time lost</dt>
        <dd>
          {pct(a.wasteNow)} now, {pct(a.wasteAtOptimum)} at the optimum (C/τ writing + τ/(2 × MTBI)
          recomputing)
        </dd>
      </dl>
      <p className="text-xs text-muted-foreground">
        Far too rarely above {TOO_RARELY_RATIO}× the optimum, far too often below {TOO_OFTEN_RATIO}
        ×. The formula is a first-order optimum: it holds while the checkpoint cost is small beside
        the mean time between interruptions.
      </p>
    </div>
  );
}
