import {
  effectiveAlerts,
  formatWindow,
  windowMinutes,
  type EffectiveAlert,
} from "@/lib/domain/slos/alerts";
import type { PortableSloSpec } from "@/lib/domain/slos/openslo-model";
import { matchingBoundary, latencyThresholdProblem } from "@/lib/domain/slos/latency-buckets";

/**
 * Prometheus recording and alerting rules for SLOs, in the shape Sloth generates (SRE Workbook
 * multi-window, multi-burn-rate alerts), so Sloth's Grafana dashboards work unchanged:
 *
 * - `flightdeck-slo-sli-recordings-<slo>`: `slo:sli_error:ratio_rate<w>`, the error ratio over
 *   every window the alerts use (and 5m, which the current burn rate reads), plus the SLO
 *   window's ratio averaged from the 5m recording.
 * - `flightdeck-slo-meta-recordings-<slo>`: objective, error budget, period, burn rates and
 *   budget left, and `sloth_slo_info`.
 * - `flightdeck-slo-alerts-<slo>`: one alert per severity; each of its windows fires when both
 *   the short and the long window burn faster than the window's threshold. The windows and
 *   thresholds are `effectiveAlerts`', as Flightdeck's evaluator uses them.
 *
 * Labels: Sloth's identity labels (`sloth_id`, `sloth_service`, `sloth_slo`, and `sloth_window`
 * on SLI recordings), which its dashboards select on, plus `team` for routing when the SLO names
 * one. Alerts add `severity` and `sloth_severity` (page or ticket) and `slo`, `service`, `team`.
 *
 * What Prometheus cannot say exactly:
 * - Calendar windows: a range cannot start at the first of the month, so the SLO window's
 *   ratio and the thresholds use the length of the month (quarter) containing `now` as a
 *   rolling window. Regenerate the rules each month (quarter).
 * - Timeslice budgeting: the rules use the same event error ratios as occurrences (a burst of
 *   bad events is what makes minutes bad), so the period budget here approximates what
 *   Flightdeck's evaluator computes from good minutes.
 * - Quality and freshness are states, not events: their error ratio is the share of minutes
 *   (a 1m subquery) in which the lowest accuracy was below the floor, or the oldest data was
 *   older than the threshold.
 */

export interface SliMetrics {
  /** counter of requests, labelled by service and outcome */
  requests: string;
  /** the label matcher that picks failed requests out of `requests` */
  errorMatcher: string;
  /** request-duration histogram (seconds); `_bucket` and `_count` are appended */
  requestDuration: string;
  /** that histogram's `le` boundaries, in seconds: a latency threshold must be one of them */
  latencyBuckets: readonly number[];
  /** gauge of online accuracy, 0..1 */
  accuracy: string;
  /** gauge of the age of the data a service serves, in seconds */
  dataAge: string;
  /** the label that names the service: Flightdeck serves each model as a service */
  serviceLabel: string;
}

/** Request-duration buckets (seconds) of Flightdeck's simulated model servers. */
export const DEFAULT_LATENCY_BUCKETS = [
  0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10,
] as const;

/**
 * The metrics of Flightdeck's simulator exporter, named as a real deployment's exporter would;
 * a deployment whose exporters differ passes its own names.
 */
export const DEFAULT_SLI_METRICS: SliMetrics = {
  requests: "flightdeck_sim_requests_total",
  errorMatcher: 'code="5xx"',
  requestDuration: "flightdeck_sim_request_duration_seconds",
  latencyBuckets: DEFAULT_LATENCY_BUCKETS,
  accuracy: "flightdeck_sim_online_accuracy",
  dataAge: "flightdeck_sim_data_age_seconds",
  serviceLabel: "model",
};

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

/** Every SLO that cannot be turned into rules, named as `SLO/<name>`. */
export class SloRulesError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      problems.length === 1
        ? (problems[0] ?? "")
        : [`${problems.length} SLOs cannot become Prometheus rules:`, ...problems].join("\n  "),
    );
    this.name = "SloRulesError";
    this.problems = problems;
  }
}

export const ALERT_NAME = "SloErrorBudgetBurn";

/**
 * A number as PromQL and labels should read it: twelve significant digits, so
 * 1 − 0.999 prints as 0.001 rather than 0.0010000000000000009.
 */
export function formatNumber(x: number): string {
  return String(Number(x.toPrecision(12)));
}

const quote = (v: string) =>
  `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;

function selector(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(", ")}}`;
}

const percent = (ratio: number) => formatNumber(ratio * 100);

/** The PromQL of the SLI's error ratio over `[window]`, with `{{window}}` left to fill in. */
function errorRatioQuery(spec: PortableSloSpec, m: SliMetrics): string | { problem: string } {
  const service = `${m.serviceLabel}=${quote(spec.service)}`;
  const threshold = spec.threshold ?? 0;
  switch (spec.sliKind) {
    case "availability":
      return [
        `(sum(rate(${m.requests}{${service},${m.errorMatcher}}[{{window}}])))`,
        "/",
        `(sum(rate(${m.requests}{${service}}[{{window}}])))`,
      ].join("\n");
    case "latency": {
      const le = matchingBoundary(threshold, m.latencyBuckets);
      if (le === undefined) {
        return {
          problem: latencyThresholdProblem(threshold, m.latencyBuckets, m.requestDuration)!,
        };
      }
      const count = `sum(rate(${m.requestDuration}_count{${service}}[{{window}}]))`;
      return [
        `(${count} - sum(rate(${m.requestDuration}_bucket{${service},le="${formatNumber(le)}"}[{{window}}])))`,
        "/",
        `(${count})`,
      ].join("\n");
    }
    case "quality":
      return `avg_over_time((min(${m.accuracy}{${service}}) < bool ${formatNumber(threshold)})[{{window}}:1m])`;
    case "freshness":
      return `avg_over_time((max(${m.dataAge}{${service}}) > bool ${formatNumber(threshold)})[{{window}}:1m])`;
  }
}

function describeWindows(alerts: EffectiveAlert[], days: string): string {
  return alerts
    .map(
      (a) =>
        `burn rate above ${formatNumber(a.threshold)} over ${formatWindow(a.longWindowMinutes)} and ${formatWindow(a.shortWindowMinutes)} (${percent(a.budgetFraction)}% of the ${days}-day budget in ${formatWindow(a.longWindowMinutes)})`,
    )
    .join(", or ");
}

function rulesFor(
  spec: PortableSloSpec,
  now: Date,
  m: SliMetrics,
): RuleGroup[] | { problem: string } {
  const query = errorRatioQuery(spec, m);
  if (typeof query !== "string") return query;
  const identity = {
    sloth_id: `${spec.service}-${spec.name}`,
    sloth_service: spec.service,
    sloth_slo: spec.name,
  };
  const team: Record<string, string> = spec.team === undefined ? {} : { team: spec.team };
  const labels = { ...identity, ...team };
  const sel = selector(identity);
  const sloMinutes = windowMinutes(spec.window, now);
  const period = formatWindow(sloMinutes);
  const days = formatNumber(sloMinutes / 1440);
  const budget = formatNumber(1 - spec.objective);
  const plan = effectiveAlerts(spec.alerts, sloMinutes);

  const minutes = [
    ...new Set([5, ...plan.flatMap((a) => [a.shortWindowMinutes, a.longWindowMinutes])]),
  ].sort((a, b) => a - b);
  const sli: RecordingRule[] = minutes.map((w) => ({
    record: `slo:sli_error:ratio_rate${formatWindow(w)}`,
    expr: query.replaceAll("{{window}}", formatWindow(w)),
    labels: { ...labels, sloth_window: formatWindow(w) },
  }));
  if (!minutes.includes(sloMinutes)) {
    sli.push({
      record: `slo:sli_error:ratio_rate${period}`,
      expr: [
        `sum_over_time(slo:sli_error:ratio_rate5m${sel}[${period}])`,
        "/ ignoring (sloth_window)",
        `count_over_time(slo:sli_error:ratio_rate5m${sel}[${period}])`,
      ].join("\n"),
      labels: { ...labels, sloth_window: period },
    });
  }

  const burnOf = (ratio: string) =>
    [
      `${ratio}${sel}`,
      "/ on(sloth_id, sloth_slo, sloth_service) group_left",
      `slo:error_budget:ratio${sel}`,
    ].join("\n");
  // Each rule gets its own labels object, so a YAML writer has no shared objects to alias.
  const meta: RecordingRule[] = [
    ["slo:objective:ratio", `vector(${formatNumber(spec.objective)})`],
    ["slo:error_budget:ratio", `vector(${budget})`],
    ["slo:time_period:days", `vector(${days})`],
    ["slo:current_burn_rate:ratio", burnOf("slo:sli_error:ratio_rate5m")],
    ["slo:period_burn_rate:ratio", burnOf(`slo:sli_error:ratio_rate${period}`)],
    ["slo:period_error_budget_remaining:ratio", `1 - slo:period_burn_rate:ratio${sel}`],
  ].map(([record = "", expr = ""]) => ({ record, expr, labels: { ...labels } }));
  meta.push({
    record: "sloth_slo_info",
    expr: "vector(1)",
    labels: { ...labels, sloth_objective: percent(spec.objective) },
  });

  const alerts: AlertingRule[] = (["page", "ticket"] as const).flatMap((severity) => {
    const windows = plan.filter((a) => a.severity === severity);
    if (windows.length === 0) return [];
    const over = (w: number, t: string) =>
      `max(slo:sli_error:ratio_rate${formatWindow(w)}${sel} > (${t} * ${budget})) without (sloth_window)`;
    const expr = windows
      .map((a) => {
        const t = formatNumber(a.threshold);
        return `(\n    ${over(a.shortWindowMinutes, t)}\n    and\n    ${over(a.longWindowMinutes, t)}\n)`;
      })
      .join("\nor\n");
    const name = spec.displayName || spec.name;
    return [
      {
        alert: ALERT_NAME,
        expr,
        labels: {
          severity,
          sloth_severity: severity,
          slo: spec.name,
          service: spec.service,
          ...team,
        },
        annotations: {
          title: `(${severity}) ${spec.service} ${spec.name} SLO error budget burn rate is too fast.`,
          summary: `${name}: ${spec.service} is spending its error budget (${percent(spec.objective)}% over ${period}) too fast.`,
          description: `Fires on a ${describeWindows(windows, days)}.`,
        },
      },
    ];
  });

  const groups: RuleGroup[] = [
    { name: `flightdeck-slo-sli-recordings-${spec.name}`, rules: sli },
    { name: `flightdeck-slo-meta-recordings-${spec.name}`, rules: meta },
  ];
  if (alerts.length > 0) groups.push({ name: `flightdeck-slo-alerts-${spec.name}`, rules: alerts });
  return groups;
}

/**
 * The Prometheus rules of a set of SLOs. `now` sizes calendar windows (see above); `metrics`
 * renames the metrics for a deployment whose exporters differ from Flightdeck's simulator.
 * Throws a SloRulesError naming every SLO that cannot be expressed.
 */
export function prometheusRules(
  specs: PortableSloSpec[],
  now: Date,
  metrics: Partial<SliMetrics> = {},
): { groups: RuleGroup[] } {
  const m = { ...DEFAULT_SLI_METRICS, ...metrics };
  const problems: string[] = [];
  const groups: RuleGroup[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) {
      problems.push(`SLO/${spec.name}: another SLO has the same name; rule groups would clash.`);
      continue;
    }
    seen.add(spec.name);
    const rules = rulesFor(spec, now, m);
    if ("problem" in rules) problems.push(`SLO/${spec.name}: ${rules.problem}`);
    else groups.push(...rules);
  }
  if (problems.length > 0) throw new SloRulesError(problems);
  return { groups };
}
