import { effectiveAlerts, formatWindow, windowMinutes } from "@/lib/domain/slos/alerts";
import { type SloWindow } from "@/lib/domain/slos/spec";
import {
  FLIGHTDECK_ANNOTATIONS,
  FLIGHTDECK_API_VERSION,
  OPENSLO_API_VERSION,
  type Obj,
  type PortableSloSpec,
  clean,
} from "@/lib/domain/slos/openslo-model";

const MAX_NAME = 63;

/** FNV-1a: a short, stable tag that keeps shortened names distinct. */
function hashTag(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** `<slo><suffix>`, shortened (with a hash tag) to stay a valid 63-character OpenSLO name. */
function childName(base: string, suffix: string): string {
  if (base.length + suffix.length <= MAX_NAME) return base + suffix;
  const tag = hashTag(base);
  const keep = base.slice(0, MAX_NAME - suffix.length - tag.length - 1).replace(/-+$/, "");
  return `${keep}-${tag}${suffix}`;
}

function openSloDoc(kind: string, metadata: Obj, spec: Obj): Obj {
  return { apiVersion: OPENSLO_API_VERSION, kind, metadata, spec };
}

function describeSli(spec: PortableSloSpec): string {
  switch (spec.sliKind) {
    case "availability":
      return `Share of ${spec.service} requests served without a server error.`;
    case "latency":
      return `Share of ${spec.service} requests served within ${spec.threshold} ms.`;
    case "freshness":
      return `Share of time the data of ${spec.service} is at most ${spec.threshold} s old.`;
    case "quality":
      return `Share of time the online accuracy of ${spec.service} is at least ${spec.threshold}.`;
  }
}

/** Metric sources say where Flightdeck reads the SLI; other tools fill in their own queries. */
function sliSpecFor(spec: PortableSloSpec): Obj {
  const source = (extra: Obj) => ({
    metricSource: {
      type: "Flightdeck",
      spec: { model: spec.service, sli: spec.sliKind, ...extra },
    },
  });
  const metric =
    spec.sliKind === "availability"
      ? {
          ratioMetric: {
            counter: true,
            bad: source({ events: "bad" }),
            total: source({ events: "total" }),
          },
        }
      : { thresholdMetric: source({}) };
  return { description: describeSli(spec), ...metric };
}

function objectiveFor(spec: PortableSloSpec): Obj {
  const objective: Obj = {};
  if (spec.sliKind !== "availability") {
    objective.op = spec.sliKind === "quality" ? "gte" : "lte";
    objective.value = spec.threshold;
  }
  objective.target = spec.objective;
  if (spec.timesliceTarget !== null) objective.timeSliceTarget = spec.timesliceTarget;
  if (spec.budgetingMethod === "timeslices") objective.timeSliceWindow = "1m";
  return objective;
}

function timeWindowFor(window: SloWindow, now: Date): Obj {
  if (window.kind === "rolling") return { duration: `${window.days}d`, isRolling: true };
  const month = now.getUTCMonth();
  const first = window.unit === "month" ? month : month - (month % 3);
  const start = `${now.getUTCFullYear()}-${String(first + 1).padStart(2, "0")}-01 00:00:00`;
  return {
    duration: window.unit === "month" ? "1M" : "1Q",
    isRolling: false,
    calendar: { startTime: start, timeZone: "UTC" },
  };
}

/** A fresh object each time, so YAML writers have no shared objects to turn into aliases. */
const alertmanagerTarget = () => ({
  kind: "AlertNotificationTarget",
  metadata: { name: "alertmanager" },
  spec: {
    target: "alertmanager",
    description: "Flightdeck's Prometheus rules; Alertmanager routes them by severity and team.",
  },
});

/**
 * Writes SLO specs as OpenSLO v1: a Service per distinct service, and per SLO an SLI
 * (`<slo>-sli`), the SLO, and one AlertPolicy per alert window (`<slo>-alert-<n>`). Burn-rate
 * thresholds of calendar windows are those of the month or quarter containing `now`.
 * `fromOpenSlo(toOpenSlo(specs, now), { now })` gives back `specs`.
 */
export function toOpenSlo(specs: PortableSloSpec[], now: Date): unknown[] {
  const services = [...new Set(specs.map((s) => s.service))];
  const docs: unknown[] = services.map((name) => openSloDoc("Service", { name }, {}));
  for (const spec of specs) {
    const sliName = childName(spec.name, "-sli");
    const policyNames = spec.alerts.map((_, i) => childName(spec.name, `-alert-${i + 1}`));
    docs.push(
      openSloDoc(
        "SLI",
        { name: sliName, annotations: { [FLIGHTDECK_ANNOTATIONS.sliKind]: spec.sliKind } },
        sliSpecFor(spec),
      ),
    );
    const metadata: Obj = { name: spec.name };
    if (spec.displayName !== undefined) metadata.displayName = spec.displayName;
    if (spec.team !== undefined) metadata.labels = { team: spec.team };
    docs.push(
      openSloDoc("SLO", metadata, {
        ...(spec.description ? { description: spec.description } : {}),
        service: spec.service,
        indicatorRef: sliName,
        timeWindow: [timeWindowFor(spec.window, now)],
        budgetingMethod: spec.budgetingMethod === "occurrences" ? "Occurrences" : "Timeslices",
        objectives: [objectiveFor(spec)],
        alertPolicies: policyNames.map((alertPolicyRef) => ({ alertPolicyRef })),
      }),
    );
    effectiveAlerts(spec.alerts, windowMinutes(spec.window, now)).forEach((alert, i) => {
      const name = policyNames[i] ?? "";
      const long = formatWindow(alert.longWindowMinutes);
      const short = formatWindow(alert.shortWindowMinutes);
      docs.push(
        openSloDoc(
          "AlertPolicy",
          { name },
          {
            description: `${alert.severity}: ${clean(alert.budgetFraction * 100)}% of the error budget spent in ${long} (and still burning over ${short}).`,
            alertWhenBreaching: true,
            alertWhenResolved: false,
            alertWhenNoData: false,
            conditions: [
              {
                kind: "AlertCondition",
                metadata: {
                  name,
                  annotations: {
                    [FLIGHTDECK_ANNOTATIONS.budgetFraction]: String(alert.budgetFraction),
                  },
                },
                spec: {
                  severity: alert.severity,
                  condition: {
                    kind: "burnrate",
                    op: "gte",
                    threshold: alert.threshold,
                    lookbackWindow: long,
                    alertAfter: short,
                  },
                },
              },
            ],
            notificationTargets: [alertmanagerTarget()],
          },
        ),
      );
    });
  }
  return docs;
}

/** Writes SLO specs as Flightdeck documents: name and display name in metadata, the rest in spec. */
export function toFlightdeckDocs(specs: PortableSloSpec[]): unknown[] {
  return specs.map((s) => ({
    apiVersion: FLIGHTDECK_API_VERSION,
    kind: "SLO",
    metadata: {
      name: s.name,
      ...(s.displayName !== undefined ? { displayName: s.displayName } : {}),
    },
    spec: {
      ...(s.description ? { description: s.description } : {}),
      service: s.service,
      ...(s.team !== undefined ? { team: s.team } : {}),
      sliKind: s.sliKind,
      ...(s.threshold !== null ? { threshold: s.threshold } : {}),
      objective: s.objective,
      window: { ...s.window },
      budgetingMethod: s.budgetingMethod,
      ...(s.timesliceTarget !== null ? { timesliceTarget: s.timesliceTarget } : {}),
      alerts: s.alerts.map((a) => ({ ...a })),
    },
  }));
}
