"use client";

import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { OctagonX } from "lucide-react";
import { useState } from "react";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { useZone } from "@/components/common/zone-context";
import { formatClock } from "@/lib/display-zone";
import { Badge } from "@/components/ui/badge";
import { BlockedBadge } from "@/components/rollouts/blocked-badge";
import { describeMetricsOutagePolicy } from "@/lib/domain/rollouts/outage-policy";
import { intervalOf } from "@/lib/domain/rollouts/engine-step";
import { ComparisonChart } from "@/components/charts/lazy";
import { RolloutActionBar } from "@/components/rollouts/action-bar";
import type {
  RolloutActions,
  RolloutPayloadView,
  RolloutView,
} from "@/components/rollouts/rollout-view";

const POLL_MS = 1_500;

/** The rollout page's live part: polls the rollout and re-renders within two seconds of a change. */
export function RolloutLive({
  initial,
  actions,
}: {
  initial: RolloutPayloadView;
  actions: RolloutActions;
}) {
  const [client] = useState(() => new QueryClient());
  return (
    <QueryClientProvider client={client}>
      <Live initial={initial} actions={actions} />
    </QueryClientProvider>
  );
}

function Live({ initial, actions }: { initial: RolloutPayloadView; actions: RolloutActions }) {
  const query = useQuery({
    queryKey: ["rollout", initial.rollout.id],
    queryFn: async (): Promise<RolloutPayloadView> => {
      const res = await fetch(`/api/v1/rollouts/${initial.rollout.id}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as RolloutPayloadView;
    },
    initialData: initial,
    refetchInterval: POLL_MS,
    refetchIntervalInBackground: false,
  });
  const { rollout: r, series } = query.data;
  const weight = r.currentWeight;
  const errLimit = (b: number | null) =>
    b === null ? null : b + r.thresholds.maxErrorRateIncrease;
  const latLimit = (b: number | null) => (b === null ? null : b * r.thresholds.maxLatencyRatio);
  const ended = r.finishedAt ? endingOf(r.status, r.finishedAt) : null;
  return (
    <div className="space-y-6" data-testid="rollout-live" data-status={r.status}>
      <section aria-label="Status" className="flex flex-wrap items-center gap-3">
        <span data-testid="rollout-status">
          <StatusBadge status={r.status} />
        </span>
        {r.verifying ? (
          <Badge tone="warn" data-testid="verifying">
            verifying with the platform…
          </Badge>
        ) : null}
        {r.blocked ? <BlockedBadge /> : null}
        <span className="text-sm">
          {r.kind === "rollback" ? "Rollback to " : ""}
          <span className="font-medium">{r.toVersion}</span>
          {r.fromVersion ? (
            <span className="text-muted-foreground"> from {r.fromVersion}</span>
          ) : null}
          {" · "}
          {r.environment}
          {r.target ? <span className="text-muted-foreground"> on {r.target.cluster}</span> : null}
        </span>
        <span className="text-sm tabular-nums" data-testid="rollout-weight">
          {weight}% on {r.toVersion}
        </span>
        {query.isError ? (
          <span role="alert" className="text-xs text-amber-800 dark:text-amber-300">
            Live updates paused: the server did not answer. Retrying…
          </span>
        ) : null}
      </section>
      {r.outsideChange && !["completed", "aborted", "rolled_back"].includes(r.status) ? (
        <div
          role="alert"
          className="space-y-1 rounded-md border-2 border-amber-500 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:bg-amber-950 dark:text-amber-100"
          data-testid="outside-change"
        >
          <p className="font-semibold">⚠ Changed outside Flightdeck</p>
          <p>{r.outsideChange}</p>
          <p>
            Flightdeck paused this rollout and will not write to{" "}
            {r.target ? `${r.target.namespace}/${r.target.name}` : "the object"} until someone
            decides. <span className="font-medium">Resume</span> re-applies Flightdeck&apos;s plan (
            {r.toVersion} at {r.currentWeight}%), undoing the outside change;{" "}
            <span className="font-medium">Abort</span> sends all traffic back to{" "}
            {r.fromVersion ?? "the stable version"}.
          </p>
        </div>
      ) : null}
      {r.blocked ? <BlockedAlert rollout={r} blocked={r.blocked} /> : null}
      {r.managedBy ? (
        <p
          className="rounded-md border px-3 py-2 text-sm text-muted-foreground"
          data-testid="managed-by"
        >
          <span className="font-medium text-foreground">Managed by {r.managedBy}.</span> A sync or
          self-heal there can revert what Flightdeck changes on the object; Flightdeck then pauses
          rather than fight it. Keep the image out of what it enforces, or release through Git.
        </p>
      ) : null}
      {r.reason && r.reason !== r.outsideChange ? (
        <p
          className={`rounded-md border px-3 py-2 text-sm ${r.status === "aborted" || r.status === "rolled_back" ? "border-red-300 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-200" : "bg-muted"}`}
          data-testid="rollout-reason"
        >
          {r.reason}
        </p>
      ) : null}

      {r.overrides.length > 0 ? (
        <ul
          className="space-y-1 rounded-md border border-amber-400/60 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:bg-amber-950 dark:text-amber-100"
          data-testid="rollout-overrides"
          aria-label="Policy overrides"
        >
          {r.overrides.map((o) => (
            <li key={o}>
              <span className="font-medium">Override: </span>
              {o}
            </li>
          ))}
        </ul>
      ) : null}

      <RolloutActionBar rollout={r} actions={actions} onDone={() => void query.refetch()} />

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <StepTimeline r={r} />
        <div className="space-y-6 lg:col-span-2">
          <TrafficSplit r={r} />
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
            <ComparisonChart
              title="Error rate"
              points={series.errorRate}
              range={series.window}
              limit={errLimit}
              format={(v) => `${(v * 100).toFixed(2)}%`}
              canaryLabel={r.toVersion}
              baselineLabel={r.fromVersion ?? "baseline"}
              ended={ended}
            />
            <ComparisonChart
              title="p99 latency"
              points={series.latencyP99}
              range={series.window}
              limit={latLimit}
              format={(v) => `${v.toFixed(0)} ms`}
              canaryLabel={r.toVersion}
              baselineLabel={r.fromVersion ?? "baseline"}
              ended={ended}
            />
          </div>
        </div>
      </div>

      <AnalysisRuns r={r} />
      {r.waves.length > 1 ? <Waves r={r} /> : null}
      <History r={r} />
    </div>
  );
}

/** How each finished status reads on the charts' end line, and whether it is a failure. */
const ENDINGS: Record<string, { label: string; failed: boolean }> = {
  aborted: { label: "aborted", failed: true },
  rolled_back: { label: "rolled back", failed: true },
  completed: { label: "completed", failed: false },
};

function endingOf(status: string, finishedAt: string) {
  const ending = ENDINGS[status];
  return ending ? { ...ending, at: new Date(finishedAt).getTime() } : null;
}

function describeStep(s: RolloutView["steps"][number]) {
  if (s.kind === "set_weight") return `Set weight ${s.weight}%`;
  if (s.kind === "pause")
    return s.durationSec ? `Pause ${s.durationSec} s` : "Pause until promoted";
  // Without an interval of its own, a step is measured at the engine's default for its length.
  return `Analysis ${s.durationSec ?? 0} s, every ${intervalOf(s)} s`;
}

function StepTimeline({ r }: { r: RolloutView }) {
  const zone = useZone();
  return (
    <section aria-labelledby="steps" className="rounded-lg border bg-card">
      <h2 id="steps" className="border-b px-4 py-2 text-sm font-semibold">
        Steps{r.waves.length > 1 ? ` · wave ${r.wave + 1} of ${r.waves.length}` : ""}
      </h2>
      <ol className="divide-y" data-testid="rollout-steps">
        {r.steps.map((s) => {
          const current =
            s.index === r.currentStep &&
            !["completed", "aborted", "rolled_back"].includes(r.status);
          return (
            <li
              key={s.index}
              className={`flex items-center justify-between gap-2 px-4 py-2 text-sm ${current ? "bg-primary/5 font-medium" : ""}`}
              aria-current={current ? "step" : undefined}
            >
              <span>
                <span className="mr-2 tabular-nums text-muted-foreground">{s.index + 1}.</span>
                {describeStep(s)}
              </span>
              <StatusBadge
                status={current && s.status === "pending" ? "progressing" : stepStatus(s.status)}
              />
            </li>
          );
        })}
      </ol>
      {r.pausedUntil && r.status === "paused" ? (
        <p className="border-t px-4 py-2 text-xs text-muted-foreground">
          Continues by itself at {formatClock(new Date(r.pausedUntil), zone, true)}.
        </p>
      ) : null}
    </section>
  );
}

const stepStatus = (s: string) =>
  s === "succeeded" ? "completed" : s === "running" ? "progressing" : s;

function TrafficSplit({ r }: { r: RolloutView }) {
  const total = r.traffic.reduce((n, t) => n + t.weight, 0) || 100;
  return (
    <section aria-labelledby="traffic" className="rounded-lg border bg-card p-4">
      <h2 id="traffic" className="mb-2 text-sm font-semibold">
        Live traffic split in {r.environment}
        {r.environmentRps !== null ? (
          <span className="font-normal text-muted-foreground">
            {" "}
            · {r.environmentRps.toFixed(0)} req/s
          </span>
        ) : null}
      </h2>
      {r.traffic.length === 0 ? (
        <p className="text-sm text-muted-foreground">The platform reports no deployment here.</p>
      ) : (
        <>
          <div className="flex h-4 overflow-hidden rounded" role="img" aria-label="Traffic split">
            {r.traffic.map((t, i) => (
              <div
                key={t.version}
                className={i === 0 ? "bg-primary" : "bg-amber-500"}
                style={{ width: `${(t.weight / total) * 100}%` }}
              />
            ))}
          </div>
          <ul className="mt-2 flex flex-wrap gap-4 text-xs" data-testid="traffic-split">
            {r.traffic.map((t) => (
              <li key={t.version}>
                <span className="font-medium">{t.version}</span>: {t.weight}% · {t.replicasReady}/
                {t.replicasDesired} replicas ready
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

const METRIC_NAMES: Record<string, string> = {
  error_rate: "Error rate",
  latency_p50: "p50 latency",
  latency_p99: "p99 latency",
  prediction_drift_psi: "Prediction drift (PSI)",
  online_accuracy: "Online accuracy",
};

function AnalysisRuns({ r }: { r: RolloutView }) {
  const zone = useZone();
  return (
    <section aria-labelledby="analysis" className="rounded-lg border bg-card">
      <h2 id="analysis" className="border-b px-4 py-2 text-sm font-semibold">
        Analysis runs
      </h2>
      <p className="border-b px-4 py-2 text-xs text-muted-foreground" data-testid="metrics-outage">
        {describeMetricsOutagePolicy(r.metricsOutage)} No interval passes or fails without samples.
      </p>
      {r.analysis.length === 0 ? (
        <p className="p-4 text-sm text-muted-foreground">
          {["completed", "aborted", "rolled_back"].includes(r.status)
            ? "No analysis ran before this rollout ended."
            : "No analysis has run yet."}
        </p>
      ) : (
        <ul className="divide-y" data-testid="analysis-runs">
          {r.analysis.slice(0, 12).map((a) => (
            <li key={a.at} className="px-4 py-2 text-sm">
              <div className="flex flex-wrap items-center gap-2">
                <StatusBadge
                  status={
                    a.verdict === "pass"
                      ? "completed"
                      : a.verdict === "fail"
                        ? "failed"
                        : a.verdict === "marginal"
                          ? "at_risk"
                          : "no_data"
                  }
                />
                <span className="font-medium">{a.verdict}</span>
                {a.score !== null ? (
                  <span className="tabular-nums text-muted-foreground">score {a.score}</span>
                ) : null}
                <span className="text-xs text-muted-foreground">
                  step {a.stepIndex + 1} · {formatClock(new Date(a.at), zone, true)}
                </span>
              </div>
              <p className="mt-1 text-xs">{a.reason}</p>
              {a.metrics.length > 0 ? (
                <table className="mt-1 text-xs">
                  <caption className="sr-only">Per-metric verdicts</caption>
                  <tbody>
                    {a.metrics.map((m) => (
                      <tr key={m.metric}>
                        <th
                          scope="row"
                          className="pr-3 text-left font-normal text-muted-foreground"
                        >
                          {METRIC_NAMES[m.metric] ?? m.metric}
                        </th>
                        <td
                          className={`pr-3 ${m.verdict === "fail" ? "font-medium text-red-700 dark:text-red-300" : ""}`}
                        >
                          {m.verdict === "fail"
                            ? "✗ fail"
                            : m.verdict === "pass"
                              ? "✓ pass"
                              : "– no data"}
                        </td>
                        <td className="text-muted-foreground">{m.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Waves({ r }: { r: RolloutView }) {
  return (
    <section aria-labelledby="waves" className="rounded-lg border bg-card p-4">
      <h2 id="waves" className="mb-2 text-sm font-semibold">
        Waves
      </h2>
      <ol className="flex flex-wrap items-start gap-4" data-testid="rollout-waves">
        {r.waves.map((w) => (
          <li key={w.wave} className="min-w-48">
            <div className="text-xs text-muted-foreground">Wave {w.wave + 1}</div>
            <ul>
              {w.rollouts.map((x) => (
                <li key={x.id} className="flex items-center gap-2 text-sm">
                  <Link
                    href={`/rollouts/${x.id}`}
                    className={x.id === r.id ? "font-medium" : "hover:underline"}
                  >
                    {x.environment}
                  </Link>
                  <StatusBadge status={x.status} />
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}

function History({ r }: { r: RolloutView }) {
  const zone = useZone();
  return (
    <section aria-labelledby="history" className="rounded-lg border bg-card">
      <h2 id="history" className="border-b px-4 py-2 text-sm font-semibold">
        History
      </h2>
      <ol className="divide-y" data-testid="rollout-history">
        {r.events.map((e, i) => (
          <li key={`${e.at}-${i}`} className="flex gap-3 px-4 py-2 text-sm">
            <div className="w-40 shrink-0 text-xs">
              <TimeAgo date={new Date(e.at)} zone={zone} />
            </div>
            <div>
              <div>{e.message}</div>
              <div className="text-xs text-muted-foreground">{e.actor ?? "flightdeck"}</div>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

const BLOCK_TITLES: Record<string, string> = {
  platform: "The platform refused or failed",
  metrics: "Metrics are unavailable",
  target: "Its platform object is missing",
  internal: "Flightdeck hit an error",
};

/** Why the engine cannot drive the rollout, since when, and what happens next. */
function BlockedAlert({
  rollout: r,
  blocked,
}: {
  rollout: RolloutView;
  blocked: NonNullable<RolloutView["blocked"]>;
}) {
  const zone = useZone();
  const outage =
    blocked.kind === "metrics" && r.metricsOutage.action === "return_to_stable"
      ? `The plan returns all traffic to ${r.fromVersion ?? "the stable version"} after ${r.metricsOutage.afterMinutes} min without metrics.`
      : blocked.kind === "metrics"
        ? "The plan holds the canary at its weight until metrics return."
        : null;
  return (
    <div
      role="alert"
      className="space-y-2 rounded-md border-2 border-red-500 bg-red-50 px-3 py-2 text-sm text-red-950 dark:bg-red-950 dark:text-red-100"
      data-testid="blocked"
      data-kind={blocked.kind}
    >
      <p className="flex items-center gap-1.5 font-semibold">
        <OctagonX className="size-4" aria-hidden="true" />
        Blocked: {BLOCK_TITLES[blocked.kind] ?? "the engine cannot go on"}
      </p>
      <p data-testid="blocked-reason">{blocked.reason}</p>
      {outage ? <p>{outage}</p> : null}
      <dl className="grid grid-cols-1 gap-x-6 gap-y-1 sm:grid-cols-3">
        <div>
          <dt className="text-xs font-medium">Blocked since</dt>
          <dd>
            <TimeAgo date={new Date(blocked.since)} zone={zone} />
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium">Attempts</dt>
          <dd className="tabular-nums">{blocked.attempts}</dd>
        </div>
        <div>
          <dt className="text-xs font-medium">Next attempt</dt>
          <dd>
            {blocked.nextAttemptAt ? (
              <TimeAgo date={new Date(blocked.nextAttemptAt)} zone={zone} />
            ) : (
              "now"
            )}
          </dd>
        </div>
      </dl>
      <p>
        {blocked.alertedAt ? <span className="font-medium">Ticket alert raised. </span> : null}
        Abort and roll back still work: they are applied as soon as the platform answers.
      </p>
    </div>
  );
}
