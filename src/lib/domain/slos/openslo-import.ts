import type { z } from "zod";
import {
  budgetFractionOf,
  burnRateThreshold,
  effectiveAlerts,
  windowMinutes,
} from "@/lib/domain/slos/alerts";
import {
  DEFAULT_ALERT_WINDOWS,
  SLI_KINDS,
  sloSpecSchema,
  type AlertWindow,
  type SliKind,
  type SloSpec,
  type SloWindow,
} from "@/lib/domain/slos/spec";
import type { Collector } from "@/lib/domain/slos/openslo-model";
import {
  type Envelope,
  FLIGHTDECK_ANNOTATIONS,
  FLIGHTDECK_API_VERSION,
  METADATA_FIELDS,
  OPENSLO_API_VERSION,
  OPENSLO_KINDS,
  type Obj,
  OpenSloError,
  type OpenSloKind,
  type PortableSloSpec,
  type Report,
  type SloImportOptions,
  type Where,
  checkFields,
  child,
  clean,
  flightdeckValue,
  isObj,
  labelValue,
  minutesOf,
  numberValue,
  parseDuration,
  readEnvelope,
  readList,
  readNumber,
  readObject,
  readString,
  readWindowMinutes,
} from "@/lib/domain/slos/openslo-model";

interface ParsedSli {
  metric: "ratio" | "threshold";
  kind: { value: SliKind; where: Where } | null;
  threshold: { value: number; where: Where } | null;
  /** the SLI's spec and metadata, for problems found once the SLO is read */
  where: Where;
  metadata: Where;
}

const METRIC_SOURCE_FIELDS = ["metricSourceRef", "type", "spec"];

/** Checks a ratio's good, bad or total metric; true when it is given. */
function checkMetric(holder: Obj, key: string, path: string, report: Report): boolean {
  const present = holder[key] !== undefined && holder[key] !== null;
  const metric = readObject(holder, key, path, report, false);
  if (metric) {
    const metricPath = child(path, key);
    checkFields(metric, metricPath, ["metricSource"], report);
    const source = readObject(metric, "metricSource", metricPath, report, true);
    if (source) {
      checkFields(source, child(metricPath, "metricSource"), METRIC_SOURCE_FIELDS, report);
    }
  }
  return present;
}

function readSli(
  spec: Obj,
  specPath: string,
  metadata: Obj | undefined,
  metadataPath: string,
  document: string,
  report: Report,
): ParsedSli | null {
  checkFields(spec, specPath, ["description", "thresholdMetric", "ratioMetric"], report);
  readString(spec, "description", specPath, report, false);
  const ratio = readObject(spec, "ratioMetric", specPath, report, false);
  const threshold = readObject(spec, "thresholdMetric", specPath, report, false);
  let metric: ParsedSli["metric"] | null = null;
  if (ratio && threshold) {
    report(specPath, "give either ratioMetric or thresholdMetric, not both.");
  } else if (ratio) {
    const path = child(specPath, "ratioMetric");
    checkFields(ratio, path, ["counter", "good", "bad", "total"], report, {
      raw: "precomputed ratios (raw) are not supported: give good or bad, and total.",
      rawType: "precomputed ratios (raw) are not supported: give good or bad, and total.",
    });
    if (ratio.counter !== undefined && typeof ratio.counter !== "boolean") {
      report(child(path, "counter"), "must be true or false.");
    }
    const good = checkMetric(ratio, "good", path, report);
    const bad = checkMetric(ratio, "bad", path, report);
    const total = checkMetric(ratio, "total", path, report);
    if (good === bad) report(path, "give exactly one of good and bad.");
    if (!total) report(child(path, "total"), "is required.");
    metric = "ratio";
  } else if (threshold) {
    const path = child(specPath, "thresholdMetric");
    checkFields(threshold, path, ["metricSource"], report);
    const source = readObject(threshold, "metricSource", path, report, true);
    if (source) checkFields(source, child(path, "metricSource"), METRIC_SOURCE_FIELDS, report);
    metric = "threshold";
  } else {
    report(specPath, "an SLI needs a ratioMetric or a thresholdMetric.");
  }

  let kind: ParsedSli["kind"] = null;
  const kindValue = flightdeckValue(metadata, metadataPath, FLIGHTDECK_ANNOTATIONS.sliKind, report);
  if (kindValue) {
    const value = SLI_KINDS.find((k) => k === kindValue.value);
    if (value) kind = { value, where: { document, field: kindValue.field } };
    else report(kindValue.field, `must be one of ${SLI_KINDS.join(", ")}.`);
  }
  const thresholdValue = numberValue(
    metadata,
    metadataPath,
    FLIGHTDECK_ANNOTATIONS.threshold,
    report,
  );
  if (metric === null) return null;
  return {
    metric,
    kind,
    threshold: thresholdValue && {
      value: thresholdValue.value,
      where: { document, field: thresholdValue.field },
    },
    where: { document, field: specPath },
    metadata: { document, field: metadataPath },
  };
}

// ---------------------------------------------------------------------------------------------
// Alert conditions and policies

interface ParsedCondition {
  severity: AlertWindow["severity"];
  burnRate: number;
  longWindowMinutes: number;
  shortWindowMinutes: number;
  budgetFraction: { value: number; field: string } | null;
  /** the condition's spec, for problems found once the SLO window is known */
  where: Where;
}

const SEVERITIES: Record<string, AlertWindow["severity"]> = {
  page: "page",
  critical: "page",
  ticket: "ticket",
  warning: "ticket",
};

function readCondition(
  spec: Obj,
  specPath: string,
  metadata: Obj | undefined,
  metadataPath: string,
  document: string,
  report: Report,
): ParsedCondition | null {
  checkFields(spec, specPath, ["description", "severity", "condition"], report);
  readString(spec, "description", specPath, report, false);
  const severityText = readString(spec, "severity", specPath, report, true);
  const severity = severityText === undefined ? undefined : SEVERITIES[severityText.toLowerCase()];
  if (severityText !== undefined && !severity) {
    report(
      child(specPath, "severity"),
      `Flightdeck alerts page or open a ticket: use page or ticket (critical and warning are read as page and ticket), got ${JSON.stringify(severityText)}.`,
    );
  }
  const budgetFraction = numberValue(
    metadata,
    metadataPath,
    FLIGHTDECK_ANNOTATIONS.budgetFraction,
    report,
  );
  const condition = readObject(spec, "condition", specPath, report, true);
  if (!condition) return null;
  const path = child(specPath, "condition");
  checkFields(condition, path, ["kind", "op", "threshold", "lookbackWindow", "alertAfter"], report);
  let ok = severity !== undefined;
  if (condition.kind !== undefined && condition.kind !== "burnrate") {
    report(
      child(path, "kind"),
      `only burnrate conditions are supported, got ${JSON.stringify(condition.kind)}.`,
    );
    ok = false;
  }
  if (condition.op !== "gt" && condition.op !== "gte") {
    report(
      child(path, "op"),
      `a burn-rate alert fires above its threshold: op must be gt or gte, got ${JSON.stringify(condition.op)}.`,
    );
    ok = false;
  }
  const burnRate = readNumber(condition, "threshold", path, report);
  if (burnRate === undefined) {
    if (condition.threshold === undefined) report(child(path, "threshold"), "is required.");
    ok = false;
  } else if (!(burnRate > 0)) {
    report(child(path, "threshold"), "a burn-rate threshold is above 0.");
    ok = false;
  }
  const long = readWindowMinutes(condition, "lookbackWindow", path, report);
  let short: number | null = null;
  if (condition.alertAfter === undefined || condition.alertAfter === "0m") {
    if (long !== null) short = Math.max(1, Math.round(long / 12));
  } else {
    short = readWindowMinutes(condition, "alertAfter", path, report);
  }
  if (!ok || !severity || burnRate === undefined || long === null || short === null) return null;
  return {
    severity,
    burnRate,
    longWindowMinutes: long,
    shortWindowMinutes: short,
    budgetFraction,
    where: { document, field: specPath },
  };
}

/** An inline `{kind, metadata, spec}` object inside another document. */
function readInline(
  item: Obj,
  path: string,
  kind: string,
  report: Report,
): { metadata: Obj | undefined; spec: Obj } | null {
  checkFields(item, path, ["kind", "metadata", "spec"], report);
  if (item.kind !== kind) {
    report(child(path, "kind"), `must be ${kind}, got ${JSON.stringify(item.kind)}.`);
  }
  const metadata = readObject(item, "metadata", path, report, false);
  if (metadata) {
    checkFields(metadata, child(path, "metadata"), METADATA_FIELDS, report);
  }
  const spec = readObject(item, "spec", path, report, true);
  return spec && item.kind === kind ? { metadata, spec } : null;
}

function readPolicy(
  spec: Obj,
  specPath: string,
  document: string,
  report: Report,
  conditions: Map<string, ParsedCondition | null>,
): ParsedCondition[] | null {
  checkFields(
    spec,
    specPath,
    [
      "description",
      "alertWhenNoData",
      "alertWhenResolved",
      "alertWhenBreaching",
      "conditions",
      "notificationTargets",
    ],
    report,
  );
  readString(spec, "description", specPath, report, false);
  readList(spec, "notificationTargets", specPath, report);
  const list = readList(spec, "conditions", specPath, report);
  if (!list || list.length === 0) {
    if (list || spec.conditions === undefined) {
      report(child(specPath, "conditions"), "an alert policy needs a burnrate condition.");
    }
    return null;
  }
  // Conditions that cannot be read are reported (here or with their own document) and left out.
  const parsed: ParsedCondition[] = [];
  list.forEach((item, i) => {
    const path = child(child(specPath, "conditions"), i);
    if (!isObj(item)) {
      report(path, "a condition is a conditionRef or an inline AlertCondition.");
      return;
    }
    if ("conditionRef" in item) {
      checkFields(item, path, ["conditionRef"], report);
      const ref = item.conditionRef;
      const found = typeof ref === "string" ? conditions.get(ref) : undefined;
      if (found === undefined) {
        report(
          child(path, "conditionRef"),
          `no AlertCondition named ${JSON.stringify(ref)} in these documents.`,
        );
      } else if (found) {
        parsed.push(found);
      }
      return;
    }
    const inline = readInline(item, path, "AlertCondition", report);
    const condition =
      inline &&
      readCondition(
        inline.spec,
        child(path, "spec"),
        inline.metadata,
        child(path, "metadata"),
        document,
        report,
      );
    if (condition) parsed.push(condition);
  });
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// SLO

/** Where each SloSpec field came from, to point schema issues at the document's own field. */
type Origins = Partial<Record<keyof SloSpec, Where>>;

const NOMINAL_CALENDAR_MINUTES = { month: 30 * 1440, quarter: 91 * 1440 };

const CALENDAR_START = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

function readTimeWindow(spec: Obj, report: Report): SloWindow | null {
  const list = readList(spec, "timeWindow", "spec", report);
  if (!list || list.length !== 1) {
    if (list || spec.timeWindow === undefined) {
      report(
        "spec.timeWindow",
        `Flightdeck needs exactly one time window, got ${list ? list.length : "none"}.`,
      );
    }
    return null;
  }
  const path = "spec.timeWindow[0]";
  const tw = list[0];
  if (!isObj(tw)) {
    report(path, "a time window is a mapping with duration and isRolling.");
    return null;
  }
  checkFields(tw, path, ["duration", "isRolling", "calendar"], report);
  const calendar = readObject(tw, "calendar", path, report, false);
  if (tw.isRolling !== undefined && typeof tw.isRolling !== "boolean") {
    report(child(path, "isRolling"), "must be true or false.");
    return null;
  }
  if (tw.isRolling === undefined && !calendar) {
    report(child(path, "isRolling"), "say isRolling: true, or give a calendar.");
    return null;
  }
  const rolling = tw.isRolling === true;
  const d = parseDuration(tw.duration);
  const durationField = child(path, "duration");
  if (!d) {
    report(
      durationField,
      `must be a duration like 28d, 4w, 1M or 1Q, got ${JSON.stringify(tw.duration)}.`,
    );
    return null;
  }
  if (rolling) {
    if (calendar) report(child(path, "calendar"), "a rolling window has no calendar.");
    const minutes = minutesOf(d);
    if (minutes === null || minutes % 1440 !== 0) {
      report(
        durationField,
        `a rolling window is a whole number of days (e.g. 28d, 4w), got ${String(tw.duration)}; calendar months and quarters are isRolling: false.`,
      );
      return null;
    }
    return { kind: "rolling", days: minutes / 1440 };
  }
  const unit =
    d.unit === "M" && d.count === 1
      ? "month"
      : (d.unit === "Q" && d.count === 1) || (d.unit === "M" && d.count === 3)
        ? "quarter"
        : null;
  if (!unit) {
    report(
      durationField,
      `a calendar window is 1M (a month) or 1Q (a quarter), got ${String(tw.duration)}${d.unit === "m" ? " (m is minutes; months are M)" : ""}.`,
    );
    return null;
  }
  if (calendar) {
    const cpath = child(path, "calendar");
    checkFields(calendar, cpath, ["startTime", "timeZone"], report);
    if (
      calendar.timeZone !== undefined &&
      calendar.timeZone !== "UTC" &&
      calendar.timeZone !== "Etc/UTC"
    ) {
      report(
        child(cpath, "timeZone"),
        `Flightdeck's calendar windows are in UTC, got ${JSON.stringify(calendar.timeZone)}.`,
      );
    }
    const start = calendar.startTime;
    if (start !== undefined) {
      const text = start instanceof Date ? start.toISOString().slice(0, 19) : start;
      const m = typeof text === "string" ? CALENDAR_START.exec(text) : null;
      const month = m ? Number(m[2]) : NaN;
      const aligned =
        m !== null &&
        m[3] === "01" &&
        m[4] === "00" &&
        m[5] === "00" &&
        m[6] === "00" &&
        (unit === "month" || month % 3 === 1);
      if (!aligned) {
        report(
          child(cpath, "startTime"),
          `a ${unit} starts on the first day of a ${unit} at 00:00:00 (e.g. 2026-01-01 00:00:00), got ${JSON.stringify(text)}.`,
        );
      }
    }
  }
  return { kind: "calendar", unit };
}

const BUDGETING: Record<string, SloSpec["budgetingMethod"]> = {
  Occurrences: "occurrences",
  Timeslices: "timeslices",
  RatioTimeslices: "timeslices",
};

function readTeam(
  slo: Envelope,
  service: Envelope | undefined,
  options: SloImportOptions,
): { team: string; where: Where } | null {
  for (const env of service ? [slo, service] : [slo]) {
    for (const key of ["team", "owner"]) {
      const team = labelValue(env.metadata, key, env.report);
      if (team) return { team, where: { document: env.id, field: child("metadata.labels", key) } };
    }
  }
  if (options.team)
    return { team: options.team, where: { document: slo.id, field: "metadata.labels.team" } };
  return null;
}

interface Lookup {
  services: Map<string, Envelope>;
  slis: Map<string, ParsedSli | null>;
  policies: Map<string, ParsedCondition[] | null>;
  conditions: Map<string, ParsedCondition | null>;
}

/** The SloSpec being assembled from one SLO document and the documents it refers to. */
class Draft {
  readonly input: Record<string, unknown>;
  readonly origins: Origins = {};
  /** fields whose problems are already reported: their schema issues would only repeat them */
  readonly failed = new Set<string>();
  /** where each alert window came from, in the order of `input.alerts` */
  readonly conditions: Where[] = [];

  constructor(readonly slo: Envelope) {
    this.input = { name: slo.name };
    this.origins.name = this.at("metadata.name");
  }

  at(field: string): Where {
    return { document: this.slo.id, field };
  }

  set(key: keyof SloSpec, value: unknown, where: Where): void {
    this.input[key] = value;
    this.origins[key] = where;
  }

  fail(...keys: (keyof SloSpec)[]): void {
    for (const key of keys) this.failed.add(key);
  }
}

const SLO_SPEC_FIELDS = [
  "description",
  "service",
  "indicator",
  "indicatorRef",
  "timeWindow",
  "budgetingMethod",
  "objectives",
  "alertPolicies",
];

const OBJECTIVE_FIELDS = [
  "displayName",
  "op",
  "value",
  "target",
  "targetPercent",
  "timeSliceTarget",
  "timeSliceWindow",
];

function readSlo<S>(slo: Envelope, lookup: Lookup, options: Reading<S>, c: Collector): Draft {
  const draft = new Draft(slo);
  const { spec, report } = slo;
  checkFields(spec, "spec", SLO_SPEC_FIELDS, report);
  if (typeof slo.metadata.displayName === "string") {
    draft.set("displayName", slo.metadata.displayName, draft.at("metadata.displayName"));
  }
  const description = readString(spec, "description", "spec", report, false);
  if (description !== undefined)
    draft.set("description", description, draft.at("spec.description"));

  const service = readString(spec, "service", "spec", report, true);
  if (service === undefined) draft.fail("service");
  else draft.set("service", service, draft.at("spec.service"));

  const team = readTeam(
    slo,
    service === undefined ? undefined : lookup.services.get(service),
    options,
  );
  if (team) {
    draft.set("team", team.team, team.where);
  } else if (!options.teamOptional) {
    report(
      "metadata.labels.team",
      "no owner team: label the SLO or its Service with team (or owner), or give a default team.",
    );
    draft.fail("team");
  }

  const window = readTimeWindow(spec, report);
  if (window) draft.set("window", window, draft.at("spec.timeWindow[0].duration"));
  else draft.fail("window");

  const method =
    typeof spec.budgetingMethod === "string" ? BUDGETING[spec.budgetingMethod] : undefined;
  if (method) {
    draft.set("budgetingMethod", method, draft.at("spec.budgetingMethod"));
  } else {
    report(
      "spec.budgetingMethod",
      spec.budgetingMethod === "Occurences"
        ? "is spelled Occurrences."
        : `must be Occurrences, Timeslices or RatioTimeslices, got ${JSON.stringify(spec.budgetingMethod)}.`,
    );
    draft.fail("budgetingMethod");
  }

  const sli = readIndicator(slo, lookup);
  const objective = readObjective(draft, method);
  if (sli && objective) readKind(draft, sli, objective, c);
  else draft.fail("sliKind", "threshold");
  readAlerts(draft, window, lookup, options, c);
  return draft;
}

/** The SLI: inline (`indicator`) or by name (`indicatorRef`), exactly one. */
function readIndicator(slo: Envelope, lookup: Lookup): ParsedSli | null {
  const { spec, report } = slo;
  const hasInline = spec.indicator !== undefined && spec.indicator !== null;
  const hasRef = spec.indicatorRef !== undefined && spec.indicatorRef !== null;
  if (hasInline === hasRef) {
    report("spec", "give exactly one of indicator and indicatorRef.");
    return null;
  }
  if (hasRef) {
    const ref = readString(spec, "indicatorRef", "spec", report, true);
    const found = ref === undefined ? undefined : lookup.slis.get(ref);
    if (ref !== undefined && found === undefined) {
      report("spec.indicatorRef", `no SLI named ${JSON.stringify(ref)} in these documents.`);
    }
    return found ?? null;
  }
  const inline = readObject(spec, "indicator", "spec", report, true);
  if (!inline) return null;
  checkFields(inline, "spec.indicator", ["metadata", "spec"], report);
  const metadata = readObject(inline, "metadata", "spec.indicator", report, false);
  if (metadata) checkFields(metadata, "spec.indicator.metadata", METADATA_FIELDS, report);
  const sliSpec = readObject(inline, "spec", "spec.indicator", report, true);
  if (!sliSpec) return null;
  return readSli(
    sliSpec,
    "spec.indicator.spec",
    metadata,
    "spec.indicator.metadata",
    slo.id,
    report,
  );
}

/** The one objective: target, and the slice settings of timeslice budgeting. */
function readObjective(draft: Draft, method: SloSpec["budgetingMethod"] | undefined): Obj | null {
  const { spec, report } = draft.slo;
  const objectives = readList(spec, "objectives", "spec", report);
  if (!objectives || objectives.length !== 1) {
    if (objectives || spec.objectives === undefined) {
      report(
        "spec.objectives",
        `Flightdeck supports exactly one objective per SLO, got ${objectives ? objectives.length : "none"}; write one SLO per objective.`,
      );
    }
    draft.fail("objective", "timesliceTarget");
    return null;
  }
  const path = "spec.objectives[0]";
  const objective = objectives[0];
  if (!isObj(objective)) {
    report(path, "an objective is a mapping with a target.");
    draft.fail("objective", "timesliceTarget");
    return null;
  }
  const composite = "composite SLOs are not supported: give the indicator on the SLO.";
  checkFields(objective, path, OBJECTIVE_FIELDS, report, {
    indicator: composite,
    indicatorRef: composite,
    compositeWeight: composite,
  });
  readString(objective, "displayName", path, report, false);

  const target = readNumber(objective, "target", path, report);
  const percent = readNumber(objective, "targetPercent", path, report);
  if (objective.target !== undefined && objective.targetPercent !== undefined) {
    report(path, "give target or targetPercent, not both.");
    draft.fail("objective");
  } else if (target !== undefined) {
    draft.set("objective", target, draft.at(child(path, "target")));
  } else if (percent !== undefined) {
    draft.set("objective", clean(percent / 100), draft.at(child(path, "targetPercent")));
  } else {
    if (objective.target === undefined && objective.targetPercent === undefined) {
      report(child(path, "target"), "is required (or targetPercent), e.g. target: 0.999.");
    }
    draft.fail("objective");
  }

  const sliceTarget = readNumber(objective, "timeSliceTarget", path, report);
  draft.set("timesliceTarget", sliceTarget ?? null, draft.at(child(path, "timeSliceTarget")));
  const sliceWindow = objective.timeSliceWindow;
  if (sliceWindow !== undefined && sliceWindow !== "1m" && sliceWindow !== 1) {
    report(
      child(path, "timeSliceWindow"),
      `Flightdeck's time slices are one minute: use 1m, got ${JSON.stringify(sliceWindow)}.`,
    );
  } else if (sliceWindow === undefined && method === "timeslices") {
    report(child(path, "timeSliceWindow"), "is required for timeslice budgeting: use 1m.");
  }
  return objective;
}

/** SLI kind and threshold, from the metric type, the objective and Flightdeck's annotations. */
function readKind(draft: Draft, sli: ParsedSli, objective: Obj, c: Collector): void {
  const { slo } = draft;
  const path = "spec.objectives[0]";
  const onSlo = flightdeckValue(
    slo.metadata,
    "metadata",
    FLIGHTDECK_ANNOTATIONS.sliKind,
    slo.report,
  );
  const sloKind = onSlo && SLI_KINDS.find((k) => k === onSlo.value);
  if (onSlo && !sloKind) slo.report(onSlo.field, `must be one of ${SLI_KINDS.join(", ")}.`);
  const kind =
    sli.kind ?? (onSlo && sloKind ? { value: sloKind, where: draft.at(onSlo.field) } : null);
  const kindWhere = kind?.where ?? sli.where;

  if (sli.metric === "ratio") {
    draft.set("sliKind", kind?.value ?? "availability", kindWhere);
    if (objective.value !== undefined) {
      slo.report(child(path, "value"), "a value applies to thresholdMetric SLIs only.");
    }
    const onSloThreshold = numberValue(
      slo.metadata,
      "metadata",
      FLIGHTDECK_ANNOTATIONS.threshold,
      slo.report,
    );
    const threshold =
      sli.threshold ??
      (onSloThreshold && { value: onSloThreshold.value, where: draft.at(onSloThreshold.field) });
    draft.set(
      "threshold",
      threshold?.value ?? null,
      threshold?.where ?? {
        document: sli.metadata.document,
        field: child(child(sli.metadata.field, "annotations"), FLIGHTDECK_ANNOTATIONS.threshold),
      },
    );
    return;
  }

  const value = kind?.value ?? "latency";
  if (value === "availability") {
    c.reporter(kindWhere.document)(
      kindWhere.field,
      "an availability SLI is a ratioMetric (bad or good, and total).",
    );
    draft.fail("sliKind");
  } else {
    draft.set("sliKind", value, kindWhere);
    const below = value !== "quality";
    const allowed = below ? ["lt", "lte"] : ["gt", "gte"];
    if (typeof objective.op !== "string" || !allowed.includes(objective.op)) {
      slo.report(
        child(path, "op"),
        `a ${value} objective is met ${below ? "below" : "above"} its value: op must be ${allowed.join(" or ")}, got ${JSON.stringify(objective.op)}.`,
      );
    }
  }
  const threshold = readNumber(objective, "value", path, slo.report);
  if (objective.value === undefined) {
    slo.report(child(path, "value"), `is required: the ${value} threshold.`);
    draft.fail("threshold");
  }
  draft.set("threshold", threshold ?? null, draft.at(child(path, "value")));
}

/** Alert windows: the burn-rate conditions of the referenced or inline policies. */
function readAlerts(
  draft: Draft,
  window: SloWindow | null,
  lookup: Lookup,
  options: SloImportOptions,
  c: Collector,
): void {
  const { spec, report, id } = draft.slo;
  const where = draft.at("spec.alertPolicies");
  const policies = readList(spec, "alertPolicies", "spec", report);
  if (policies === undefined) {
    if (spec.alertPolicies === undefined || spec.alertPolicies === null) {
      draft.set("alerts", DEFAULT_ALERT_WINDOWS, where);
    } else {
      draft.fail("alerts");
    }
    return;
  }
  const sloMinutes = window && importWindowMinutes(window, options.now);
  const alerts: AlertWindow[] = [];
  policies.forEach((item, i) => {
    const path = child("spec.alertPolicies", i);
    let parsed: ParsedCondition[] | null | undefined;
    if (typeof item === "string" || (isObj(item) && "alertPolicyRef" in item)) {
      if (isObj(item)) checkFields(item, path, ["alertPolicyRef"], report);
      const ref = typeof item === "string" ? item : item.alertPolicyRef;
      parsed = typeof ref === "string" ? lookup.policies.get(ref) : undefined;
      if (parsed === undefined) {
        report(
          typeof item === "string" ? path : child(path, "alertPolicyRef"),
          `no AlertPolicy named ${JSON.stringify(ref)} in these documents.`,
        );
      }
    } else if (isObj(item)) {
      const inline = readInline(item, path, "AlertPolicy", report);
      parsed =
        inline && readPolicy(inline.spec, child(path, "spec"), id, report, lookup.conditions);
    } else {
      report(path, "an alert policy is an alertPolicyRef or an inline AlertPolicy.");
    }
    for (const condition of parsed ?? []) {
      const alert = window && sloMinutes && alertFrom(condition, window, sloMinutes, c);
      if (alert) {
        alerts.push(alert);
        draft.conditions.push(condition.where);
      }
    }
  });
  // The alerts that could be read are still checked, so every problem shows at once.
  draft.set("alerts", sloMinutes ? asDefaults(alerts, sloMinutes) : alerts, where);
}

/**
 * The defaults when `alerts` are what the defaults become on this SLO window (as exported),
 * so an SLO keeps following its window through export and import; otherwise `alerts`.
 */
function asDefaults(alerts: AlertWindow[], sloMinutes: number): AlertWindow[] {
  const defaults = effectiveAlerts(DEFAULT_ALERT_WINDOWS, sloMinutes);
  const same = (a: AlertWindow, d: AlertWindow) =>
    a.severity === d.severity &&
    a.longWindowMinutes === d.longWindowMinutes &&
    a.shortWindowMinutes === d.shortWindowMinutes &&
    Math.abs(a.budgetFraction - d.budgetFraction) <= 1e-9 * d.budgetFraction;
  const matches =
    alerts.length === defaults.length && defaults.every((d) => alerts.some((a) => same(a, d)));
  return matches ? DEFAULT_ALERT_WINDOWS : alerts;
}

function importWindowMinutes(window: SloWindow, now: Date | undefined): number {
  if (window.kind === "calendar" && now === undefined) return NOMINAL_CALENDAR_MINUTES[window.unit];
  // a rolling window's length does not depend on the instant
  return windowMinutes(window, now ?? new Date(0));
}

function alertFrom(
  condition: ParsedCondition,
  window: SloWindow,
  sloMinutes: number,
  c: Collector,
): AlertWindow | null {
  const { severity, longWindowMinutes, shortWindowMinutes, burnRate } = condition;
  const base = { severity, longWindowMinutes, shortWindowMinutes };
  const annotated = condition.budgetFraction;
  if (!annotated) {
    return { ...base, budgetFraction: budgetFractionOf(burnRate, longWindowMinutes, sloMinutes) };
  }
  // A rolling window fixes the threshold, so an edited threshold must not be silently ignored.
  const expected = burnRateThreshold({ ...base, budgetFraction: annotated.value }, sloMinutes);
  if (window.kind === "rolling" && Math.abs(expected - burnRate) > 1e-9 * Math.max(1, burnRate)) {
    c.reporter(condition.where.document)(
      child(child(condition.where.field, "condition"), "threshold"),
      `${burnRate} disagrees with the annotation ${FLIGHTDECK_ANNOTATIONS.budgetFraction}: ${annotated.value} (burn rate ${expected} over ${window.days} days); fix the threshold or remove the annotation.`,
    );
    return null;
  }
  return { ...base, budgetFraction: annotated.value };
}

/** Turns a candidate into a spec, pointing schema issues at the fields they came from. */
function validate<S>(candidate: Draft, c: Collector, reading: Reading<S>): S | null {
  const result = reading.parse(candidate.input);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const [head, index, sub] = issue.path;
    const key = String(head ?? "");
    if (candidate.failed.has(key)) continue;
    const condition = key === "alerts" && typeof index === "number" && candidate.conditions[index];
    if (condition) {
      const field =
        sub === "severity"
          ? child(condition.field, "severity")
          : `${condition.field}.condition.${
              sub === "longWindowMinutes"
                ? "lookbackWindow"
                : sub === "shortWindowMinutes"
                  ? "alertAfter"
                  : "threshold"
            }`;
      c.reporter(condition.document)(field, issue.message);
      continue;
    }
    const where = candidate.origins[key as keyof SloSpec] ?? candidate.at("spec");
    c.reporter(where.document)(where.field, issue.message);
  }
  return null;
}

export interface Indexed<T> {
  index: number;
  value: T;
}

interface Imported<S> {
  index: number;
  id: string;
  spec: S;
}

type Parsed<S> = { success: true; data: S } | { success: false; error: z.ZodError };

/** How documents are read into specs: whether each must name its owner team. */
export interface Reading<S> extends SloImportOptions {
  teamOptional: boolean;
  parse: (input: Record<string, unknown>) => Parsed<S>;
}

export const owned = (options: SloImportOptions): Reading<SloSpec> => ({
  ...options,
  teamOptional: false,
  parse: (input) => sloSpecSchema.safeParse(input),
});

export const portable = (options: SloImportOptions): Reading<PortableSloSpec> => ({
  ...options,
  teamOptional: true,
  parse: (input) => {
    if (input.team !== undefined) return sloSpecSchema.safeParse(input);
    // The schema wants an owner: check the rest with a stand-in, then drop it.
    const result = sloSpecSchema.safeParse({ ...input, team: "unowned" });
    if (!result.success) return result;
    const spec: PortableSloSpec = { ...result.data };
    delete spec.team;
    return { success: true, data: spec };
  },
});

/** Reads documents of one kind by name; a second document of the same name is a problem. */
function byName<T>(
  envelopes: Indexed<Envelope>[],
  kind: OpenSloKind,
  read: (env: Envelope) => T,
): Map<string, T> {
  const map = new Map<string, T>();
  for (const { value: env } of envelopes) {
    if (env.kind !== kind) continue;
    if (map.has(env.name)) {
      env.report("metadata.name", `another ${kind} document is also named ${env.name}.`);
      continue;
    }
    map.set(env.name, read(env));
  }
  return map;
}

export function importOpenSlo<S>(
  docs: Indexed<unknown>[],
  reading: Reading<S>,
  c: Collector,
): Imported<S>[] {
  const envelopes = docs.flatMap(({ value, index }) => {
    const env = readEnvelope(value, index, OPENSLO_API_VERSION, OPENSLO_KINDS, c);
    return env ? [{ index, value: env }] : [];
  });
  const services = byName(envelopes, "Service", (env) => {
    checkFields(env.spec, "spec", ["description"], env.report);
    return env;
  });
  const conditions = byName(envelopes, "AlertCondition", (env) =>
    readCondition(env.spec, "spec", env.metadata, "metadata", env.id, env.report),
  );
  const policies = byName(envelopes, "AlertPolicy", (env) =>
    readPolicy(env.spec, "spec", env.id, env.report, conditions),
  );
  const slis = byName(envelopes, "SLI", (env) =>
    readSli(env.spec, "spec", env.metadata, "metadata", env.id, env.report),
  );
  const lookup: Lookup = { services, slis, policies, conditions };
  return envelopes.flatMap(({ index, value: env }) => {
    if (env.kind !== "SLO") return [];
    const spec = validate(readSlo(env, lookup, reading, c), c, reading);
    return spec ? [{ index, id: env.id, spec }] : [];
  });
}

const FLIGHTDECK_SPEC_FIELDS = [
  "description",
  "service",
  "team",
  "sliKind",
  "threshold",
  "objective",
  "window",
  "budgetingMethod",
  "timesliceTarget",
  "alerts",
] as const;

export function importFlightdeck<S>(
  docs: Indexed<unknown>[],
  reading: Reading<S>,
  c: Collector,
): Imported<S>[] {
  return docs.flatMap(({ value, index }) => {
    const env = readEnvelope(value, index, FLIGHTDECK_API_VERSION, ["SLO"], c);
    if (!env) return [];
    const { spec, report } = env;
    checkFields(spec, "spec", FLIGHTDECK_SPEC_FIELDS, report);
    if (isObj(spec.window))
      checkFields(spec.window, "spec.window", ["kind", "days", "unit"], report);
    if (Array.isArray(spec.alerts)) {
      spec.alerts.forEach((alert, i) => {
        if (!isObj(alert)) return;
        checkFields(
          alert,
          child("spec.alerts", i),
          ["severity", "budgetFraction", "longWindowMinutes", "shortWindowMinutes"],
          report,
        );
      });
    }
    const input: Record<string, unknown> = { name: env.name };
    if (env.metadata.displayName !== undefined) input.displayName = env.metadata.displayName;
    for (const key of FLIGHTDECK_SPEC_FIELDS) {
      if (spec[key] !== undefined) input[key] = spec[key];
    }
    input.team ??= reading.team;
    const teamless = input.team === undefined;
    if (teamless && !reading.teamOptional) {
      report("spec.team", "no owner team: give spec.team, or a default team.");
    }
    const result = reading.parse(input);
    if (result.success) return [{ index, id: env.id, spec: result.data }];
    for (const issue of result.error.issues) {
      const [head] = issue.path;
      if (head === "team" && teamless) continue;
      const field =
        head === "name" || head === "displayName"
          ? `metadata.${head}`
          : issue.path.reduce<string>(
              (path, key) => child(path, typeof key === "number" ? key : String(key)),
              "spec",
            );
      report(field, issue.message);
    }
    return [];
  });
}

/** Two SLOs of one name would overwrite each other wherever they are stored or exported. */
export function finish<S extends PortableSloSpec>(
  imported: Imported<S>[],
  c: Collector,
): { specs: S[] } {
  const seen = new Map<string, string>();
  for (const { id, spec } of [...imported].sort((a, b) => a.index - b.index)) {
    const first = seen.get(spec.name);
    if (first)
      c.reporter(id)("metadata.name", `${first} already defines an SLO named ${spec.name}.`);
    else seen.set(spec.name, id);
  }
  if (c.problems.length > 0) throw new OpenSloError(c.problems);
  return { specs: imported.sort((a, b) => a.index - b.index).map((i) => i.spec) };
}

export const indexed = (docs: unknown[]): Indexed<unknown>[] =>
  docs.map((value, index) => ({ value, index }));
