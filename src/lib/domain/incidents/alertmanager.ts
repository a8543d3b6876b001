import { z } from "zod";
import {
  compareSeverity,
  OPEN_INCIDENT_STATUSES,
  SEVERITIES,
  type IncidentLifecycle,
  type Severity,
} from "./lifecycle";
import { safeHttpUrl } from "../models/link-templates";

/**
 * Alertmanager's webhook (`webhook_config`, payload version 4) and how one alert opens or
 * updates an incident. Alerts are handled one by one (a notification groups several); each is
 * deduplicated by its fingerprint, the hash of its label set, which stays the same across
 * repeated notifications and the final "resolved" one.
 */

const labelSet = z.record(z.string(), z.string());
const timestamp = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const alertmanagerAlertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  /**
   * When it resolved, or (while firing) when it will be considered resolved unless renewed.
   * Go's zero time ("0001-01-01T00:00:00Z"), sent when there is no end, becomes null.
   */
  endsAt: timestamp.transform((d) => (d.getUTCFullYear() <= 1 ? null : d)),
  generatorURL: z.string().default(""),
  fingerprint: z.string().trim().min(1).max(128),
});
export type AlertmanagerAlert = z.output<typeof alertmanagerAlertSchema>;

export const alertmanagerWebhookSchema = z.object({
  version: z.literal("4"),
  groupKey: z.string(),
  /** alerts left out because of the receiver's max_alerts */
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string(),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet,
  externalURL: z.string(),
  alerts: z.array(alertmanagerAlertSchema),
});
export type AlertmanagerWebhook = z.output<typeof alertmanagerWebhookSchema>;

/**
 * Conventional `severity` label values (and Flightdeck's and Sloth's page/ticket) to incident
 * severity. An alert alone does not declare SEV1: that takes a person judging the breadth of
 * the impact, or an explicit `flightdeck_severity` label, which wins over everything.
 */
export const ALERT_SEVERITY: Readonly<Record<string, Severity>> = {
  critical: "SEV2",
  page: "SEV2",
  error: "SEV3",
  warning: "SEV3",
  ticket: "SEV3",
  info: "SEV4",
};
/** For an alert whose labels name no severity Flightdeck knows. */
export const DEFAULT_ALERT_SEVERITY: Severity = "SEV3";

/** Labels naming the affected model, in order of preference. */
const MODEL_LABELS = ["model", "service", "sloth_service", "slo_service"] as const;
const TITLE_MAX = 200;

export interface AlertIncidentChange {
  /** the alert's fingerprint: one incident per fingerprint while it is open */
  dedupeKey: string;
  status: "firing" | "resolved";
  title: string;
  severity: Severity;
  /** which label decided the severity, for the incident's timeline */
  severitySource: string;
  model: string | null;
  region: string | null;
  /** the SLO the alert is about (Flightdeck's and Sloth's burn-rate alerts), to link it */
  slo: string | null;
  team: string | null;
  /** annotations.description, when present */
  description: string | null;
  startedAt: Date;
  /** when it resolved; null while firing */
  endedAt: Date | null;
  /** the alert's source (a Prometheus graph), when it is an http(s) URL */
  generatorURL: string | null;
  /** annotations.runbook_url (or runbook), when it is an http(s) URL */
  runbookUrl: string | null;
  labels: Record<string, string>;
}

function label(labels: Record<string, string>, ...names: readonly string[]): string | null {
  for (const name of names) {
    const value = labels[name]?.trim();
    if (value) return value;
  }
  return null;
}

function severityOf(labels: Record<string, string>): { severity: Severity; source: string } {
  const explicit = label(labels, "flightdeck_severity")?.toUpperCase();
  if (explicit && (SEVERITIES as readonly string[]).includes(explicit)) {
    return { severity: explicit as Severity, source: `flightdeck_severity="${explicit}"` };
  }
  for (const name of ["severity", "sloth_severity"]) {
    const value = label(labels, name);
    const key = value?.toLowerCase() ?? "";
    // own keys only: a label value such as "__proto__" or "constructor" names no severity
    const mapped = Object.hasOwn(ALERT_SEVERITY, key) ? ALERT_SEVERITY[key] : undefined;
    if (mapped) return { severity: mapped, source: `${name}="${value}"` };
  }
  return { severity: DEFAULT_ALERT_SEVERITY, source: "no known severity label (default)" };
}

/** What one alert says about an incident, in Flightdeck's terms. */
export function alertToIncidentChange(alert: AlertmanagerAlert): AlertIncidentChange {
  const { severity, source } = severityOf(alert.labels);
  const rawTitle =
    label(alert.annotations, "summary", "title") ??
    label(alert.labels, "alertname") ??
    `Alert ${alert.fingerprint}`;
  const oneLine = rawTitle.replace(/\s+/g, " ");
  const title =
    oneLine.length > TITLE_MAX ? `${oneLine.slice(0, TITLE_MAX - 1).trimEnd()}…` : oneLine;
  return {
    dedupeKey: alert.fingerprint,
    status: alert.status,
    title,
    severity,
    severitySource: source,
    model: label(alert.labels, ...MODEL_LABELS),
    region: label(alert.labels, "region"),
    slo: label(alert.labels, "slo", "sloth_slo"),
    team: label(alert.labels, "team"),
    description: label(alert.annotations, "description"),
    startedAt: alert.startsAt,
    endedAt: alert.status === "resolved" ? alert.endsAt : null,
    generatorURL: safeHttpUrl(alert.generatorURL),
    runbookUrl: safeHttpUrl(label(alert.annotations, "runbook_url", "runbook")),
    labels: alert.labels,
  };
}

export type AlertPlan =
  /** declare a new incident in triage, detected at the alert's start */
  | { action: "open"; severity: Severity }
  /** change the open incident: raise its severity and/or send it an event; note the timeline */
  | { action: "update"; escalateTo: Severity | null; event: "investigate" | null; note: string }
  | { action: "ignore"; reason: string };

/**
 * What an alert does, given the incident already holding its fingerprint (if any).
 * - Firing, and no open incident holds it (none, or only a resolved, closed or cancelled one):
 *   open a new incident. A problem back after resolution is a new incident, linked by the key.
 * - Firing, and one is open: raise its severity if the alert's is higher (never lower it:
 *   people may have raised it); and if the incident is mitigated and the alert started again
 *   after the mitigation, the problem recurred: back to investigating. Repeated notifications
 *   of the same firing change nothing.
 * - Resolved: a timeline note on the open incident. The alert clearing is a symptom gone, not a
 *   resolution: people resolve incidents (and the time they take is MTTR).
 */
export function planAlertChange(
  change: AlertIncidentChange,
  existing: Pick<IncidentLifecycle, "status" | "severity" | "mitigatedAt"> | null,
): AlertPlan {
  const open = existing !== null && OPEN_INCIDENT_STATUSES.includes(existing.status);
  if (change.status === "resolved") {
    if (!open) return { action: "ignore", reason: "No open incident holds this alert." };
    const when = change.endedAt ? ` at ${change.endedAt.toISOString()}` : "";
    return {
      action: "update",
      escalateTo: null,
      event: null,
      note: `Alert resolved${when}: ${change.title}`,
    };
  }
  if (!open) return { action: "open", severity: change.severity };
  const escalateTo =
    compareSeverity(change.severity, existing.severity) < 0 ? change.severity : null;
  const recurred =
    existing.status === "mitigated" &&
    existing.mitigatedAt !== null &&
    change.startedAt.getTime() > existing.mitigatedAt.getTime();
  if (!escalateTo && !recurred) {
    return { action: "ignore", reason: "The alert is already held by an open incident." };
  }
  const notes = [
    recurred ? `Alert firing again since ${change.startedAt.toISOString()}` : null,
    escalateTo ? `severity raised to ${escalateTo} (${change.severitySource})` : null,
  ].filter((n): n is string => n !== null);
  const note = notes.join("; ");
  return {
    action: "update",
    escalateTo,
    event: recurred ? "investigate" : null,
    note: `${note.charAt(0).toUpperCase()}${note.slice(1)}: ${change.title}`,
  };
}
