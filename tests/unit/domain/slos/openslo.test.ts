import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { fromFlightdeckDocs, fromOpenSlo, parseSloDocuments } from "@/lib/domain/slos/openslo";
import { OpenSloError, type SloDocumentProblem } from "@/lib/domain/slos/openslo-model";
import { toFlightdeckDocs, toOpenSlo } from "@/lib/domain/slos/openslo-export";
import { MIN_ALERT_BURN_RATE, shortestWindowMinutes } from "@/lib/domain/slos/alerts";
import {
  DEFAULT_ALERT_WINDOWS,
  sloSpecSchema,
  type SloSpec,
  type SloWindow,
} from "@/lib/domain/slos/spec";

const FIXTURES = path.resolve(import.meta.dirname, "../../../fixtures/slo");
const NOW = new Date("2026-02-10T00:00:00Z"); // February 2026 (28 days), Q1 2026 (90 days)

type Obj = Record<string, unknown>;

function load(file: string): Obj[] {
  const text = readFileSync(path.join(FIXTURES, file), "utf8");
  return YAML.parseAllDocuments(text).map((d) => d.toJS() as Obj);
}

/** Through YAML text and back, as the CLI writes and reads documents. */
function viaYaml(docs: unknown[]): unknown[] {
  const text = docs.map((d) => YAML.stringify(d)).join("---\n");
  return YAML.parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

function problemsOf(run: () => unknown): SloDocumentProblem[] {
  try {
    run();
  } catch (e) {
    if (e instanceof OpenSloError) return e.problems;
    throw e;
  }
  throw new Error("expected an OpenSloError");
}

function expectProblem(
  problems: SloDocumentProblem[],
  document: string,
  field: string,
  message: RegExp,
) {
  expect(problems).toContainEqual({ document, field, message: expect.stringMatching(message) });
}

const source = { metricSource: { type: "Prometheus", spec: { query: "up" } } };

/** A valid OpenSLO SLO with an inline availability SLI; tests change one thing at a time. */
function sloDoc(spec: Obj = {}, metadata: Obj = {}): Obj {
  return {
    apiVersion: "openslo/v1",
    kind: "SLO",
    metadata: { name: "checkout", labels: { team: "payments" }, ...metadata },
    spec: {
      service: "checkout-model",
      indicator: {
        metadata: { name: "checkout-errors" },
        spec: { ratioMetric: { counter: true, bad: source, total: source } },
      },
      timeWindow: [{ duration: "30d", isRolling: true }],
      budgetingMethod: "Occurrences",
      objectives: [{ target: 0.999 }],
      ...spec,
    },
  };
}

const thresholdIndicator = (annotations: Obj = {}) => ({
  metadata: { name: "checkout-latency", annotations },
  spec: { thresholdMetric: source },
});

function policyDoc(name: string, condition: Obj, severity = "page", metadata: Obj = {}): Obj {
  return {
    apiVersion: "openslo/v1",
    kind: "AlertPolicy",
    metadata: { name },
    spec: {
      conditions: [
        {
          kind: "AlertCondition",
          metadata: { name: `${name}-condition`, ...metadata },
          spec: { severity, condition: { kind: "burnrate", op: "gte", ...condition } },
        },
      ],
    },
  };
}

describe("fromOpenSlo: the fixtures", () => {
  it("reads an availability SLO with a referenced SLI, policies and a standalone condition", () => {
    const { specs } = fromOpenSlo(load("availability.openslo.yaml"));
    expect(specs).toEqual([
      {
        name: "fraud-scorer-availability",
        displayName: "Fraud scorer availability",
        description: "99.9% of scoring requests succeed over 30 days.",
        service: "fraud-scorer",
        team: "risk-ml", // from the Service's label
        sliKind: "availability",
        threshold: null,
        objective: 0.999,
        window: { kind: "rolling", days: 30 },
        budgetingMethod: "occurrences",
        timesliceTarget: null,
        // 14.4 × 60 / 43200 = 0.02; 6 × 360 / 43200 = 0.05; 1 × 4320 / 43200 = 0.1
        alerts: DEFAULT_ALERT_WINDOWS,
      },
    ]);
  });

  it("reads an inline latency SLI over 4 weeks with targetPercent and default alerts", () => {
    const { specs } = fromOpenSlo(load("latency-inline.openslo.yaml"));
    expect(specs).toEqual([
      {
        name: "recsys-latency",
        description: "",
        service: "recsys-ranker",
        team: "discovery",
        sliKind: "latency",
        threshold: 300,
        objective: 0.995, // 99.5 / 100 is 0.9950000000000001 in floating point
        window: { kind: "rolling", days: 28 },
        budgetingMethod: "occurrences",
        timesliceTarget: null,
        alerts: DEFAULT_ALERT_WINDOWS,
      },
    ]);
  });

  it("reads a quality SLO over calendar months with timeslices and a critical condition", () => {
    const { specs } = fromOpenSlo(load("quality-month.openslo.yaml"), { now: NOW });
    expect(specs).toEqual([
      {
        name: "churn-model-accuracy",
        displayName: "Churn model accuracy",
        description: "",
        service: "churn-predictor",
        team: "growth-ml", // the owner label
        sliKind: "quality", // the SLO's annotation
        threshold: 0.92,
        objective: 0.99,
        window: { kind: "calendar", unit: "month" },
        budgetingMethod: "timeslices",
        timesliceTarget: 0.95,
        alerts: [
          {
            severity: "page", // critical
            // 6 × 360 min / 40320 min (February 2026) = 3/56
            budgetFraction: expect.closeTo(3 / 56, 12),
            longWindowMinutes: 360,
            shortWindowMinutes: 30, // no alertAfter: 6h / 12
          },
        ],
      },
    ]);
  });

  it("sizes a calendar month as 30 days when no instant is given", () => {
    const { specs } = fromOpenSlo(load("quality-month.openslo.yaml"));
    expect(specs[0]?.alerts[0]?.budgetFraction).toBe(0.05); // 6 × 360 / 43200
  });

  it("reads a freshness SLO per calendar quarter with RatioTimeslices and a warning", () => {
    const { specs } = fromOpenSlo(load("freshness-quarter.openslo.yaml"), { now: NOW });
    expect(specs).toEqual([
      {
        name: "eta-feature-freshness",
        description: "",
        service: "eta-estimator",
        team: "logistics-ml",
        sliKind: "freshness",
        threshold: 900,
        objective: 0.98,
        window: { kind: "calendar", unit: "quarter" },
        budgetingMethod: "timeslices",
        timesliceTarget: 1,
        alerts: [
          {
            severity: "ticket", // warning
            // 3 × 1440 min / 129600 min (Q1 2026: 90 days) = 1/30
            budgetFraction: expect.closeTo(1 / 30, 12),
            longWindowMinutes: 1440,
            shortWindowMinutes: 120,
          },
        ],
      },
    ]);
  });

  it("reads an SLI the same way inline and by reference", () => {
    const inline = sloDoc();
    const sli = {
      apiVersion: "openslo/v1",
      kind: "SLI",
      metadata: { name: "checkout-errors" },
      spec: { ratioMetric: { counter: true, bad: source, total: source } },
    };
    const referenced = sloDoc({ indicator: undefined, indicatorRef: "checkout-errors" });
    expect(fromOpenSlo([sli, referenced]).specs).toEqual(fromOpenSlo([inline]).specs);
  });

  it("reads a ratio SLI as latency when Flightdeck's annotations say so", () => {
    const doc = sloDoc({}, {});
    const spec = doc.spec as Obj;
    spec.indicator = {
      metadata: {
        name: "fast-requests",
        annotations: { "flightdeck.dev/sli-kind": "latency", "flightdeck.dev/threshold": "250" },
      },
      spec: { ratioMetric: { good: source, total: source } },
    };
    const [slo] = fromOpenSlo([doc]).specs;
    expect(slo).toMatchObject({ sliKind: "latency", threshold: 250 });
  });

  it("takes the default team when no document names one", () => {
    const doc = sloDoc({}, { labels: {} });
    expect(fromOpenSlo([doc], { team: "sre" }).specs[0]?.team).toBe("sre");
  });

  it("keeps an empty alert policy list as no alerts, and ignores DataSources", () => {
    const dataSource = {
      apiVersion: "openslo/v1",
      kind: "DataSource",
      metadata: { name: "prometheus" },
      spec: { type: "Prometheus", connectionDetails: { url: "http://prometheus:9090" } },
    };
    const { specs } = fromOpenSlo([dataSource, sloDoc({ alertPolicies: [] })]);
    expect(specs[0]?.alerts).toEqual([]);
  });

  it("accepts policies by plain name and inline, and burn-rate ops gt and gte", () => {
    const policy = policyDoc("by-name", {
      threshold: 14.4,
      lookbackWindow: "1h",
      alertAfter: "5m",
    });
    const doc = sloDoc({
      alertPolicies: [
        "by-name",
        {
          kind: "AlertPolicy",
          metadata: { name: "inline" },
          spec: {
            conditions: [
              {
                kind: "AlertCondition",
                metadata: { name: "inline" },
                spec: {
                  severity: "ticket",
                  condition: { kind: "burnrate", op: "gt", threshold: 1, lookbackWindow: "3d" },
                },
              },
            ],
          },
        },
      ],
    });
    expect(fromOpenSlo([policy, doc]).specs[0]?.alerts).toEqual([
      { severity: "page", budgetFraction: 0.02, longWindowMinutes: 60, shortWindowMinutes: 5 },
      { severity: "ticket", budgetFraction: 0.1, longWindowMinutes: 4320, shortWindowMinutes: 360 },
    ]);
  });

  it.each([
    ["2w", 14],
    ["48h", 2],
    ["1d", 1],
    ["90d", 90],
    ["2880m", 2],
  ])("reads the rolling window %s as %i days", (duration, days) => {
    const doc = sloDoc({ timeWindow: [{ duration, isRolling: true }] });
    expect(fromOpenSlo([doc]).specs[0]?.window).toEqual({ kind: "rolling", days });
  });

  it.each([
    ["1M", "month"],
    ["1Q", "quarter"],
    ["3M", "quarter"],
  ])("reads the calendar window %s as a %s", (duration, unit) => {
    const doc = sloDoc({
      timeWindow: [
        {
          duration,
          isRolling: false,
          calendar: { startTime: "2026-01-01 00:00:00", timeZone: "UTC" },
        },
      ],
    });
    expect(fromOpenSlo([doc]).specs[0]?.window).toEqual({ kind: "calendar", unit });
  });
});

describe("fromOpenSlo: problems name the document and the field", () => {
  it("refuses another apiVersion and an unknown kind", () => {
    const problems = problemsOf(() =>
      fromOpenSlo([
        { ...sloDoc(), apiVersion: "openslo/v1alpha" },
        { ...sloDoc({}, { name: "other" }), kind: "ServiceLevelObjective" },
      ]),
    );
    expectProblem(problems, "SLO/checkout", "apiVersion", /must be openslo\/v1.*openslo\/v1alpha/);
    expectProblem(problems, "ServiceLevelObjective/other", "kind", /unknown kind/);
  });

  it("refuses two objectives, naming spec.objectives", () => {
    const doc = sloDoc({ objectives: [{ target: 0.99 }, { target: 0.999 }] });
    expectProblem(
      problemsOf(() => fromOpenSlo([doc])),
      "SLO/checkout",
      "spec.objectives",
      /exactly one objective.*got 2/,
    );
  });

  it("refuses two time windows and none", () => {
    const two = sloDoc({
      timeWindow: [
        { duration: "7d", isRolling: true },
        { duration: "30d", isRolling: true },
      ],
    });
    const none = sloDoc({ timeWindow: undefined }, { name: "none" });
    const problems = problemsOf(() => fromOpenSlo([two, none]));
    expectProblem(problems, "SLO/checkout", "spec.timeWindow", /exactly one time window, got 2/);
    expectProblem(problems, "SLO/none", "spec.timeWindow", /exactly one time window, got none/);
  });

  it.each([
    ["90m", true, /whole number of days.*90m/],
    ["1M", true, /whole number of days/],
    ["91d", true, /at most 90 days/],
    ["1m", false, /1M \(a month\) or 1Q.*m is minutes; months are M/],
    ["1w", false, /1M \(a month\) or 1Q \(a quarter\), got 1w/],
    ["2Q", false, /1M \(a month\) or 1Q/],
    ["thirty days", true, /must be a duration like 28d/],
  ])("refuses the window %s (isRolling: %s)", (duration, isRolling, message) => {
    const calendar = isRolling ? {} : { calendar: { timeZone: "UTC" } };
    const doc = sloDoc({ timeWindow: [{ duration, isRolling, ...calendar }] });
    expectProblem(
      problemsOf(() => fromOpenSlo([doc])),
      "SLO/checkout",
      "spec.timeWindow[0].duration",
      message,
    );
  });

  it("refuses calendars Flightdeck cannot follow: other time zones, unaligned starts", () => {
    const doc = sloDoc({
      timeWindow: [
        {
          duration: "1Q",
          isRolling: false,
          calendar: { startTime: "2022-02-01 12:00:00", timeZone: "America/New_York" },
        },
      ],
    });
    const problems = problemsOf(() => fromOpenSlo([doc]));
    expectProblem(problems, "SLO/checkout", "spec.timeWindow[0].calendar.timeZone", /UTC/);
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.timeWindow[0].calendar.startTime",
      /quarter starts on the first day/,
    );
  });

  it("asks for isRolling when a window has neither it nor a calendar", () => {
    const doc = sloDoc({ timeWindow: [{ duration: "30d" }] });
    expectProblem(
      problemsOf(() => fromOpenSlo([doc])),
      "SLO/checkout",
      "spec.timeWindow[0].isRolling",
      /isRolling: true/,
    );
  });

  it("refuses a missing target, both target forms, and a target of 1", () => {
    const problems = problemsOf(() =>
      fromOpenSlo([
        sloDoc({ objectives: [{ displayName: "no target" }] }),
        sloDoc({ objectives: [{ target: 0.99, targetPercent: 99 }] }, { name: "both" }),
        sloDoc({ objectives: [{ target: 1 }] }, { name: "hundred" }),
      ]),
    );
    expectProblem(problems, "SLO/checkout", "spec.objectives[0].target", /is required/);
    expectProblem(problems, "SLO/both", "spec.objectives[0]", /target or targetPercent, not both/);
    expectProblem(problems, "SLO/hundred", "spec.objectives[0].target", /below 1/);
  });

  it("names unknown and unsupported fields by their path", () => {
    const doc = sloDoc({
      colour: "green",
      indicator: {
        metadata: { name: "raw" },
        spec: { rawMetric: source, ratioMetric: { bad: source, total: source, raw: source } },
      },
      objectives: [{ target: 0.99, compositeWeight: 1 }],
    });
    (doc.metadata as Obj).owner = "payments";
    const problems = problemsOf(() => fromOpenSlo([doc]));
    expectProblem(problems, "SLO/checkout", "spec.colour", /unknown field/);
    expectProblem(problems, "SLO/checkout", "metadata.owner", /unknown field/);
    expectProblem(problems, "SLO/checkout", "spec.indicator.spec.rawMetric", /unknown field/);
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.indicator.spec.ratioMetric.raw",
      /precomputed ratios/,
    );
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.objectives[0].compositeWeight",
      /composite SLOs are not supported/,
    );
  });

  it("needs an owner team", () => {
    const doc = sloDoc({}, { labels: { tier: "1" } });
    expectProblem(
      problemsOf(() => fromOpenSlo([doc])),
      "SLO/checkout",
      "metadata.labels.team",
      /no owner team/,
    );
  });

  it("spells the budgeting methods as OpenSLO does", () => {
    const problems = problemsOf(() =>
      fromOpenSlo([
        sloDoc({ budgetingMethod: "Occurences" }),
        sloDoc({ budgetingMethod: "occurrences" }, { name: "lower" }),
      ]),
    );
    expectProblem(problems, "SLO/checkout", "spec.budgetingMethod", /is spelled Occurrences/);
    expectProblem(problems, "SLO/lower", "spec.budgetingMethod", /Occurrences, Timeslices/);
  });

  it("needs one-minute slices and a slice target for timeslices", () => {
    const problems = problemsOf(() =>
      fromOpenSlo([
        sloDoc({
          budgetingMethod: "Timeslices",
          objectives: [{ target: 0.99, timeSliceTarget: 0.9, timeSliceWindow: "5m" }],
        }),
        sloDoc(
          {
            budgetingMethod: "RatioTimeslices",
            objectives: [{ target: 0.99, timeSliceWindow: "1m" }],
          },
          { name: "no-slice-target" },
        ),
        sloDoc(
          { budgetingMethod: "Timeslices", objectives: [{ target: 0.99, timeSliceTarget: 0.9 }] },
          { name: "no-slice-window" },
        ),
      ]),
    );
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.objectives[0].timeSliceWindow",
      /one minute: use 1m, got "5m"/,
    );
    expectProblem(
      problems,
      "SLO/no-slice-target",
      "spec.objectives[0].timeSliceTarget",
      /timeslice target/,
    );
    expectProblem(
      problems,
      "SLO/no-slice-window",
      "spec.objectives[0].timeSliceWindow",
      /is required/,
    );
  });

  it("needs exactly one indicator, and a referenced SLI that exists", () => {
    const problems = problemsOf(() =>
      fromOpenSlo([
        sloDoc({ indicatorRef: "checkout-errors" }),
        sloDoc({ indicator: undefined, indicatorRef: "missing" }, { name: "dangling" }),
      ]),
    );
    expectProblem(problems, "SLO/checkout", "spec", /exactly one of indicator and indicatorRef/);
    expectProblem(problems, "SLO/dangling", "spec.indicatorRef", /no SLI named "missing"/);
  });

  it("checks that ratio metrics have one numerator and a total", () => {
    const doc = sloDoc();
    ((doc.spec as Obj).indicator as Obj).spec = { ratioMetric: { good: source, bad: source } };
    const problems = problemsOf(() => fromOpenSlo([doc]));
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.indicator.spec.ratioMetric",
      /exactly one of good/,
    );
    expectProblem(problems, "SLO/checkout", "spec.indicator.spec.ratioMetric.total", /required/);
  });

  it("matches the objective's op to the SLI kind", () => {
    const problems = problemsOf(() =>
      fromOpenSlo([
        sloDoc({
          indicator: thresholdIndicator(),
          objectives: [{ op: "gt", value: 300, target: 0.99 }],
        }),
        sloDoc(
          {
            indicator: thresholdIndicator({ "flightdeck.dev/sli-kind": "quality" }),
            objectives: [{ op: "lte", value: 0.8, target: 0.99 }],
          },
          { name: "quality" },
        ),
        sloDoc(
          { indicator: thresholdIndicator(), objectives: [{ op: "lt", target: 0.99 }] },
          { name: "no-value" },
        ),
      ]),
    );
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.objectives[0].op",
      /latency.*lt or lte, got "gt"/,
    );
    expectProblem(problems, "SLO/quality", "spec.objectives[0].op", /quality.*gt or gte/);
    expectProblem(problems, "SLO/no-value", "spec.objectives[0].value", /is required/);
  });

  it("refuses unknown SLI kinds and availability on a threshold metric", () => {
    const problems = problemsOf(() =>
      fromOpenSlo([
        sloDoc({ indicator: thresholdIndicator({ "flightdeck.dev/sli-kind": "speed" }) }),
        sloDoc(
          {
            indicator: thresholdIndicator({ "flightdeck.dev/sli-kind": "availability" }),
            objectives: [{ op: "lt", value: 1, target: 0.99 }],
          },
          { name: "threshold-availability" },
        ),
      ]),
    );
    expectProblem(
      problems,
      "SLO/checkout",
      'spec.indicator.metadata.annotations["flightdeck.dev/sli-kind"]',
      /must be one of availability, latency, freshness, quality/,
    );
    expectProblem(
      problems,
      "SLO/threshold-availability",
      'spec.indicator.metadata.annotations["flightdeck.dev/sli-kind"]',
      /availability SLI is a ratioMetric/,
    );
  });

  it("asks for the threshold annotation of a ratio SLI of another kind", () => {
    const doc = sloDoc({
      indicator: {
        metadata: { name: "fast", annotations: { "flightdeck.dev/sli-kind": "latency" } },
        spec: { ratioMetric: { good: source, total: source } },
      },
    });
    expectProblem(
      problemsOf(() => fromOpenSlo([doc])),
      "SLO/checkout",
      'spec.indicator.metadata.annotations["flightdeck.dev/threshold"]',
      /latency SLO needs a threshold/,
    );
  });

  it("reports a referenced SLI's wrong kind in the SLI's document", () => {
    const sli = {
      apiVersion: "openslo/v1",
      kind: "SLI",
      metadata: { name: "up", annotations: { "flightdeck.dev/sli-kind": "availability" } },
      spec: { thresholdMetric: source },
    };
    const doc = sloDoc({
      indicator: undefined,
      indicatorRef: "up",
      objectives: [{ op: "lt", value: 1, target: 0.99 }],
    });
    expectProblem(
      problemsOf(() => fromOpenSlo([sli, doc])),
      "SLI/up",
      'metadata.annotations["flightdeck.dev/sli-kind"]',
      /availability SLI is a ratioMetric/,
    );
  });

  it("reports alert conditions in the document that holds them", () => {
    const standalone = {
      apiVersion: "openslo/v1",
      kind: "AlertCondition",
      metadata: { name: "too-slow" },
      spec: {
        severity: "sev1",
        condition: { kind: "burnrate", op: "lte", threshold: 2, lookbackWindow: "1M" },
      },
    };
    const byRef = {
      apiVersion: "openslo/v1",
      kind: "AlertPolicy",
      metadata: { name: "refs" },
      spec: { conditions: [{ conditionRef: "too-slow" }, { conditionRef: "missing" }] },
    };
    const reversed = policyDoc("reversed", {
      threshold: 14.4,
      lookbackWindow: "1h",
      alertAfter: "2h",
    });
    const doc = sloDoc({
      alertPolicies: [
        { alertPolicyRef: "refs" },
        { alertPolicyRef: "reversed" },
        { alertPolicyRef: "nowhere" },
        {
          kind: "AlertPolicy",
          metadata: { name: "inline" },
          spec: {
            conditions: [
              {
                kind: "AlertCondition",
                metadata: { name: "inline" },
                spec: { severity: "page", condition: { kind: "budget", op: "gte", threshold: 2 } },
              },
            ],
          },
        },
      ],
    });
    const problems = problemsOf(() => fromOpenSlo([standalone, byRef, reversed, doc]));
    expectProblem(problems, "AlertCondition/too-slow", "spec.severity", /page or ticket.*"sev1"/);
    expectProblem(problems, "AlertCondition/too-slow", "spec.condition.op", /gt or gte, got "lte"/);
    expectProblem(
      problems,
      "AlertCondition/too-slow",
      "spec.condition.lookbackWindow",
      /minutes, hours, days or weeks/,
    );
    expectProblem(
      problems,
      "AlertPolicy/refs",
      "spec.conditions[1].conditionRef",
      /no AlertCondition named "missing"/,
    );
    expectProblem(
      problems,
      "AlertPolicy/reversed",
      "spec.conditions[0].spec.condition.alertAfter",
      /short window must be shorter/,
    );
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.alertPolicies[2].alertPolicyRef",
      /no AlertPolicy named "nowhere"/,
    );
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.alertPolicies[3].spec.conditions[0].spec.condition.kind",
      /only burnrate/,
    );
    expectProblem(
      problems,
      "SLO/checkout",
      "spec.alertPolicies[3].spec.conditions[0].spec.condition.lookbackWindow",
      /is required/,
    );
  });

  it("refuses a threshold that disagrees with the budget-fraction annotation", () => {
    const policy = policyDoc(
      "edited",
      { threshold: 10, lookbackWindow: "1h", alertAfter: "5m" },
      "page",
      { annotations: { "flightdeck.dev/budget-fraction": "0.02" } },
    );
    const doc = sloDoc({ alertPolicies: [{ alertPolicyRef: "edited" }] });
    expectProblem(
      problemsOf(() => fromOpenSlo([policy, doc])),
      "AlertPolicy/edited",
      "spec.conditions[0].spec.condition.threshold",
      /10 disagrees with .*budget-fraction: 0.02 \(burn rate 14.4 over 30 days\)/,
    );
  });

  it("collects the problems of every document, and names unnamed ones by position", () => {
    const problems = problemsOf(() =>
      fromOpenSlo([
        "not a document",
        { ...sloDoc(), metadata: { labels: { team: "x" } } },
        sloDoc({ objectives: [] }, { name: "first" }),
        sloDoc({ budgetingMethod: "Sometimes" }, { name: "second" }),
      ]),
    );
    expect(new Set(problems.map((p) => p.document))).toEqual(
      new Set(["document 1", "SLO (document 2)", "SLO/first", "SLO/second"]),
    );
    expectProblem(problems, "SLO (document 2)", "metadata.name", /is required/);
  });

  it("refuses two documents of one name", () => {
    const problems = problemsOf(() => fromOpenSlo([sloDoc(), sloDoc()]));
    expectProblem(problems, "SLO/checkout", "metadata.name", /SLO\/checkout already defines/);
  });

  it("lists every problem in the error message", () => {
    try {
      fromOpenSlo([sloDoc({ objectives: [], budgetingMethod: "x" })]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(OpenSloError);
      expect((e as Error).message).toBe(
        [
          "2 problems in the SLO documents:",
          '  SLO/checkout spec.budgetingMethod: must be Occurrences, Timeslices or RatioTimeslices, got "x".',
          "  SLO/checkout spec.objectives: Flightdeck supports exactly one objective per SLO, got 0; write one SLO per objective.",
        ].join("\n"),
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------

const base: SloSpec = sloSpecSchema.parse({
  name: "ranker-availability",
  service: "ranker-xl",
  team: "search-ml",
  sliKind: "availability",
  objective: 0.999,
  window: { kind: "rolling", days: 30 },
  budgetingMethod: "occurrences",
});

describe("toOpenSlo", () => {
  const docs = toOpenSlo(
    [
      base,
      { ...base, name: "ranker-month", window: { kind: "calendar", unit: "month" } },
      { ...base, name: "ranker-quarter", window: { kind: "calendar", unit: "quarter" } },
    ],
    NOW,
  ) as Obj[];
  const named = (kind: string, name: string) =>
    docs.find((d) => d.kind === kind && (d.metadata as Obj).name === name) as Obj;

  it("writes one Service per service and an SLI, SLO and policies per SLO", () => {
    expect(docs.map((d) => `${d.kind as string}/${(d.metadata as Obj).name as string}`)).toEqual([
      "Service/ranker-xl",
      "SLI/ranker-availability-sli",
      "SLO/ranker-availability",
      "AlertPolicy/ranker-availability-alert-1",
      "AlertPolicy/ranker-availability-alert-2",
      "AlertPolicy/ranker-availability-alert-3",
      "SLI/ranker-month-sli",
      "SLO/ranker-month",
      "AlertPolicy/ranker-month-alert-1",
      "AlertPolicy/ranker-month-alert-2",
      "AlertPolicy/ranker-month-alert-3",
      "SLI/ranker-quarter-sli",
      "SLO/ranker-quarter",
      "AlertPolicy/ranker-quarter-alert-1",
      "AlertPolicy/ranker-quarter-alert-2",
      "AlertPolicy/ranker-quarter-alert-3",
    ]);
    expect(docs.every((d) => d.apiVersion === "openslo/v1")).toBe(true);
  });

  it("writes the SLO as OpenSLO v1 spells it", () => {
    expect(named("SLO", "ranker-availability")).toEqual({
      apiVersion: "openslo/v1",
      kind: "SLO",
      metadata: { name: "ranker-availability", labels: { team: "search-ml" } },
      spec: {
        service: "ranker-xl",
        indicatorRef: "ranker-availability-sli",
        timeWindow: [{ duration: "30d", isRolling: true }],
        budgetingMethod: "Occurrences",
        objectives: [{ target: 0.999 }],
        alertPolicies: [1, 2, 3].map((i) => ({ alertPolicyRef: `ranker-availability-alert-${i}` })),
      },
    });
  });

  it("writes one burn-rate condition per policy, as OpenSLO v1 allows", () => {
    const policy = named("AlertPolicy", "ranker-availability-alert-1");
    const spec = policy.spec as Obj;
    expect(spec.conditions).toEqual([
      {
        kind: "AlertCondition",
        metadata: {
          name: "ranker-availability-alert-1",
          annotations: { "flightdeck.dev/budget-fraction": "0.02" },
        },
        spec: {
          severity: "page",
          condition: {
            kind: "burnrate",
            op: "gte",
            threshold: 14.4,
            lookbackWindow: "1h",
            alertAfter: "5m",
          },
        },
      },
    ]);
    expect(spec.notificationTargets).toHaveLength(1);
  });

  it("writes calendar windows from the month or quarter of now, with its thresholds", () => {
    const month = named("SLO", "ranker-month").spec as Obj;
    expect(month.timeWindow).toEqual([
      {
        duration: "1M",
        isRolling: false,
        calendar: { startTime: "2026-02-01 00:00:00", timeZone: "UTC" },
      },
    ]);
    const quarter = named("SLO", "ranker-quarter").spec as Obj;
    expect((quarter.timeWindow as Obj[])[0]).toMatchObject({
      duration: "1Q",
      calendar: { startTime: "2026-01-01 00:00:00" },
    });
    const threshold = (policy: Obj) =>
      (((policy.spec as Obj).conditions as Obj[])[0]?.spec as { condition: { threshold: number } })
        .condition.threshold;
    expect(threshold(named("AlertPolicy", "ranker-month-alert-1"))).toBe(13.44); // 28 days
    // 90 days: the default windows scale by 3 and keep 14.4× (effectiveAlerts)
    expect(threshold(named("AlertPolicy", "ranker-quarter-alert-1"))).toBe(14.4);
  });

  it("writes the default alerts of a 7-day SLO as Flightdeck fires them, and reads them back as the defaults", () => {
    const weekly = { ...base, name: "ranker-week", window: { kind: "rolling", days: 7 } as const };
    const out = toOpenSlo([weekly], NOW) as Obj[];
    const conditions = out
      .filter((d) => d.kind === "AlertPolicy")
      .map((d) => ((d.spec as Obj).conditions as Obj[])[0]!);
    expect(
      conditions.map((c) => [(c.metadata as Obj).annotations, (c.spec as Obj).condition]),
    ).toEqual([
      [
        { "flightdeck.dev/budget-fraction": "0.02" },
        { kind: "burnrate", op: "gte", threshold: 14.4, lookbackWindow: "14m", alertAfter: "1m" },
      ],
      [
        { "flightdeck.dev/budget-fraction": "0.05" },
        { kind: "burnrate", op: "gte", threshold: 6, lookbackWindow: "84m", alertAfter: "7m" },
      ],
      [
        { "flightdeck.dev/budget-fraction": "0.1" },
        { kind: "burnrate", op: "gte", threshold: 1, lookbackWindow: "1008m", alertAfter: "84m" },
      ],
    ]);
    expect(fromOpenSlo(out, { now: NOW }).specs).toEqual([weekly]);
  });

  it("reads policies that are the defaults scaled to the window as the defaults, others as written", () => {
    const weekly = { ...base, name: "ranker-week", window: { kind: "rolling", days: 7 } as const };
    const out = toOpenSlo([weekly], NOW) as Obj[];
    // A tool that moved one window: the policies are no longer the defaults, and read as written.
    const edited = structuredClone(out);
    const last = edited.filter((d) => d.kind === "AlertPolicy").at(-1)!;
    const condition = ((last.spec as Obj).conditions as Obj[])[0]!;
    ((condition.spec as Obj).condition as Obj).alertAfter = "90m";
    const [spec] = fromOpenSlo(edited, { now: NOW }).specs;
    expect(spec?.alerts).toEqual([
      { severity: "page", budgetFraction: 0.02, longWindowMinutes: 14, shortWindowMinutes: 1 },
      { severity: "page", budgetFraction: 0.05, longWindowMinutes: 84, shortWindowMinutes: 7 },
      { severity: "ticket", budgetFraction: 0.1, longWindowMinutes: 1008, shortWindowMinutes: 90 },
    ]);
  });

  it("refuses an imported alert that would fire below 0.9×, at its condition's threshold", () => {
    const weekly = { ...base, name: "ranker-week", window: { kind: "rolling", days: 7 } as const };
    // A slow burn-rate condition from another tool: 0.5× over 3 days on a 7-day window.
    const out = toOpenSlo([{ ...weekly, alerts: [DEFAULT_ALERT_WINDOWS[0]!] }], NOW) as Obj[];
    const policy = out.find((d) => d.kind === "AlertPolicy")!;
    const condition = ((policy.spec as Obj).conditions as Obj[])[0]!;
    delete ((condition.metadata as Obj).annotations as Obj)["flightdeck.dev/budget-fraction"];
    Object.assign((condition.spec as Obj).condition as Obj, {
      threshold: 0.5,
      lookbackWindow: "3d",
      alertAfter: "6h",
    });
    const problems = problemsOf(() => fromOpenSlo(out, { now: NOW }));
    expect(problems).toEqual([
      {
        document: "AlertPolicy/ranker-week-alert-1",
        field: "spec.conditions[0].spec.condition.threshold",
        message: expect.stringMatching(
          /^Alert 1 \(page: 21\.42857\d*% of the budget in 3d\) would fire at 0\.5× on a 7-day window, under 0\.9×/,
        ),
      },
    ]);
  });

  it("keeps derived names within OpenSLO's 63 characters, distinct", () => {
    const long = "a".repeat(40) + "-" + "b".repeat(22);
    const other = "a".repeat(40) + "-" + "c".repeat(22);
    const names = (
      toOpenSlo(
        [
          { ...base, name: long },
          { ...base, name: other },
        ],
        NOW,
      ) as Obj[]
    ).map((d) => (d.metadata as Obj).name as string);
    expect(names.every((n) => n.length <= 63 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(n))).toBe(
      true,
    );
    expect(new Set(names).size).toBe(names.length);
  });
});

// ---------------------------------------------------------------------------------------------

const positive = (max: number) => fc.double({ min: 0.001, max, noNaN: true });

/** An alert the schema accepts on an SLO window of at least `sloMinutes`: 0.9× or more. */
const alertArb = (sloMinutes: number) =>
  fc
    .record({
      severity: fc.constantFrom("page" as const, "ticket" as const),
      longWindowMinutes: fc.integer({
        min: 5,
        max: Math.min(7 * 1440, Math.floor(sloMinutes / MIN_ALERT_BURN_RATE)),
      }),
    })
    .chain((a) =>
      fc.record({
        severity: fc.constant(a.severity),
        longWindowMinutes: fc.constant(a.longWindowMinutes),
        shortWindowMinutes: fc.integer({ min: 1, max: a.longWindowMinutes - 1 }),
        budgetFraction: fc.double({
          // At the longest window the floor times the margin can pass 1: a whole budget then.
          min: Math.min(1, ((MIN_ALERT_BURN_RATE * a.longWindowMinutes) / sloMinutes) * 1.000001),
          max: 1,
          noNaN: true,
        }),
      }),
    );

const kindArb = fc.oneof(
  fc.constant({ sliKind: "availability" as const, threshold: null }),
  positive(1e6).map((threshold) => ({ sliKind: "latency" as const, threshold })),
  positive(1e6).map((threshold) => ({ sliKind: "freshness" as const, threshold })),
  fc.double({ min: 1e-4, max: 1, noNaN: true }).map((threshold) => ({
    sliKind: "quality" as const,
    threshold,
  })),
);

const methodArb = fc.oneof(
  fc.record({
    budgetingMethod: fc.constant("occurrences" as const),
    timesliceTarget: fc.option(fc.double({ min: 1e-4, max: 1, noNaN: true }), { nil: null }),
  }),
  fc.record({
    budgetingMethod: fc.constant("timeslices" as const),
    timesliceTarget: fc.double({ min: 1e-4, max: 1, noNaN: true }),
  }),
);

const PROPERTY_TIMEOUT_MS = 60_000;

const specArb: fc.Arbitrary<SloSpec> = fc
  .record({
    // any name the schema takes (it reserves a few for the SLO pages)
    name: fc
      .stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)
      .filter((name) => sloSpecSchema.safeParse({ ...base, name }).success),
    displayName: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
    description: fc.string({ maxLength: 120 }),
    service: fc.oneof(fc.constantFrom("ranker-xl", "fraud-scorer"), fc.string({ minLength: 1 })),
    team: fc.string({ minLength: 1, maxLength: 30 }),
    kind: kindArb,
    objective: fc.double({ min: 1e-6, max: 1, maxExcluded: true, noNaN: true }),
    windowAndAlerts: fc
      .oneof(
        fc.integer({ min: 1, max: 90 }).map((days) => ({ kind: "rolling" as const, days })),
        fc.constantFrom("month" as const, "quarter" as const).map((unit) => ({
          kind: "calendar" as const,
          unit,
        })),
      )
      .chain((window: SloWindow) =>
        fc.record({
          window: fc.constant(window),
          alerts: fc.oneof(
            fc.constant(DEFAULT_ALERT_WINDOWS),
            // one alert per severity and long window (the schema refuses two sharing one state)
            fc.uniqueArray(alertArb(shortestWindowMinutes(window)), {
              maxLength: 4,
              selector: (a) => `${a.severity}/${a.longWindowMinutes}`,
            }),
          ),
        }),
      ),
    method: methodArb,
  })
  .map(({ kind, method, displayName, windowAndAlerts, ...rest }) =>
    sloSpecSchema.parse({
      ...rest,
      ...(displayName === undefined ? {} : { displayName }),
      ...windowAndAlerts,
      ...kind,
      ...method,
    }),
  );

const specsArb = fc.uniqueArray(specArb, { selector: (s) => s.name, maxLength: 4 });
const nowArb = fc.date({
  min: new Date("2000-01-01T00:00:00Z"),
  max: new Date("2100-01-01T00:00:00Z"),
  noInvalidDate: true,
});

describe("round trips", () => {
  const fixtures = [
    "availability.openslo.yaml",
    "latency-inline.openslo.yaml",
    "quality-month.openslo.yaml",
    "freshness-quarter.openslo.yaml",
    "fleet.flightdeck.yaml",
  ];

  it.each(fixtures)("gives back the SLOs of %s through OpenSLO and YAML", (file) => {
    const { specs } = parseSloDocuments(load(file), { now: NOW });
    expect(specs.length).toBeGreaterThan(0);
    expect(fromOpenSlo(viaYaml(toOpenSlo(specs, NOW)), { now: NOW }).specs).toEqual(specs);
  });

  it.each(fixtures)("gives back the SLOs of %s through Flightdeck documents", (file) => {
    const { specs } = parseSloDocuments(load(file), { now: NOW });
    expect(fromFlightdeckDocs(viaYaml(toFlightdeckDocs(specs))).specs).toEqual(specs);
  });

  // Hundreds of generated SLO sets through YAML take seconds; on a loaded machine, more than
  // the default 5 s.
  it(
    "gives back any valid SLOs through OpenSLO and YAML",
    () => {
      fc.assert(
        fc.property(specsArb, nowArb, (specs, now) => {
          const docs = viaYaml(toOpenSlo(specs, now));
          expect(fromOpenSlo(docs, { now }).specs).toEqual(specs);
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "gives back any valid SLOs through Flightdeck documents",
    () => {
      fc.assert(
        fc.property(specsArb, (specs) => {
          expect(fromFlightdeckDocs(viaYaml(toFlightdeckDocs(specs))).specs).toEqual(specs);
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "reads OpenSLO and Flightdeck documents mixed in one file, in document order",
    () => {
      fc.assert(
        fc.property(specsArb, specsArb, (a, b) => {
          fc.pre(a.every((s) => !b.some((t) => t.name === s.name)));
          const docs = [...toOpenSlo(a, NOW), ...toFlightdeckDocs(b)];
          expect(parseSloDocuments(docs, { now: NOW }).specs).toEqual([...a, ...b]);
        }),
        { numRuns: 100 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("Flightdeck documents", () => {
  const doc = (spec: Obj, metadata: Obj = { name: "ranker-latency" }): Obj => ({
    apiVersion: "flightdeck.dev/v1",
    kind: "SLO",
    metadata,
    spec: {
      service: "ranker-xl",
      team: "search-ml",
      sliKind: "latency",
      threshold: 300,
      objective: 0.99,
      window: { kind: "rolling", days: 28 },
      budgetingMethod: "occurrences",
      ...spec,
    },
  });

  it("reads a spec with the schema's defaults", () => {
    expect(fromFlightdeckDocs([doc({})]).specs).toEqual([
      {
        name: "ranker-latency",
        description: "",
        service: "ranker-xl",
        team: "search-ml",
        sliKind: "latency",
        threshold: 300,
        objective: 0.99,
        window: { kind: "rolling", days: 28 },
        budgetingMethod: "occurrences",
        timesliceTarget: null,
        alerts: DEFAULT_ALERT_WINDOWS,
      },
    ]);
  });

  it("names unknown fields and schema problems by their path", () => {
    const problems = problemsOf(() =>
      fromFlightdeckDocs([
        doc({
          colour: "blue",
          window: { kind: "rolling", day: 28 },
          alerts: [
            {
              severity: "page",
              budgetFraction: 0.02,
              longWindowMinutes: 60,
              shortWindowMinutes: 90,
              note: "x",
            },
          ],
          objective: 1,
          team: undefined,
        }),
        doc({ sliKind: "availability" }, { name: "Bad Name" }),
        { ...doc({}, { name: "other" }), kind: "Alert" },
      ]),
    );
    expectProblem(problems, "SLO/ranker-latency", "spec.colour", /unknown field/);
    expectProblem(problems, "SLO/ranker-latency", "spec.window.day", /unknown field/);
    expectProblem(problems, "SLO/ranker-latency", "spec.window.days", /./);
    expectProblem(problems, "SLO/ranker-latency", "spec.alerts[0].note", /unknown field/);
    expectProblem(
      problems,
      "SLO/ranker-latency",
      "spec.alerts[0].shortWindowMinutes",
      /shorter than the long window/,
    );
    expectProblem(problems, "SLO/ranker-latency", "spec.objective", /below 1/);
    expectProblem(problems, "SLO/ranker-latency", "spec.team", /./);
    expectProblem(problems, "SLO/Bad Name", "metadata.name", /lowercase/);
    expectProblem(problems, "SLO/Bad Name", "spec.threshold", /availability SLO has no threshold/);
    expectProblem(problems, "Alert/other", "kind", /unknown kind "Alert"/);
  });

  it("refuses documents of other apiVersions when mixed", () => {
    const problems = problemsOf(() =>
      parseSloDocuments([
        doc({}),
        { apiVersion: "sloth.slok.dev/v1", kind: "PrometheusServiceLevel" },
      ]),
    );
    expect(problems).toEqual([
      {
        document: "PrometheusServiceLevel (document 2)",
        field: "apiVersion",
        message: expect.stringMatching(
          /unsupported apiVersion.*openslo\/v1 and flightdeck.dev\/v1/,
        ),
      },
    ]);
  });

  it("refuses one SLO name in both formats", () => {
    const problems = problemsOf(() =>
      parseSloDocuments([...toOpenSlo([base], NOW), ...toFlightdeckDocs([base])]),
    );
    expectProblem(
      problems,
      "SLO/ranker-availability",
      "metadata.name",
      /SLO\/ranker-availability already defines an SLO named ranker-availability/,
    );
  });
});
