// The `flightdeck slo` CLI end to end: the rules it prints pass `promtool check rules`, and
// `promtool test rules` (Debian's prometheus package) shows their alerts behave: an outage
// pages within minutes, a slow burn never pages but opens a ticket once the 3-day window has
// spent enough, and a healthy service alerts on nothing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { main } from "@/cli";
import {
  fromFlightdeckDocs,
  fromOpenSlo,
  parsePortableSloDocuments,
} from "@/lib/domain/slos/openslo";
import {
  prometheusRules,
  type AlertingRule,
  type RuleGroup,
} from "@/lib/domain/slos/prometheus-rules";
import { sloSpecSchema } from "@/lib/domain/slos/spec";

const root = path.resolve(import.meta.dirname, "../../..");
const PROMTOOL = process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";
const FLEET = "tests/fixtures/slo/fleet.flightdeck.yaml";
const NOW = "2026-02-10T00:00:00Z";

let dir = "";
let rulesText = "";

function flightdeck(args: string[], options: { npx?: boolean } = {}) {
  const [command, prefix] = options.npx
    ? ["npx", ["--no-install", "flightdeck"]]
    : [process.execPath, [path.join(root, "bin/flightdeck.mjs")]];
  return spawnSync(command, [...prefix, ...args], { cwd: root, encoding: "utf8" });
}

function promtool(args: string[]) {
  const run = spawnSync(PROMTOOL, args, { cwd: dir, encoding: "utf8" });
  if (run.error) throw new Error(`cannot run ${PROMTOOL} (set PROMTOOL_BIN): ${run.error.message}`);
  return run;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-promtool-"));
  const run = flightdeck(["slo", "rules", FLEET, "--now", NOW]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  rulesText = run.stdout;
  writeFileSync(path.join(dir, "fleet-rules.yml"), rulesText);
  // Only the availability SLO has input series below; leaving out the others keeps promtool's
  // minute-by-minute evaluation of days of data fast.
  const { groups } = YAML.parse(rulesText) as { groups: RuleGroup[] };
  const availability = groups.filter((g) => g.name.endsWith("-ranker-availability"));
  writeFileSync(path.join(dir, "rules.yml"), YAML.stringify({ groups: availability }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("flightdeck slo rules with promtool", () => {
  it("prints rules that promtool accepts, for every SLI kind", () => {
    const check = promtool(["check", "rules", "fleet-rules.yml"]);
    expect(check.stdout + check.stderr).toContain("SUCCESS: 51 rules found");
    expect(check.status).toBe(0);
  });

  it("pages on an outage within minutes, tickets on a slow burn, and is quiet when healthy", () => {
    const { groups } = YAML.parse(rulesText) as { groups: RuleGroup[] };
    const alertRules = groups
      .filter((g) => g.name === "flightdeck-slo-alerts-ranker-availability")
      .flatMap((g) => g.rules as AlertingRule[]);
    const expected = (severity: "page" | "ticket") => {
      const rule = alertRules.find((r) => r.labels.severity === severity);
      if (!rule) throw new Error(`no ${severity} alert`);
      return {
        exp_labels: {
          ...rule.labels,
          sloth_id: "ranker-xl-ranker-availability",
          sloth_service: "ranker-xl",
          sloth_slo: "ranker-availability",
        },
        exp_annotations: rule.annotations,
      };
    };
    const page = expected("page");
    const ticket = expected("ticket");
    const requests = (code: string, values: string) => ({
      series: `flightdeck_sim_requests_total{model="ranker-xl",code="${code}"}`,
      values,
    });
    const alertsAt = (evalTime: string, exp: unknown[]) => ({
      eval_time: evalTime,
      alertname: "SloErrorBudgetBurn",
      exp_alerts: exp,
    });
    const series = (name: string, window?: string) =>
      `${name}{sloth_id="ranker-xl-ranker-availability", sloth_service="ranker-xl", sloth_slo="ranker-availability", team="search-ml"${window ? `, sloth_window="${window}"` : ""}}`;

    // Minute by minute: 1000 requests a minute, an hour without errors first.
    const minutes = {
      rule_files: ["rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          // a total outage after an hour
          interval: "1m",
          input_series: [
            requests("2xx", "0+1000x60 60000+0x30"),
            requests("5xx", "0+0x60 1000+1000x29"),
          ],
          alert_rule_test: [alertsAt("60m", []), alertsAt("63m", [page, ticket])],
          promql_expr_test: [
            {
              expr: 'slo:current_burn_rate:ratio{sloth_slo="ranker-availability"}',
              eval_time: "70m",
              // as in Sloth, the burn rate keeps the window of the ratio it divides
              exp_samples: [{ labels: series("slo:current_burn_rate:ratio", "5m"), value: 1000 }],
            },
          ],
        },
        {
          // 2% errors after six clean hours: a 20× burn, paging once the last hour holds more
          // than 1.44% errors (about 43 minutes in)
          interval: "1m",
          input_series: [
            requests("2xx", "0+1000x360 360980+980x59"),
            requests("5xx", "0+0x360 20+20x59"),
          ],
          alert_rule_test: [
            alertsAt("400m", [ticket]), // 40 min of errors: 1.33% over 1h, 0.22% over 6h
            alertsAt("410m", [page, ticket]), // 50 min: 1.67% over 1h
          ],
        },
      ],
    };
    // Five-minutely over days: 1000 requests every 5 minutes.
    const days = {
      rule_files: ["rules.yml"],
      evaluation_interval: "5m",
      tests: [
        {
          // 2 clean days, then 0.15% errors (a 1.5× burn) for 3 days
          interval: "5m",
          input_series: [requests("2xx", "0+1000x1440"), requests("5xx", "0+0x576 1.5+1.5x863")],
          alert_rule_test: [
            alertsAt("1d", []),
            alertsAt("2d6h", []),
            alertsAt("3d", []), // 1 day of errors: the 3-day ratio is 0.05%
            alertsAt("4d12h", [ticket]), // 2.5 days: 0.125% over 3 days, 0.15% over 6 hours
            alertsAt("5d", [ticket]),
          ],
        },
        {
          // healthy for a day
          interval: "5m",
          input_series: [requests("2xx", "0+1000x288"), requests("5xx", "0+0x288")],
          alert_rule_test: [alertsAt("10m", []), alertsAt("6h", []), alertsAt("1d", [])],
          promql_expr_test: [
            {
              expr: 'slo:error_budget:ratio{sloth_slo="ranker-availability"}',
              eval_time: "1h",
              exp_samples: [{ labels: series("slo:error_budget:ratio"), value: 0.001 }],
            },
          ],
        },
      ],
    };
    writeFileSync(path.join(dir, "minutes.test.yml"), YAML.stringify(minutes));
    writeFileSync(path.join(dir, "days.test.yml"), YAML.stringify(days));
    const test = promtool(["test", "rules", "minutes.test.yml", "days.test.yml"]);
    expect(test.stdout + test.stderr).not.toContain("FAILED");
    expect(test.status).toBe(0);
  });
});

describe("the default alerts on 7- and 90-day windows, with promtool", () => {
  /**
   * The rules of a 99.9% availability SLO of ranker-xl over `days` with the default alerts, in
   * `file`, and the alerts promtool should report for each severity.
   */
  function rulesFor(days: number, file: string) {
    const name = `ranker-${days}d`;
    const spec = sloSpecSchema.parse({
      name,
      service: "ranker-xl",
      team: "search-ml",
      sliKind: "availability",
      objective: 0.999,
      window: { kind: "rolling", days },
      budgetingMethod: "occurrences",
    });
    const { groups } = prometheusRules([spec], new Date(NOW));
    writeFileSync(path.join(dir, file), YAML.stringify({ groups }));
    const alertRules = groups
      .flatMap((g) => g.rules)
      .filter((r): r is AlertingRule => "alert" in r);
    const expected = (severity: "page" | "ticket") => {
      const rule = alertRules.find((r) => r.labels.severity === severity);
      if (!rule) throw new Error(`no ${severity} alert`);
      return {
        exp_labels: {
          ...rule.labels,
          sloth_id: `ranker-xl-${name}`,
          sloth_service: "ranker-xl",
          sloth_slo: name,
          team: "search-ml",
        },
        exp_annotations: rule.annotations,
      };
    };
    return { page: expected("page"), ticket: expected("ticket"), alertRules };
  }

  const requests = (code: string, values: string) => ({
    series: `flightdeck_sim_requests_total{model="ranker-xl",code="${code}"}`,
    values,
  });
  const alertsAt = (evalTime: string, exp: unknown[]) => ({
    eval_time: evalTime,
    alertname: "SloErrorBudgetBurn",
    exp_alerts: exp,
  });
  function runTests(file: string, tests: unknown[], evaluationInterval: string, rules: string) {
    writeFileSync(
      path.join(dir, file),
      YAML.stringify({ rule_files: [rules], evaluation_interval: evaluationInterval, tests }),
    );
    const check = promtool(["check", "rules", rules]);
    expect(check.status).toBe(0);
    const test = promtool(["test", "rules", file]);
    expect(test.stdout + test.stderr).not.toContain("FAILED");
    expect(test.status).toBe(0);
  }

  it("7 days: never tickets a 0.5× burn, tickets 1.5× over 16.8 h, pages 20× over 14 min", () => {
    const { page, ticket, alertRules } = rulesFor(7, "week-rules.yml");
    // The unscaled 3-day ticket fired above 0.233×; scaled windows keep 14.4×, 6× and 1×.
    expect(alertRules.map((r) => r.expr).join("\n")).not.toContain("ratio_rate3d");
    runTests(
      "week-minutes.test.yml",
      [
        {
          // 2% errors (20×) after a clean hour: the 14-minute window passes 1.44% after 10 min
          interval: "1m",
          input_series: [
            requests("2xx", "0+1000x60 60980+980x29"),
            requests("5xx", "0+0x60 20+20x29"),
          ],
          alert_rule_test: [
            alertsAt("60m", []),
            // 6 minutes: 0.86% over the last 14 minutes, no page yet; the ticket's windows
            // reach back past the data, which averages 1.8×
            alertsAt("66m", [ticket]),
            alertsAt("76m", [page, ticket]), // 16 minutes: 20× over 14 and 1 minutes
          ],
        },
      ],
      "1m",
      "week-rules.yml",
    );
    runTests(
      "week-days.test.yml",
      [
        {
          // 0.05% errors (0.5×) for 3 days: the budget would last 14 days
          interval: "5m",
          input_series: [requests("2xx", "0+1000x864"), requests("5xx", "0+0.5x864")],
          alert_rule_test: [alertsAt("1d", []), alertsAt("2d", []), alertsAt("3d", [])],
        },
        {
          // 2 clean days, then 0.15% (1.5×): over 16.8 h the burn passes 1× after 11.2 h
          interval: "5m",
          input_series: [
            requests("2xx", "0+1000x576 576998.5+998.5x288"),
            requests("5xx", "0+0x576 1.5+1.5x288"),
          ],
          alert_rule_test: [
            alertsAt("2d9h", []), // 9 of the last 16.8 hours at 1.5×: 0.8×
            alertsAt("2d13h", [ticket]), // 13 hours: 1.16×
          ],
        },
      ],
      "5m",
      "week-rules.yml",
    );
  });

  it("90 days: pages 20× over 3 h, tickets 1.5× over 9 d, and never fires on 0.95×", () => {
    const { page, ticket } = rulesFor(90, "ninety-rules.yml");
    runTests(
      "ninety-hours.test.yml",
      [
        {
          // A clean day, then 2% errors (20×). Unscaled, the page needed 43.2× over 1 h (or
          // 18× over 6 h) and the ticket 3× over 3 days: none fired. Scaled, the page fires
          // at 14.4× over 3 h once 1.44% of 3 h is bad (after 130 min).
          interval: "5m",
          input_series: [
            requests("2xx", "0+1000x288 288980+980x36"),
            requests("5xx", "0+0x288 20+20x36"),
          ],
          alert_rule_test: [
            // 1 hour of errors: 0.67% over 3 h; 0.08% over the data the 9 days hold
            alertsAt("1d1h", []),
            // 2.5 hours: 1.67% over 3 h, 2% over 15 min; 0.19% over 9 days, 0.28% over 18 h
            alertsAt("1d2h30m", [page, ticket]),
          ],
        },
      ],
      "5m",
      "ninety-rules.yml",
    );
    runTests(
      "ninety-days.test.yml",
      [
        {
          // 2 clean days, then 0.15% (1.5×): over 9 days it passes 1× after 4 days
          interval: "15m",
          input_series: [
            requests("2xx", "0+1000x192 192998.5+998.5x480"),
            requests("5xx", "0+0x192 1.5+1.5x480"),
          ],
          alert_rule_test: [
            alertsAt("5d12h", []), // 3.5 days of 5.5 at 1.5×: 0.95×
            alertsAt("6d12h", [ticket]), // 4.5 days of 6.5: 1.04×
          ],
        },
        {
          // 0.095% errors (0.95×), every window alike: spends 95% of the budget in 90 days
          interval: "15m",
          input_series: [requests("2xx", "0+1000x288"), requests("5xx", "0+0.95x288")],
          alert_rule_test: [alertsAt("1h", []), alertsAt("1d", []), alertsAt("3d", [])],
        },
      ],
      // Input every 15 minutes, rules every 5: promtool evaluates the rule groups in no fixed
      // order, and an alert reading a recording 15 minutes old would find it stale.
      "5m",
      "ninety-rules.yml",
    );
  });
});

/** The CLI in this process, for the cases that need no separate process. */
function inProcess(args: string[]) {
  let stdout = "";
  let stderr = "";
  const status = main(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readFile: (file) => readFileSync(path.resolve(root, file), "utf8"),
    now: () => new Date(NOW),
  });
  return { status, stdout, stderr };
}

describe("flightdeck CLI", () => {
  it("runs as npx flightdeck from the repository root", () => {
    const viaNpx = flightdeck(["slo", "rules", FLEET, "--now", NOW], { npx: true });
    expect(viaNpx.status).toBe(0);
    expect(viaNpx.stdout).toBe(rulesText);
    expect(rulesText.startsWith(`# Prometheus rules for the SLOs in ${FLEET}`)).toBe(true);
  });

  it("exits 1 naming the file, the documents and the fields of bad input", () => {
    const run = flightdeck(["slo", "rules", "tests/fixtures/slo/invalid.openslo.yaml"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("tests/fixtures/slo/invalid.openslo.yaml: 4 problems");
    expect(run.stderr).toContain("SLO/broken-slo spec.objectives: Flightdeck supports exactly one");
    expect(run.stderr).toContain("SLO/broken-slo spec.timeWindow[0].duration:");
    expect(run.stderr).toContain("SLO/broken-slo spec.indicator.spec.rawMetric: unknown field");
  });

  it("exits 2 with the usage when the command is wrong", () => {
    const run = flightdeck(["slo"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("flightdeck: unknown command: slo");
    expect(run.stderr).toContain("Usage:");
  });

  it("exports OpenSLO and Flightdeck documents that read back as the same SLOs", () => {
    const parse = (text: string) => YAML.parseAllDocuments(text).map((d) => d.toJS() as unknown);
    const openslo = inProcess(["slo", "export", FLEET]);
    const native = inProcess(["slo", "export", FLEET, "--to", "flightdeck"]);
    expect(openslo.status).toBe(0);
    expect(native.status).toBe(0);
    const fromNative = fromFlightdeckDocs(parse(native.stdout)).specs;
    expect(fromOpenSlo(parse(openslo.stdout), { now: new Date(NOW) }).specs).toEqual(fromNative);
    expect(fromNative.map((s) => s.name)).toEqual([
      "ranker-availability",
      "ranker-latency",
      "ranker-quality",
      "ranker-features-freshness",
    ]);
  });

  it("exits 1 on unreadable files, YAML errors and thresholds Prometheus cannot express", () => {
    const yamlError = path.join(dir, "broken.yaml");
    writeFileSync(yamlError, "apiVersion: flightdeck.dev/v1\nkind: [SLO\n");
    const between = path.join(dir, "between.yaml");
    writeFileSync(
      between,
      YAML.stringify({
        apiVersion: "flightdeck.dev/v1",
        kind: "SLO",
        metadata: { name: "odd-latency" },
        spec: {
          service: "ranker-xl",
          team: "search-ml",
          sliKind: "latency",
          threshold: 250,
          objective: 0.99,
          window: { kind: "rolling", days: 28 },
          budgetingMethod: "occurrences",
        },
      }),
    );
    const missing = inProcess(["slo", "rules", "tests/fixtures/slo/nowhere.yaml"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^tests\/fixtures\/slo\/nowhere.yaml: cannot read/);
    const broken = inProcess(["slo", "rules", yamlError]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(
      /broken\.yaml:3:1: Flow sequence .* must be sufficiently indented/,
    );
    const odd = inProcess(["slo", "rules", between]);
    expect(odd.status).toBe(1);
    expect(odd.stderr).toContain(
      `${between}: SLO/odd-latency: a latency threshold must be a bucket`,
    );
  });

  it.each([
    [[], /no command given/],
    [["slo", "render", FLEET], /unknown command: slo render/],
    [["slo", "rules"], /slo rules needs a FILE/],
    [["slo", "rules", FLEET, "extra"], /unexpected arguments: extra/],
    [["slo", "rules", FLEET, "--colour"], /Unknown option '--colour'/],
    [["slo", "rules", FLEET, "--now", "yesterday"], /--now must be an ISO 8601 time/],
    [["slo", "export", FLEET, "--to", "sloth"], /--to must be openslo or flightdeck/],
    [["slo", "rules", FLEET, "--to", "openslo"], /--to applies to slo export only/],
  ])("exits 2 with the usage for %j", (args, message) => {
    const run = inProcess(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain("Usage:");
  });

  it("prints its usage for --help", () => {
    const run = inProcess(["--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("flightdeck slo rules FILE");
  });

  it("prints rules and exports for an OpenSLO file that names no team, with --team or without", () => {
    const file = path.join(dir, "teamless.yaml");
    writeFileSync(
      file,
      YAML.stringify({
        apiVersion: "openslo/v1",
        kind: "SLO",
        metadata: { name: "teamless" },
        spec: {
          service: "ranker-xl",
          indicator: {
            metadata: { name: "errors" },
            spec: {
              ratioMetric: {
                bad: { metricSource: { type: "Prometheus", spec: {} } },
                total: { metricSource: { type: "Prometheus", spec: {} } },
              },
            },
          },
          timeWindow: [{ duration: "7d", isRolling: true }],
          budgetingMethod: "Occurrences",
          objectives: [{ target: 0.99 }],
        },
      }),
    );
    const labelsOf = (text: string) =>
      (YAML.parse(text) as { groups: RuleGroup[] }).groups.flatMap((g) =>
        g.rules.map((r) => r.labels),
      );

    const rules = inProcess(["slo", "rules", file]);
    expect(rules.stderr).toBe("");
    expect(rules.status).toBe(0);
    const labels = labelsOf(rules.stdout);
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) {
      expect(l).not.toHaveProperty("team");
      expect(l.sloth_slo ?? l.slo).toBe("teamless");
    }
    writeFileSync(path.join(dir, "teamless-rules.yml"), rules.stdout);
    const check = promtool(["check", "rules", "teamless-rules.yml"]);
    expect(check.stdout + check.stderr).toContain("SUCCESS");
    expect(check.status).toBe(0);

    const withTeam = inProcess(["slo", "rules", file, "--team", "sre"]);
    expect(withTeam.status).toBe(0);
    for (const l of labelsOf(withTeam.stdout)) expect(l.team).toBe("sre");

    // Export keeps the SLO teamless, in both formats, and reads back as the same SLO.
    const parse = (text: string) => YAML.parseAllDocuments(text).map((d) => d.toJS() as unknown);
    const openslo = inProcess(["slo", "export", file]);
    const native = inProcess(["slo", "export", file, "--to", "flightdeck"]);
    expect(openslo.status).toBe(0);
    expect(native.status).toBe(0);
    expect(openslo.stdout).not.toMatch(/team:/);
    expect(native.stdout).not.toMatch(/team:/);
    const again = path.join(dir, "teamless-native.yaml");
    writeFileSync(again, native.stdout);
    expect(inProcess(["slo", "rules", again]).stdout).toBe(rules.stdout.replace(file, again));
    expect(parsePortableSloDocuments(parse(openslo.stdout)).specs).toEqual(
      parsePortableSloDocuments(parse(native.stdout)).specs,
    );
    const exported = inProcess(["slo", "export", file, "--to", "flightdeck", "--team", "sre"]);
    expect(exported.stdout).toContain("team: sre");

    // Storing needs an owner: the database's reading still refuses a teamless SLO.
    expect(() => fromOpenSlo(parse(openslo.stdout))).toThrow(
      "SLO/teamless metadata.labels.team: no owner team",
    );
    expect(() => fromFlightdeckDocs(parse(native.stdout))).toThrow(
      "SLO/teamless spec.team: no owner team",
    );
    expect(fromFlightdeckDocs(parse(native.stdout), { team: "sre" }).specs[0]?.team).toBe("sre");
  });
});
