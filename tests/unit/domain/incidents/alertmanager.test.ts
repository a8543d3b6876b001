import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALERT_SEVERITY,
  alertmanagerAlertSchema,
  alertmanagerWebhookSchema,
  alertToIncidentChange,
  DEFAULT_ALERT_SEVERITY,
  planAlertChange,
  type AlertIncidentChange,
  type AlertmanagerAlert,
} from "@/lib/domain/incidents/alertmanager";
import type { IncidentStatus, Severity } from "@/lib/domain/incidents/lifecycle";

const FIXTURES = path.resolve(import.meta.dirname, "../../../fixtures/alertmanager");
const raw = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8")) as Record<string, unknown>;
const parse = (name: string) => alertmanagerWebhookSchema.parse(raw(name));

describe("alertmanagerWebhookSchema: the fixtures", () => {
  it("reads a firing SLO burn-rate notification", () => {
    const payload = parse("firing-slo-burn.json");
    expect(payload).toMatchObject({
      version: "4",
      status: "firing",
      receiver: "flightdeck",
      truncatedAlerts: 0,
      groupLabels: { alertname: "SloErrorBudgetBurn", service: "ranker-xl" },
      externalURL: "http://alertmanager.monitoring.svc:9093",
    });
    expect(payload.alerts).toHaveLength(1);
    expect(payload.alerts[0]?.startsAt).toEqual(new Date("2026-11-29T09:58:30.123Z"));
    expect(payload.alerts[0]?.endsAt).toEqual(new Date("2026-11-29T10:06:30.123Z"));
  });

  it("reads nanosecond times, offsets, Go's zero time and truncated alerts", () => {
    const resolved = parse("resolved-slo-burn.json");
    expect(resolved.alerts[0]?.endsAt).toEqual(new Date("2026-11-29T10:41:00.456Z"));
    const grouped = parse("firing-grouped-by-region.json");
    expect(grouped.truncatedAlerts).toBe(3);
    expect(grouped.alerts.map((a) => [a.startsAt.toISOString(), a.endsAt])).toEqual([
      ["2026-11-17T05:02:00.000Z", new Date("2026-11-17T05:10:00Z")],
      ["2026-11-17T05:04:30.000Z", null],
    ]);
    expect(grouped.commonAnnotations).toEqual({});
  });

  it("defaults truncatedAlerts, which older Alertmanagers do not send", () => {
    expect(parse("firing-sloth-custom-severity.json").truncatedAlerts).toBe(0);
  });
});

describe("alertmanagerWebhookSchema: malformed payloads", () => {
  const base = raw("firing-slo-burn.json");
  const alert = (base.alerts as Record<string, unknown>[])[0]!;
  const withAlert = (patch: Record<string, unknown>) => ({
    ...base,
    alerts: [{ ...alert, ...patch }],
  });
  const without = (key: string) =>
    Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
  const cases: [string, unknown, string][] = [
    ["another version", { ...base, version: "3" }, "version"],
    ["a numeric version", { ...base, version: 4 }, "version"],
    ["no groupKey", without("groupKey"), "groupKey"],
    ["no alerts", without("alerts"), "alerts"],
    ["alerts not a list", { ...base, alerts: {} }, "alerts"],
    ["an unknown group status", { ...base, status: "pending" }, "status"],
    ["an unknown alert status", withAlert({ status: "silenced" }), "alerts.0.status"],
    ["no fingerprint", withAlert({ fingerprint: undefined }), "alerts.0.fingerprint"],
    ["a blank fingerprint", withAlert({ fingerprint: "  " }), "alerts.0.fingerprint"],
    ["a start that is not a time", withAlert({ startsAt: "yesterday" }), "alerts.0.startsAt"],
    ["a time without offset", withAlert({ startsAt: "2026-11-29T09:58:30" }), "alerts.0.startsAt"],
    ["a numeric label", withAlert({ labels: { severity: 1 } }), "alerts.0.labels.severity"],
    ["a negative truncatedAlerts", { ...base, truncatedAlerts: -1 }, "truncatedAlerts"],
  ];

  it.each(cases)("refuses %s", (_, payload, where) => {
    const r = alertmanagerWebhookSchema.safeParse(payload);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toContain(where);
  });

  it("refuses what is not an object", () => {
    for (const payload of [null, "firing", 4, []]) {
      expect(alertmanagerWebhookSchema.safeParse(payload).success).toBe(false);
    }
  });

  it("ignores fields it does not know, and accepts an empty alert list", () => {
    const r = alertmanagerWebhookSchema.parse({ ...base, alerts: [], extra: true });
    expect(r.alerts).toEqual([]);
    expect("extra" in r).toBe(false);
  });
});

describe("alertToIncidentChange: the fixtures", () => {
  it("a Flightdeck SLO burn-rate page: SEV2, the service as model, the SLO to link", () => {
    const change = alertToIncidentChange(parse("firing-slo-burn.json").alerts[0]!);
    expect(change).toEqual({
      dedupeKey: "3f5a7c2e9b1d4a60",
      status: "firing",
      title:
        "Ranker XL availability: ranker-xl is spending its error budget (99.9% over 30d) too fast.",
      severity: "SEV2",
      severitySource: 'severity="page"',
      model: "ranker-xl",
      region: null,
      slo: "ranker-xl-availability",
      team: "ranking",
      description:
        "Fires on a 14.4× burn over 1h (5m short window) or 6× over 6h (30m short window) of a 30 d window.",
      startedAt: new Date("2026-11-29T09:58:30.123Z"),
      endedAt: null,
      generatorURL:
        "http://prometheus.monitoring.svc:9090/graph?g0.expr=max%28slo%3Asli_error%3Aratio_rate5m%29&g0.tab=1",
      runbookUrl: null,
      labels: parse("firing-slo-burn.json").alerts[0]!.labels,
    });
  });

  it("its resolution carries the same key and the end time", () => {
    const change = alertToIncidentChange(parse("resolved-slo-burn.json").alerts[0]!);
    expect(change).toMatchObject({
      dedupeKey: "3f5a7c2e9b1d4a60",
      status: "resolved",
      endedAt: new Date("2026-11-29T10:41:00.456Z"),
    });
  });

  it("a grouped notification gives one change per alert", () => {
    const changes = parse("firing-grouped-by-region.json").alerts.map(alertToIncidentChange);
    expect(
      changes.map((c) => [c.dedupeKey, c.severity, c.severitySource, c.model, c.region, c.title]),
    ).toEqual([
      [
        "a1b2c3d4e5f60718",
        "SEV1",
        'flightdeck_severity="SEV1"',
        "assistant-llm-70b",
        "eu-west-1",
        "H100 GPUs falling off the bus on gke-euw1-serve-01",
      ],
      [
        "0c9d8e7f6a5b4c3d",
        "SEV3",
        'severity="warning"',
        "assistant-llm-70b",
        "eu-west-1",
        "KubePodCrashLooping",
      ],
    ]);
    // a firing alert has not ended, whatever its estimated endsAt
    expect(changes.map((c) => c.endedAt)).toEqual([null, null]);
    expect(changes[1]?.generatorURL).toBeNull();
    expect(changes[1]?.slo).toBeNull();
  });

  it("a Sloth alert with a custom severity label falls back to sloth_severity", () => {
    const change = alertToIncidentChange(parse("firing-sloth-custom-severity.json").alerts[0]!);
    expect(change).toMatchObject({
      severity: "SEV2",
      severitySource: 'sloth_severity="page"',
      model: "myservice",
      slo: "requests-availability",
      title: "MyServiceHighErrorRate",
      description: null,
      team: null,
    });
  });
});

function alertWith(labels: Record<string, string>, annotations: Record<string, string> = {}) {
  return alertmanagerAlertSchema.parse({
    status: "firing",
    labels: { alertname: "TestAlert", ...labels },
    annotations,
    startsAt: "2026-11-29T10:00:00Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "",
    fingerprint: "0123456789abcdef",
  });
}

describe("alertToIncidentChange: severity", () => {
  it.each<[Record<string, string>, Severity]>([
    [{ severity: "critical" }, "SEV2"],
    [{ severity: "page" }, "SEV2"],
    [{ severity: "CRITICAL" }, "SEV2"],
    [{ severity: "error" }, "SEV3"],
    [{ severity: "warning" }, "SEV3"],
    [{ severity: "ticket" }, "SEV3"],
    [{ severity: "info" }, "SEV4"],
    [{}, "SEV3"],
    [{ severity: "pageteam" }, "SEV3"],
    [{ severity: "", sloth_severity: "ticket" }, "SEV3"],
    [{ severity: "info", sloth_severity: "page" }, "SEV4"],
    [{ flightdeck_severity: "SEV1", severity: "info" }, "SEV1"],
    [{ flightdeck_severity: "sev4", severity: "critical" }, "SEV4"],
    [{ flightdeck_severity: " SEV2 " }, "SEV2"],
    [{ flightdeck_severity: "SEV5", severity: "critical" }, "SEV2"],
    [{ flightdeck_severity: "high", severity: "info" }, "SEV4"],
    // names of Object.prototype's members are no severity (fast-check found "__proto__")
    [{ severity: "__proto__" }, "SEV3"],
    [{ severity: "constructor" }, "SEV3"],
    [{ severity: "toString", sloth_severity: "page" }, "SEV2"],
  ])("%j → %s", (labels, severity) => {
    expect(alertToIncidentChange(alertWith(labels)).severity).toBe(severity);
  });

  it("says when it fell back to the default", () => {
    expect(DEFAULT_ALERT_SEVERITY).toBe("SEV3");
    expect(alertToIncidentChange(alertWith({ severity: "pageteam" })).severitySource).toBe(
      "no known severity label (default)",
    );
    expect(Object.values(ALERT_SEVERITY)).not.toContain("SEV1");
  });
});

describe("alertToIncidentChange: title, model, region", () => {
  it("titles from summary, then title, then alertname, then the fingerprint", () => {
    const title = (labels: Record<string, string>, annotations: Record<string, string>) =>
      alertToIncidentChange(alertWith(labels, annotations)).title;
    expect(title({}, { summary: "S", title: "T" })).toBe("S");
    expect(title({}, { summary: "  ", title: "T" })).toBe("T");
    expect(title({}, {})).toBe("TestAlert");
    expect(title({ alertname: "" }, {})).toBe("Alert 0123456789abcdef");
    expect(title({}, { summary: "two\n  lines\tof text " })).toBe("two lines of text");
    const long = title({}, { summary: "x".repeat(500) });
    expect(long).toHaveLength(200);
    expect(long.endsWith("…")).toBe(true);
    expect(title({}, { summary: "y".repeat(200) })).toBe("y".repeat(200));
  });

  it("takes the model from model, service, sloth_service or slo_service, in that order", () => {
    const model = (labels: Record<string, string>) =>
      alertToIncidentChange(alertWith(labels)).model;
    expect(model({ model: "a", service: "b", sloth_service: "c", slo_service: "d" })).toBe("a");
    expect(model({ service: "b", sloth_service: "c" })).toBe("b");
    expect(model({ model: " ", sloth_service: "c" })).toBe("c");
    expect(model({ slo_service: "d" })).toBe("d");
    expect(model({ job: "ranker" })).toBeNull();
    expect(alertToIncidentChange(alertWith({ region: "us-east-1" })).region).toBe("us-east-1");
  });

  it("property: any alert maps to a one-line title of at most 200 characters, keyed by its fingerprint", () => {
    const labelValue = fc.string({ maxLength: 300 });
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom("alertname", "severity", "flightdeck_severity", "model", "region", "x"),
          labelValue,
        ),
        fc.dictionary(fc.constantFrom("summary", "title", "description"), labelValue),
        fc.string({ minLength: 1, maxLength: 32 }).filter((s) => s.trim() !== ""),
        (labels, annotations, fingerprint) => {
          const alert: AlertmanagerAlert = { ...alertWith({}), labels, annotations, fingerprint };
          const change = alertToIncidentChange(alert);
          expect(change.dedupeKey).toBe(fingerprint);
          expect(change.title.length).toBeGreaterThan(0);
          expect(change.title.length).toBeLessThanOrEqual(200);
          expect(change.title).not.toMatch(/[\n\t]/);
          expect(["SEV1", "SEV2", "SEV3", "SEV4"]).toContain(change.severity);
        },
      ),
    );
  });
});

describe("planAlertChange", () => {
  const T = (iso: string) => new Date(`2026-11-29T${iso}:00Z`);
  const change = (over: Partial<AlertIncidentChange> = {}): AlertIncidentChange => ({
    ...alertToIncidentChange(alertWith({ severity: "warning" }, { summary: "5xx on ranker-xl" })),
    ...over,
  });
  const existing = (
    status: IncidentStatus,
    severity: Severity = "SEV3",
    mitigatedAt: Date | null = null,
  ) => ({
    status,
    severity,
    mitigatedAt,
  });

  it("a firing alert with no open incident opens one", () => {
    expect(planAlertChange(change(), null)).toEqual({ action: "open", severity: "SEV3" });
    for (const status of ["resolved", "closed", "cancelled"] as const) {
      expect(planAlertChange(change(), existing(status))).toEqual({
        action: "open",
        severity: "SEV3",
      });
    }
  });

  it("a repeated notification for an open incident changes nothing", () => {
    for (const status of ["triage", "investigating", "mitigated"] as const) {
      expect(
        planAlertChange(
          change(),
          existing(status, "SEV3", status === "mitigated" ? T("10:30") : null),
        ),
      ).toEqual({
        action: "ignore",
        reason: "The alert is already held by an open incident.",
      });
    }
    // people raised it to SEV1: the alert never lowers it
    expect(
      planAlertChange(change({ severity: "SEV2" }), existing("investigating", "SEV1")),
    ).toMatchObject({
      action: "ignore",
    });
  });

  it("a more severe alert raises the open incident's severity", () => {
    expect(
      planAlertChange(
        change({ severity: "SEV2", severitySource: 'severity="critical"' }),
        existing("investigating", "SEV3"),
      ),
    ).toEqual({
      action: "update",
      escalateTo: "SEV2",
      event: null,
      note: 'Severity raised to SEV2 (severity="critical"): 5xx on ranker-xl',
    });
  });

  it("an alert firing again after mitigation sends the incident back to investigating", () => {
    const mitigated = existing("mitigated", "SEV3", T("10:30"));
    expect(planAlertChange(change({ startedAt: T("10:45") }), mitigated)).toEqual({
      action: "update",
      escalateTo: null,
      event: "investigate",
      note: "Alert firing again since 2026-11-29T10:45:00.000Z: 5xx on ranker-xl",
    });
    // the same firing that was mitigated (started before) is not a recurrence
    expect(planAlertChange(change({ startedAt: T("10:00") }), mitigated).action).toBe("ignore");
    expect(
      planAlertChange(change({ startedAt: T("10:45"), severity: "SEV2" }), mitigated),
    ).toMatchObject({
      escalateTo: "SEV2",
      event: "investigate",
      note: 'Alert firing again since 2026-11-29T10:45:00.000Z; severity raised to SEV2 (severity="warning"): 5xx on ranker-xl',
    });
  });

  it("a resolved alert notes the open incident's timeline and never resolves it", () => {
    const resolved = change({ status: "resolved", endedAt: T("11:00") });
    expect(planAlertChange(resolved, existing("investigating"))).toEqual({
      action: "update",
      escalateTo: null,
      event: null,
      note: "Alert resolved at 2026-11-29T11:00:00.000Z: 5xx on ranker-xl",
    });
    expect(planAlertChange({ ...resolved, endedAt: null }, existing("triage"))).toMatchObject({
      note: "Alert resolved: 5xx on ranker-xl",
    });
    for (const e of [null, existing("resolved"), existing("closed")]) {
      expect(planAlertChange(resolved, e)).toEqual({
        action: "ignore",
        reason: "No open incident holds this alert.",
      });
    }
  });
});
