// Flightdeck's own SLOs (deploy/slos/flightdeck.openslo.yaml) and the PrometheusRule generated
// from them (deploy/kubernetes/prometheus-rule.yaml): the committed file is the generator's
// output; the CLI reads the SLO file and writes the same rules (over the simulator's metric
// names where the PrometheusRule reads Flightdeck's own); every metric is one Flightdeck
// exports; and promtool (Debian's prometheus package, installed by `npm test`) accepts the rules
// and shows that an outage pages.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import type { AlertingRule, RuleGroup } from "@/lib/domain/slos/prometheus-rules";
import {
  generatePrometheusRule,
  NOW,
  RULE_FILE,
  SLO_FILE,
} from "../../../scripts/generate-prometheus-rule";
import { isObj, ROOT, type Obj } from "./support";

const PROMTOOL = process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";

/** The metrics Flightdeck exports about itself (the runtime contract). */
const OWN_METRICS = [
  "flightdeck_http_request_duration_seconds",
  "flightdeck_server_action_duration_seconds",
  "flightdeck_engine_loop_lag_seconds",
  "flightdeck_engine_step_duration_seconds",
  "flightdeck_platform_write_duration_seconds",
  "flightdeck_slo_evaluation_duration_seconds",
  "flightdeck_fleet_sync_age_seconds",
  "flightdeck_alert_intake_total",
  "flightdeck_rollout_blocks_total",
  "flightdeck_rollouts_blocked",
  "flightdeck_db_pool_connections",
  "flightdeck_worker_loop_last_tick_timestamp_seconds",
];

const committed = readFileSync(path.join(ROOT, RULE_FILE), "utf8");
const groups = (YAML.parse(committed) as { spec: { groups: RuleGroup[] } }).spec.groups;
const sloGroups = groups.filter((g) => g.name.startsWith("flightdeck-slo-"));

/** Metric names in PromQL, histogram suffixes dropped (recording rules' names are not metrics). */
const metricsIn = (promql: string) =>
  new Set(
    [...promql.matchAll(/\b(flightdeck_[a-z_]+)/g)].map((m) =>
      (m[1] ?? "").replace(/_(bucket|count|sum)$/, ""),
    ),
  );

/** The SLO documents of the SLO file, with their indicators' queries. */
function sloQueries(): Map<string, string[]> {
  const docs = YAML.parseAllDocuments(readFileSync(path.join(ROOT, SLO_FILE), "utf8")).map(
    (d) => d.toJS() as Obj,
  );
  const queries = (value: unknown): string[] => {
    if (Array.isArray(value)) return value.flatMap(queries);
    if (!isObj(value)) return [];
    return Object.entries(value).flatMap(([k, v]) =>
      k === "query" && typeof v === "string" ? [v] : queries(v),
    );
  };
  const name = (d: Obj) => (d.metadata as { name: string }).name;
  const slis = new Map(docs.filter((d) => d.kind === "SLI").map((d) => [name(d), d]));
  return new Map(
    docs
      .filter((d) => d.kind === "SLO")
      .map((d) => [name(d), queries(slis.get((d.spec as { indicatorRef: string }).indicatorRef))]),
  );
}

describe("Flightdeck's SLOs and their PrometheusRule", () => {
  it("commits exactly what the generator writes", async () => {
    expect(committed).toBe(await generatePrometheusRule());
    expect(committed).toContain("npx tsx scripts/generate-prometheus-rule.ts --write");
  });

  it("are read by `flightdeck slo rules`, which writes the same rules over other metric names", () => {
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, "bin/flightdeck.mjs"), "slo", "rules", SLO_FILE, "--now", NOW],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const cli = (YAML.parse(run.stdout) as { groups: RuleGroup[] }).groups;
    // Only the metric selectors differ: flightdeck_sim_* {model=…} there, Flightdeck's own here.
    const anyMetric = (g: RuleGroup[]) =>
      JSON.parse(JSON.stringify(g).replace(/flightdeck_[a-z_]+\{[^}]*\}/g, "METRIC")) as unknown;
    expect(anyMetric(sloGroups)).toEqual(anyMetric(cli));
    expect(sloGroups.map((g) => g.name)).toEqual(cli.map((g) => g.name));
    expect(sloGroups).toHaveLength(12); // 4 SLOs: SLI recordings, meta recordings, alerts
  });

  it("read only metrics Flightdeck exports, the ones each SLO's OpenSLO queries name", () => {
    const all = metricsIn(JSON.stringify(groups));
    expect([...all].filter((m) => !OWN_METRICS.includes(m))).toEqual([]);
    const slos = sloQueries();
    expect([...slos.keys()].sort()).toEqual([
      "actions-applied",
      "engine-lag",
      "page-latency",
      "platform-writes-applied",
    ]);
    for (const [slo, queries] of slos) {
      const group = groups.find((g) => g.name === `flightdeck-slo-sli-recordings-${slo}`);
      const exprs = (group?.rules ?? []).map((r) => r.expr).join("\n");
      expect(metricsIn(exprs), slo).toEqual(metricsIn(queries.join("\n")));
      // and the same series: every label matcher of the queries is in the rules
      for (const selector of queries.join("\n").matchAll(/\{([^}]*)\}/g)) {
        for (const matcher of (selector[1] ?? "").split(",")) {
          expect(exprs, `${slo}: ${matcher}`).toContain(matcher.trim());
        }
      }
    }
  });
});

describe.skipIf(!existsSync(PROMTOOL))("the PrometheusRule with promtool", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-rule-"));
    writeFileSync(path.join(dir, "rules.yml"), YAML.stringify({ groups }));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const promtool = (args: string[]) => spawnSync(PROMTOOL, args, { cwd: dir, encoding: "utf8" });

  it("passes promtool check rules", () => {
    const count = groups.reduce((n, g) => n + g.rules.length, 0);
    const check = promtool(["check", "rules", "rules.yml"]);
    expect(check.stdout + check.stderr).toContain(`SUCCESS: ${count} rules found`);
    expect(check.status).toBe(0);
  });

  it("pages when pages turn slow, and when the worker's loop stops ticking", () => {
    const alerts = groups
      .filter((g) => g.name === "flightdeck-slo-alerts-page-latency")
      .flatMap((g) => g.rules as AlertingRule[]);
    const expected = (severity: string) => {
      const rule = alerts.find((r) => r.labels.severity === severity);
      if (!rule) throw new Error(`no ${severity} alert for page-latency`);
      return {
        exp_labels: {
          ...rule.labels,
          sloth_id: "flightdeck-page-latency",
          sloth_service: "flightdeck",
          sloth_slo: "page-latency",
        },
        exp_annotations: rule.annotations,
      };
    };
    const http = (suffix: string, extra: string, values: string) => ({
      series: `flightdeck_http_request_duration_seconds_${suffix}{job="flightdeck",route="/",method="GET",status="200"${extra}}`,
      values,
    });
    const tick = (values: string) => ({
      series: 'flightdeck_worker_loop_last_tick_timestamp_seconds{job="flightdeck",loop="engine"}',
      values,
    });
    const stalled = (seconds: number) => ({
      exp_labels: { severity: "page", service: "flightdeck", loop: "engine" },
      exp_annotations: {
        summary: `Flightdeck's engine loop has not ticked for ${Math.floor(seconds / 60)}m ${seconds % 60}s.`,
        description:
          "No process ran the loop for over 2 minutes: rollouts, fleet sync or SLO evaluation are standing still. Check the worker's logs and its database connection.",
      },
    });
    const tests = {
      rule_files: ["rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          // 1000 requests a minute, all under 1 s for an hour, then all slower
          interval: "1m",
          input_series: [
            http("count", "", "0+1000x90"),
            http("bucket", ',le="1"', "0+1000x60 60000+0x30"),
            http("bucket", ',le="+Inf"', "0+1000x90"),
          ],
          alert_rule_test: [
            { eval_time: "60m", alertname: "SloErrorBudgetBurn", exp_alerts: [] },
            // 10 slow minutes: all of the last 5, a sixth of the last hour (13.44× the budget)
            {
              eval_time: "70m",
              alertname: "SloErrorBudgetBurn",
              exp_alerts: [expected("page"), expected("ticket")],
            },
          ],
        },
        {
          // the engine ticks every minute for 10 minutes, then stops
          interval: "1m",
          input_series: [tick("0+60x10 600x20")],
          alert_rule_test: [
            { eval_time: "12m", alertname: "FlightdeckWorkerLoopStalled", exp_alerts: [] },
            {
              eval_time: "16m",
              alertname: "FlightdeckWorkerLoopStalled",
              exp_alerts: [stalled(360)],
            },
          ],
        },
      ],
    };
    writeFileSync(path.join(dir, "rules.test.yml"), YAML.stringify(tests));
    const test = promtool(["test", "rules", "rules.test.yml"]);
    expect(test.stdout + test.stderr).not.toContain("FAILED");
    expect(test.status).toBe(0);
  });
});
