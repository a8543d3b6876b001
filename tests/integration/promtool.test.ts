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
import { main } from "@/cli/index";
import { fromFlightdeckDocs, fromOpenSlo, parsePortableSloDocuments } from "@/lib/domain/openslo";
import type { AlertingRule, RuleGroup } from "@/lib/domain/slo-rules";

const root = path.resolve(import.meta.dirname, "../..");
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
