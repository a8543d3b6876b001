import Link from "next/link";
import type { IncidentChangeView } from "@/server/incidents/changes";
import { actOnIncidentChangeAction } from "@/actions/incidents";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { ChangeActionButton } from "@/components/incidents/change-action";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";

const KIND_LABEL: Record<IncidentChangeView["kind"], string> = {
  rollout: "Rollout",
  promotion: "Promotion",
  rollback: "Rollback",
  config: "Config",
  chaos: "Chaos",
};

const METRIC_LABEL: Record<string, string> = {
  error_rate: "Error rate",
  latency_p50: "p50 latency",
  latency_p99: "p99 latency",
  prediction_drift_psi: "Prediction drift (PSI)",
  online_accuracy: "Online accuracy",
};

function formatMetric(metric: string, value: number | null): string {
  if (value === null) return "–";
  if (metric === "error_rate") return `${(value * 100).toFixed(2)}%`;
  if (metric.startsWith("latency")) return `${value.toFixed(0)} ms`;
  if (metric === "online_accuracy") return `${(value * 100).toFixed(1)}%`;
  return value.toFixed(3);
}

function Evidence({ change }: { change: IncidentChangeView }) {
  const e = change.evidence;
  if (!e) {
    return change.kind === "chaos" || change.kind === "config" ? null : (
      <p className="text-xs text-muted-foreground">No canary analysis or live figures available.</p>
    );
  }
  return (
    <div className="space-y-1" data-testid="change-evidence">
      <p className="text-xs">
        {e.source === "analysis" ? (
          <>
            <span className="font-medium">Canary analysis:</span>{" "}
            <StatusBadge status={e.verdict ?? "inconclusive"} />
            {e.score !== null ? <span> score {e.score}</span> : null} {e.reason}
          </>
        ) : (
          <>
            <span className="font-medium">Live:</span> {e.reason}
          </>
        )}
      </p>
      {e.metrics.length > 0 ? (
        <table className="text-xs">
          <thead>
            <tr className="text-left text-muted-foreground">
              <th className="pr-4 font-medium">Metric</th>
              <th className="pr-4 font-medium">{e.source === "analysis" ? "Canary" : "New"}</th>
              <th className="pr-4 font-medium">
                {e.source === "analysis" ? "Baseline" : "Previous"}
              </th>
              {e.source === "analysis" ? <th className="pr-4 font-medium">Limit</th> : null}
              {e.source === "analysis" ? <th className="font-medium">Verdict</th> : null}
            </tr>
          </thead>
          <tbody>
            {e.metrics.map((m) => (
              <tr key={m.metric}>
                <td className="pr-4">{METRIC_LABEL[m.metric] ?? m.metric}</td>
                <td className="pr-4 tabular-nums">{formatMetric(m.metric, m.canary)}</td>
                <td className="pr-4 tabular-nums">{formatMetric(m.metric, m.baseline)}</td>
                {e.source === "analysis" ? (
                  <td className="pr-4 tabular-nums">{formatMetric(m.metric, m.limit)}</td>
                ) : null}
                {e.source === "analysis" ? (
                  <td>{m.verdict === "no_data" ? "no data" : m.verdict}</td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/** "What changed?": the incident's suspected changes, most suspicious first. */
export function WhatChanged({
  incidentId,
  changes,
  scopeNamed,
}: {
  incidentId: string;
  changes: IncidentChangeView[];
  /** whether the incident names any model or region to look for changes on */
  scopeNamed: boolean;
}) {
  return (
    <Card
      id="what-changed"
      role="region"
      tabIndex={-1}
      aria-labelledby="what-changed-title"
      className="scroll-mt-4"
    >
      <CardHeader>
        <CardTitle id="what-changed-title">What changed?</CardTitle>
      </CardHeader>
      <CardContent>
        {changes.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            {scopeNamed
              ? "No rollout, promotion, rollback, release-settings change or chaos experiment touched the affected models or regions in the 6 hours before detection."
              : "Name the affected models or regions to see the changes made to them before detection."}
          </p>
        ) : (
          <ol aria-label="Suspected changes" className="space-y-3">
            {changes.map((c, index) => (
              <li
                key={c.id}
                data-testid="suspected-change"
                data-kind={c.kind}
                className="rounded-md border p-3"
              >
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <div className="min-w-0 space-y-1">
                    <p className="text-sm font-medium">
                      <span className="mr-2 text-muted-foreground">#{index + 1}</span>
                      <span className="mr-2 rounded border px-1.5 py-0.5 text-xs">
                        {KIND_LABEL[c.kind]}
                      </span>
                      {c.href ? (
                        <Link className="underline" href={c.href}>
                          {c.title}
                        </Link>
                      ) : (
                        c.title
                      )}
                    </p>
                    <div className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
                      <span className="font-medium text-foreground">Score {c.score}</span>
                      <StatusBadge status={c.status} />
                      {c.actor ? <span>by {c.actor}</span> : null}
                    </div>
                    <dl className="flex flex-wrap gap-x-6 gap-y-1 text-xs">
                      <div>
                        <dt className="text-muted-foreground">Started</dt>
                        <dd>
                          <TimeAgo date={c.startedAt} />
                        </dd>
                      </div>
                      {c.endedAt === null ? (
                        <div>
                          <dt className="text-muted-foreground">Ended</dt>
                          <dd>still in progress</dd>
                        </div>
                      ) : c.endedAt.getTime() !== c.startedAt.getTime() ? (
                        <div>
                          <dt className="text-muted-foreground">Ended</dt>
                          <dd>
                            <TimeAgo date={c.endedAt} />
                          </dd>
                        </div>
                      ) : null}
                    </dl>
                  </div>
                  {c.action ? (
                    <ChangeActionButton
                      incidentId={incidentId}
                      change={c.action}
                      act={actOnIncidentChangeAction}
                    />
                  ) : c.noActionReason ? (
                    <p className="max-w-56 text-xs text-muted-foreground">{c.noActionReason}</p>
                  ) : null}
                </div>
                <ul className="mt-2 list-disc pl-5 text-xs" aria-label="Why it is suspected">
                  {c.why.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
                <div className="mt-2">
                  <Evidence change={c} />
                </div>
              </li>
            ))}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}
