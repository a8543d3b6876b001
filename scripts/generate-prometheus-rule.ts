// Generates deploy/kubernetes/prometheus-rule.yaml, the PrometheusRule of Flightdeck's own SLOs
// (deploy/slos/flightdeck.openslo.yaml) plus a few alerts no SLO can express:
//
//   npx tsx scripts/generate-prometheus-rule.ts           # prints it
//   npx tsx scripts/generate-prometheus-rule.ts --write   # writes it
//
// The rules come from the code behind `flightdeck slo rules` (the same OpenSLO reading and the
// same rule generator, so `npx flightdeck slo rules deploy/slos/flightdeck.openslo.yaml` prints
// the same groups), with one difference: the CLI writes rules over the simulator's metrics
// (flightdeck_sim_*), while these read the metrics Flightdeck exports about itself, named per
// SLO in SELF_METRICS below. tests/unit/deploy/prometheus-rule.test.ts fails when the
// committed file is not this script's output.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { parsePortableSloDocuments } from "../src/lib/domain/slos/openslo";
import {
  prometheusRules,
  type AlertingRule,
  type RuleGroup,
  type SliMetrics,
} from "../src/lib/domain/slos/prometheus-rules";
import { parseYamlDocuments, stringifyYaml } from "../src/lib/yaml";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SLO_FILE = "deploy/slos/flightdeck.openslo.yaml";
export const RULE_FILE = "deploy/kubernetes/prometheus-rule.yaml";
export const COMMAND = "npx tsx scripts/generate-prometheus-rule.ts --write";
/**
 * The `--now` of the rules: fixed, so the file only changes when the SLOs do. Every window in
 * the SLO file is rolling, so the date sizes nothing.
 */
export const NOW = "2026-01-01T00:00:00Z";

/**
 * Buckets (seconds) of flightdeck_http_request_duration_seconds (src/lib/telemetry). The
 * latency SLO's threshold (1 s) must be one of them.
 */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Which of Flightdeck's own metrics each SLO reads. The ServiceMonitor labels every series of
 * web and worker with job="flightdeck", and each SLO's service is `flightdeck`, so the service
 * label is `job`.
 */
export const SELF_METRICS: Record<string, Partial<SliMetrics>> = {
  "page-latency": {
    requestDuration: "flightdeck_http_request_duration_seconds",
    latencyBuckets: HTTP_DURATION_BUCKETS,
    serviceLabel: "job",
  },
  "actions-applied": {
    requests: "flightdeck_server_action_duration_seconds_count",
    // Outcomes are ok or an error code; only the server's own failures spend the budget.
    errorMatcher: 'outcome=~"INTERNAL|UNAVAILABLE|exception"',
    serviceLabel: "job",
  },
  "platform-writes-applied": {
    requests: "flightdeck_platform_write_duration_seconds_count",
    errorMatcher: 'outcome="error"',
    serviceLabel: "job",
  },
  "engine-lag": {
    dataAge: "flightdeck_engine_loop_lag_seconds",
    serviceLabel: "job",
  },
};

interface OperationalAlert extends AlertingRule {
  for: string;
}

const alert = (
  name: string,
  severity: "page" | "ticket",
  expr: string,
  duration: string,
  summary: string,
  description: string,
): OperationalAlert => ({
  alert: name,
  expr,
  for: duration,
  labels: { severity, service: "flightdeck" },
  annotations: { summary, description },
});

/**
 * What the SLOs cannot see: a worker that stopped (its lag gauge then keeps its last value, and
 * a missing series burns no budget), a scrape that fails, a cluster view going stale, a
 * database pool with queries waiting.
 */
export const OPERATIONAL_GROUP: { name: string; rules: OperationalAlert[] } = {
  name: "flightdeck-operational",
  rules: [
    alert(
      "FlightdeckWorkerLoopStalled",
      "page",
      'time() - max by (loop) (flightdeck_worker_loop_last_tick_timestamp_seconds{job="flightdeck"}) > 120',
      "2m",
      "Flightdeck's {{ $labels.loop }} loop has not ticked for {{ $value | humanizeDuration }}.",
      "No process ran the loop for over 2 minutes: rollouts, fleet sync or SLO evaluation are standing still. Check the worker's logs and its database connection.",
    ),
    alert(
      "FlightdeckWorkerAbsent",
      "page",
      'absent(flightdeck_worker_loop_last_tick_timestamp_seconds{job="flightdeck"})',
      "10m",
      "No Flightdeck worker loop reports to Prometheus.",
      "The worker Deployment is down or not scraped: nothing drives rollouts, syncs the fleet or evaluates SLOs.",
    ),
    alert(
      "FlightdeckTargetDown",
      "ticket",
      'up{job="flightdeck"} == 0',
      "5m",
      "Prometheus cannot scrape Flightdeck's {{ $labels.pod }}.",
      "The pod is down, or /metrics refuses the token (FLIGHTDECK_METRICS_TOKEN in the Secret must match what the ServiceMonitor sends).",
    ),
    alert(
      "FlightdeckFleetSyncStale",
      "ticket",
      'max by (cluster) (flightdeck_fleet_sync_age_seconds{job="flightdeck"}) > 600',
      "5m",
      "Flightdeck's view of cluster {{ $labels.cluster }} is {{ $value | humanizeDuration }} old.",
      "Pages show the cluster's last known state; check that the cluster's API server answers Flightdeck's service account.",
    ),
    alert(
      "FlightdeckDatabasePoolSaturated",
      "ticket",
      'sum(flightdeck_db_pool_connections{job="flightdeck",state="waiting"}) > 0',
      "10m",
      "Flightdeck's queries are waiting for database connections.",
      "Every pooled connection has been busy for 10 minutes: raise DATABASE_POOL_SIZE or look for slow queries.",
    ),
    alert(
      "FlightdeckRolloutBlocked",
      "ticket",
      'max(flightdeck_rollouts_blocked{job="flightdeck",alerting="true"}) > 0',
      "1m",
      "{{ $value }} rollout(s) blocked for longer than FLIGHTDECK_BLOCKED_ALERT_MINUTES.",
      "The engine cannot drive them (the platform refuses a write, metrics are unavailable during analysis, or the platform object is missing); each rollout's page says why. Abort and roll back still work.",
    ),
  ],
};

/** The SLO rule groups of the SLO file, each SLO over its own metrics. */
export function sloRuleGroups(root: string = ROOT): RuleGroup[] {
  const { documents, errors } = parseYamlDocuments(
    readFileSync(path.join(root, SLO_FILE), "utf8"),
    SLO_FILE,
  );
  if (errors.length > 0) throw new Error(errors.join("\n"));
  const now = new Date(NOW);
  const { specs } = parsePortableSloDocuments(documents, { now });
  const named = new Set(specs.map((s) => s.name));
  const unmapped = specs.filter((s) => !(s.name in SELF_METRICS)).map((s) => s.name);
  const stale = Object.keys(SELF_METRICS).filter((name) => !named.has(name));
  if (unmapped.length > 0 || stale.length > 0) {
    throw new Error(
      `SELF_METRICS must name the metrics of every SLO in ${SLO_FILE} and nothing else; missing: ${unmapped.join(", ") || "none"}; unknown: ${stale.join(", ") || "none"}.`,
    );
  }
  return specs.flatMap((spec) => prometheusRules([spec], now, SELF_METRICS[spec.name]).groups);
}

/** The PrometheusRule manifest, as committed (Prettier-formatted YAML). */
export async function generatePrometheusRule(root: string = ROOT): Promise<string> {
  const manifest = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "flightdeck",
      labels: { "app.kubernetes.io/name": "flightdeck", "app.kubernetes.io/part-of": "flightdeck" },
    },
    spec: { groups: [...sloRuleGroups(root), OPERATIONAL_GROUP] },
  };
  const header = [
    `# Generated by \`${COMMAND}\` from ${SLO_FILE}`,
    "# (Flightdeck's SLOs, as `flightdeck slo rules` writes them, over Flightdeck's own metrics) and",
    "# that script's operational alerts. Do not edit: change those and regenerate.",
  ].join("\n");
  const file = path.join(root, RULE_FILE);
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(`${header}\n${stringifyYaml(manifest)}`, { ...options, parser: "yaml" });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await generatePrometheusRule();
  if (process.argv.includes("--write")) {
    writeFileSync(path.join(ROOT, RULE_FILE), text);
    console.log(`Wrote ${RULE_FILE}`);
  } else {
    process.stdout.write(text);
  }
}
