import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALERT_NAME,
  DEFAULT_LATENCY_BUCKETS,
  formatNumber,
  prometheusRules,
  SloRulesError,
  type AlertingRule,
  type RecordingRule,
  type RuleGroup,
} from "@/lib/domain/slos/prometheus-rules";
import { MIN_ALERT_BURN_RATE, shortestWindowMinutes } from "@/lib/domain/slos/alerts";
import {
  DEFAULT_ALERT_WINDOWS,
  sloSpecSchema,
  type SloSpec,
  type SloSpecInput,
} from "@/lib/domain/slos/spec";
import { DURATION_BUCKETS } from "@/lib/platform/simulator/exporter";

const NOW = new Date("2026-02-10T00:00:00Z"); // February 2026: 28 days; Q1 2026: 90 days

const spec = (over: Partial<SloSpecInput> = {}): SloSpec =>
  sloSpecSchema.parse({
    name: "ranker-availability",
    service: "ranker-xl",
    team: "search-ml",
    sliKind: "availability",
    objective: 0.999,
    window: { kind: "rolling", days: 30 },
    budgetingMethod: "occurrences",
    ...over,
  });

const groupsOf = (specs: SloSpec[]) => prometheusRules(specs, NOW).groups;
const group = (groups: RuleGroup[], name: string) => {
  const found = groups.find((g) => g.name === name);
  if (!found) throw new Error(`no group ${name}`);
  return found;
};
const records = (g: RuleGroup) => g.rules as RecordingRule[];
const alerts = (g: RuleGroup) => g.rules as AlertingRule[];

const SEL =
  '{sloth_id="ranker-xl-ranker-availability", sloth_service="ranker-xl", sloth_slo="ranker-availability"}';
const IDENTITY = {
  sloth_id: "ranker-xl-ranker-availability",
  sloth_service: "ranker-xl",
  sloth_slo: "ranker-availability",
  team: "search-ml",
};

describe("formatNumber", () => {
  it("prints numbers without binary floating-point noise", () => {
    expect(1 - 0.999).toBe(0.0010000000000000009);
    expect(formatNumber(1 - 0.999)).toBe("0.001");
    expect(formatNumber(1 - 0.9995)).toBe("0.0005");
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
    expect(formatNumber(99.9)).toBe("99.9");
    expect(formatNumber(14 / 15)).toBe("0.933333333333");
    expect(formatNumber(30)).toBe("30");
  });
});

describe("prometheusRules: a 99.9% availability SLO over 30 days, hand-checked", () => {
  const groups = groupsOf([spec({ displayName: "Ranker availability" })]);

  it("writes three groups named after the SLO", () => {
    expect(groups.map((g) => g.name)).toEqual([
      "flightdeck-slo-sli-recordings-ranker-availability",
      "flightdeck-slo-meta-recordings-ranker-availability",
      "flightdeck-slo-alerts-ranker-availability",
    ]);
  });

  it("records the error ratio over every window the alerts use, and over 30 days", () => {
    const sli = records(group(groups, "flightdeck-slo-sli-recordings-ranker-availability"));
    // Workbook windows: 5m/1h and 30m/6h page, 6h/3d ticket.
    expect(sli.map((r) => [r.record, r.labels.sloth_window])).toEqual([
      ["slo:sli_error:ratio_rate5m", "5m"],
      ["slo:sli_error:ratio_rate30m", "30m"],
      ["slo:sli_error:ratio_rate1h", "1h"],
      ["slo:sli_error:ratio_rate6h", "6h"],
      ["slo:sli_error:ratio_rate3d", "3d"],
      ["slo:sli_error:ratio_rate30d", "30d"],
    ]);
    expect(sli[0]).toEqual({
      record: "slo:sli_error:ratio_rate5m",
      expr: [
        '(sum(rate(flightdeck_sim_requests_total{model="ranker-xl",code="5xx"}[5m])))',
        "/",
        '(sum(rate(flightdeck_sim_requests_total{model="ranker-xl"}[5m])))',
      ].join("\n"),
      labels: { ...IDENTITY, sloth_window: "5m" },
    });
    expect(sli[5]?.expr).toBe(
      [
        `sum_over_time(slo:sli_error:ratio_rate5m${SEL}[30d])`,
        "/ ignoring (sloth_window)",
        `count_over_time(slo:sli_error:ratio_rate5m${SEL}[30d])`,
      ].join("\n"),
    );
  });

  it("records the objective, the budget, the period and the burn rates", () => {
    const meta = records(group(groups, "flightdeck-slo-meta-recordings-ranker-availability"));
    expect(Object.fromEntries(meta.map((r) => [r.record, r.expr]))).toEqual({
      "slo:objective:ratio": "vector(0.999)",
      "slo:error_budget:ratio": "vector(0.001)", // not 0.0010000000000000009
      "slo:time_period:days": "vector(30)",
      "slo:current_burn_rate:ratio": [
        `slo:sli_error:ratio_rate5m${SEL}`,
        "/ on(sloth_id, sloth_slo, sloth_service) group_left",
        `slo:error_budget:ratio${SEL}`,
      ].join("\n"),
      "slo:period_burn_rate:ratio": [
        `slo:sli_error:ratio_rate30d${SEL}`,
        "/ on(sloth_id, sloth_slo, sloth_service) group_left",
        `slo:error_budget:ratio${SEL}`,
      ].join("\n"),
      "slo:period_error_budget_remaining:ratio": `1 - slo:period_burn_rate:ratio${SEL}`,
      sloth_slo_info: "vector(1)",
    });
    expect(
      meta.slice(0, -1).every((r) => JSON.stringify(r.labels) === JSON.stringify(IDENTITY)),
    ).toBe(true);
    expect(meta.at(-1)?.labels).toEqual({ ...IDENTITY, sloth_objective: "99.9" });
  });

  it("pages on 14.4× over 5m and 1h or 6× over 30m and 6h, and tickets on 1× over 6h and 3d", () => {
    const [page, ticket] = alerts(group(groups, "flightdeck-slo-alerts-ranker-availability"));
    const over = (w: string, t: string) =>
      `max(slo:sli_error:ratio_rate${w}${SEL} > (${t} * 0.001)) without (sloth_window)`;
    expect(page?.alert).toBe(ALERT_NAME);
    expect(page?.expr).toBe(
      [
        "(",
        `    ${over("5m", "14.4")}`,
        "    and",
        `    ${over("1h", "14.4")}`,
        ")",
        "or",
        "(",
        `    ${over("30m", "6")}`,
        "    and",
        `    ${over("6h", "6")}`,
        ")",
      ].join("\n"),
    );
    expect(ticket?.expr).toBe(
      ["(", `    ${over("6h", "1")}`, "    and", `    ${over("3d", "1")}`, ")"].join("\n"),
    );
    expect(page?.labels).toEqual({
      severity: "page",
      sloth_severity: "page",
      slo: "ranker-availability",
      service: "ranker-xl",
      team: "search-ml",
    });
    expect(ticket?.labels.severity).toBe("ticket");
    expect(page?.annotations).toEqual({
      title: "(page) ranker-xl ranker-availability SLO error budget burn rate is too fast.",
      summary:
        "Ranker availability: ranker-xl is spending its error budget (99.9% over 30d) too fast.",
      description:
        "Fires on a burn rate above 14.4 over 1h and 5m (2% of the 30-day budget in 1h), or burn rate above 6 over 6h and 30m (5% of the 30-day budget in 6h).",
    });
  });
});

describe("prometheusRules: windows and thresholds", () => {
  const alertExprs = (s: SloSpec) =>
    alerts(group(groupsOf([s]), `flightdeck-slo-alerts-${s.name}`)).map((a) => a.expr);

  it("scales thresholds to 28 days: 13.44, 5.6, 0.933333333333", () => {
    const [page, ticket] = alertExprs(spec({ window: { kind: "rolling", days: 28 } }));
    expect(page).toContain("> (13.44 * 0.001)");
    expect(page).toContain("> (5.6 * 0.001)");
    expect(ticket).toContain("> (0.933333333333 * 0.001)");
    const meta = records(groupsOf([spec({ window: { kind: "rolling", days: 28 } })])[1]!);
    expect(meta.find((r) => r.record === "slo:time_period:days")?.expr).toBe("vector(28)");
  });

  it("sizes a calendar month and quarter by the one containing now", () => {
    const month = spec({ window: { kind: "calendar", unit: "month" } });
    const [page] = alertExprs(month);
    expect(page).toContain("> (13.44 * 0.001)"); // February 2026: 28 days
    const sli = records(groupsOf([month])[0]!);
    expect(sli.at(-1)?.record).toBe("slo:sli_error:ratio_rate28d");

    const quarter = spec({ window: { kind: "calendar", unit: "quarter" } });
    const inQ3 = prometheusRules([quarter], new Date("2026-08-01T00:00:00Z")).groups;
    // 92 days: the default windows scale by 92/30 and keep 14.4× (effectiveAlerts)
    expect(alerts(inQ3[2]!)[0]?.expr).toContain("ratio_rate184m");
    expect(alerts(inQ3[2]!)[0]?.expr).toContain("> (14.4 * 0.001)");
    expect(records(inQ3[1]!).find((r) => r.record === "slo:time_period:days")?.expr).toBe(
      "vector(92)",
    );
  });

  it("scales the default windows to 7 days: no ticket below 1×", () => {
    const weekly = spec({ window: { kind: "rolling", days: 7 } });
    const [sli, , alertGroup] = groupsOf([weekly]);
    expect(records(sli!).map((r) => r.labels.sloth_window)).toEqual([
      "1m",
      "5m",
      "7m",
      "14m",
      "84m",
      "1008m",
      "7d",
    ]);
    const [page, ticket] = alerts(alertGroup!);
    expect(page?.expr).toContain(`max(slo:sli_error:ratio_rate14m${SEL} > (14.4 * 0.001))`);
    expect(page?.expr).toContain(`max(slo:sli_error:ratio_rate1m${SEL} > (14.4 * 0.001))`);
    expect(page?.expr).toContain(`max(slo:sli_error:ratio_rate84m${SEL} > (6 * 0.001))`);
    expect(ticket?.expr).toBe(
      [
        "(",
        `    max(slo:sli_error:ratio_rate84m${SEL} > (1 * 0.001)) without (sloth_window)`,
        "    and",
        `    max(slo:sli_error:ratio_rate1008m${SEL} > (1 * 0.001)) without (sloth_window)`,
        ")",
      ].join("\n"),
    );
    expect(ticket?.annotations.description).toBe(
      "Fires on a burn rate above 1 over 1008m and 84m (10% of the 7-day budget in 1008m).",
    );
  });

  it("scales the default windows to 90 days: a 20× burn pages over 3 h", () => {
    const [, , alertGroup] = groupsOf([spec({ window: { kind: "rolling", days: 90 } })]);
    const [page, ticket] = alerts(alertGroup!);
    expect(page?.annotations.description).toBe(
      "Fires on a burn rate above 14.4 over 3h and 15m (2% of the 90-day budget in 3h), or burn rate above 6 over 18h and 90m (5% of the 90-day budget in 18h).",
    );
    expect(ticket?.expr).toContain(`max(slo:sli_error:ratio_rate9d${SEL} > (1 * 0.001))`);
  });

  it("records the windows the alerts use and always 5m", () => {
    const s = spec({
      alerts: [
        {
          severity: "ticket",
          budgetFraction: 0.1,
          longWindowMinutes: 1440,
          shortWindowMinutes: 120,
        },
      ],
    });
    const [sli, , alertGroup] = groupsOf([s]);
    expect(records(sli!).map((r) => r.labels.sloth_window)).toEqual(["5m", "2h", "1d", "30d"]);
    // No page windows: one alert, the ticket.
    expect(alerts(alertGroup!).map((a) => a.labels.severity)).toEqual(["ticket"]);
  });

  it("does not record the SLO window twice when an alert uses it", () => {
    const s = spec({
      window: { kind: "rolling", days: 7 },
      alerts: [
        {
          severity: "ticket",
          budgetFraction: 1,
          longWindowMinutes: 10080,
          shortWindowMinutes: 60,
        },
      ],
    });
    const sli = records(groupsOf([s])[0]!);
    expect(sli.map((r) => r.record)).toEqual([
      "slo:sli_error:ratio_rate5m",
      "slo:sli_error:ratio_rate1h",
      "slo:sli_error:ratio_rate7d",
    ]);
    expect(sli.at(-1)?.expr).toContain("[7d]");
  });

  it("writes no alert group for an SLO without alerts", () => {
    expect(groupsOf([spec({ alerts: [] })]).map((g) => g.name)).toEqual([
      "flightdeck-slo-sli-recordings-ranker-availability",
      "flightdeck-slo-meta-recordings-ranker-availability",
    ]);
  });
});

describe("prometheusRules: SLI queries", () => {
  const firstExpr = (s: SloSpec, metrics = {}) =>
    (prometheusRules([s], NOW, metrics).groups[0]?.rules[0] as RecordingRule).expr;

  it("reads latency from the histogram bucket at the threshold", () => {
    expect(firstExpr(spec({ sliKind: "latency", threshold: 300 }))).toBe(
      [
        '(sum(rate(flightdeck_sim_request_duration_seconds_count{model="ranker-xl"}[5m])) - sum(rate(flightdeck_sim_request_duration_seconds_bucket{model="ranker-xl",le="0.3"}[5m])))',
        "/",
        '(sum(rate(flightdeck_sim_request_duration_seconds_count{model="ranker-xl"}[5m])))',
      ].join("\n"),
    );
    expect(firstExpr(spec({ sliKind: "latency", threshold: 1000 }))).toContain('le="1"');
    expect(firstExpr(spec({ sliKind: "latency", threshold: 7500 }))).toContain('le="7.5"');
    expect(firstExpr(spec({ sliKind: "latency", threshold: 5 }))).toContain('le="0.005"');
  });

  it("refuses a latency threshold between buckets, naming the SLO and the boundaries", () => {
    const run = () =>
      prometheusRules(
        [
          spec({ name: "a", sliKind: "latency", threshold: 250 }),
          spec({ name: "b", sliKind: "latency", threshold: 300 }),
          spec({ name: "c", sliKind: "latency", threshold: 0.4 }),
        ],
        NOW,
      );
    expect(run).toThrow(SloRulesError);
    try {
      run();
    } catch (e) {
      expect((e as SloRulesError).problems).toEqual([
        expect.stringMatching(
          /^SLO\/a: .*250 ms is not; the boundaries are 5, 10, .*, 200, 300, .* ms\.$/,
        ),
        expect.stringMatching(/^SLO\/c: .*0.4 ms is not/),
      ]);
    }
  });

  it("takes another deployment's metric names and buckets", () => {
    const metrics = {
      requestDuration: "http_server_duration_seconds",
      latencyBuckets: [0.1, 0.25, 0.5],
      serviceLabel: "service",
      requests: "http_requests_total",
      errorMatcher: 'code=~"5.."',
    };
    expect(firstExpr(spec({ sliKind: "latency", threshold: 250 }), metrics)).toContain(
      'http_server_duration_seconds_bucket{service="ranker-xl",le="0.25"}[5m]',
    );
    expect(firstExpr(spec(), metrics)).toContain(
      'http_requests_total{service="ranker-xl",code=~"5.."}[5m]',
    );
  });

  it("counts the minutes below the accuracy floor for quality", () => {
    expect(firstExpr(spec({ sliKind: "quality", threshold: 0.8 }))).toBe(
      'avg_over_time((min(flightdeck_sim_online_accuracy{model="ranker-xl"}) < bool 0.8)[5m:1m])',
    );
  });

  it("counts the minutes of stale data for freshness", () => {
    expect(firstExpr(spec({ sliKind: "freshness", threshold: 3600 }))).toBe(
      'avg_over_time((max(flightdeck_sim_data_age_seconds{model="ranker-xl"}) > bool 3600)[5m:1m])',
    );
  });

  it("escapes quotes in label values", () => {
    const expr = firstExpr(spec({ service: 'say "hi"\\' }));
    expect(expr).toContain('{model="say \\"hi\\"\\\\",code="5xx"}');
  });

  it("uses the simulator's buckets by default", () => {
    expect([...DEFAULT_LATENCY_BUCKETS]).toEqual([...DURATION_BUCKETS]);
  });

  it("refuses two SLOs of one name", () => {
    expect(() => prometheusRules([spec(), spec()], NOW)).toThrow(/SLO\/ranker-availability/);
  });
});

/** Kept between the schema's minimum burn rate and the fraction drawn, so float rounding never lands on it. */
const BURN_RATE_MARGIN = 1.000001;

/**
 * An alert the schema accepts on an SLO window of at least `sloMinutes`: 0.9× or more.
 * The longest window leaves room for a budget fraction of at most 1 above the margin
 * (a window of exactly sloMinutes / 0.9 would need a fraction just over 1).
 */
const validAlert = (sloMinutes: number) =>
  fc
    .record({
      severity: fc.constantFrom("page" as const, "ticket" as const),
      longWindowMinutes: fc.integer({
        min: 5,
        max: Math.min(10080, Math.floor(sloMinutes / (MIN_ALERT_BURN_RATE * BURN_RATE_MARGIN))),
      }),
    })
    .chain((a) =>
      fc.record({
        severity: fc.constant(a.severity),
        longWindowMinutes: fc.constant(a.longWindowMinutes),
        shortWindowMinutes: fc.integer({ min: 1, max: a.longWindowMinutes - 1 }),
        budgetFraction: fc.double({
          min: Math.max(
            0.001,
            ((MIN_ALERT_BURN_RATE * a.longWindowMinutes) / sloMinutes) * BURN_RATE_MARGIN,
          ),
          max: 1,
          noNaN: true,
        }),
      }),
    );

describe("prometheusRules: any valid SLO", () => {
  it("draws alerts on short windows too, where the longest long window sits at the minimum burn rate", () => {
    // 1 to 6 days: sloMinutes / 0.9 is below the 7-day cap, so the generator's edge is the burn-rate bound
    for (let days = 1; days <= 6; days += 1) {
      const sloMinutes = days * 1440;
      fc.assert(
        fc.property(validAlert(sloMinutes), (alert) => {
          expect(alert.budgetFraction).toBeLessThanOrEqual(1);
          expect(alert.budgetFraction * sloMinutes).toBeGreaterThan(
            MIN_ALERT_BURN_RATE * alert.longWindowMinutes,
          );
        }),
        { numRuns: 300, seed: days },
      );
    }
  });

  const specArb = fc
    .record({
      // a fixed first letter keeps a drawn word ("nulla", "nan") from reading as a bad value below
      name: fc.stringMatching(/^s[a-z]{1,19}-slo$/),
      objective: fc.double({ min: 0.5, max: 0.99999, noNaN: true }),
      kind: fc.oneof(
        fc.constant({ sliKind: "availability" as const, threshold: null }),
        fc
          .constantFrom(...DEFAULT_LATENCY_BUCKETS)
          .map((le) => ({ sliKind: "latency" as const, threshold: le * 1000 })),
        fc.double({ min: 0.01, max: 1, noNaN: true }).map((threshold) => ({
          sliKind: "quality" as const,
          threshold,
        })),
      ),
      windowAndAlerts: fc
        .oneof(
          fc.integer({ min: 1, max: 90 }).map((days) => ({ kind: "rolling" as const, days })),
          fc.constant({ kind: "calendar" as const, unit: "quarter" as const }),
        )
        .chain((window) =>
          fc.record({
            window: fc.constant(window),
            alerts: fc.oneof(
              fc.constant(DEFAULT_ALERT_WINDOWS),
              // one alert per severity and long window (the schema refuses two sharing one)
              fc.uniqueArray(validAlert(shortestWindowMinutes(window)), {
                maxLength: 5,
                selector: (a) => `${a.severity}/${a.longWindowMinutes}`,
              }),
            ),
          }),
        ),
    })
    .map(({ kind, windowAndAlerts, ...rest }) => spec({ ...rest, ...windowAndAlerts, ...kind }));

  it("writes well-formed rules: unique series, clean numbers, no undefined", () => {
    fc.assert(
      fc.property(specArb, (s) => {
        const groups = prometheusRules([s], NOW).groups;
        const text = JSON.stringify(groups);
        expect(text).not.toMatch(/\b(?:undefined|NaN|Infinity|null)\b/);
        // no number with more than twelve significant digits
        const significant = (n: string) => n.replace(".", "").replace(/^0+/, "").length;
        for (const n of text.match(/\d+\.\d+/g) ?? [])
          expect(significant(n)).toBeLessThanOrEqual(12);
        const sli = records(groups[0]!);
        const names = sli.map((r) => r.record);
        expect(new Set(names).size).toBe(names.length);
        expect(names).toContain("slo:sli_error:ratio_rate5m");
        const severities = s.alerts.map((a) => a.severity);
        expect(groups[2] ? alerts(groups[2]).map((a) => a.labels.severity) : []).toEqual(
          (["page", "ticket"] as const).filter((v) => severities.includes(v)),
        );
      }),
      { numRuns: 200 },
    );
  });
});
