/**
 * What Flightdeck tells people about, and the facts each message carries. The payload is the
 * versioned schema of the generic webhook's body (`flightdeck.notification.v1`): add fields,
 * never change or remove one without a new version.
 */

export const NOTIFICATION_EVENTS = [
  "promotion.requested",
  "promotion.approved",
  "promotion.rejected",
  "promotion.started",
  "rollout.paused",
  "rollout.aborted",
  "rollout.rolled_back",
  "rollout.completed",
  "rollout.blocked",
  "slo.alert_firing",
  "slo.alert_resolved",
  "slo.budget_exhausted",
  "incident.opened",
  "incident.acknowledged",
  "incident.mitigated",
  "incident.resolved",
  "freeze.starting",
  "drain.started",
  "drain.paused",
  "drain.drained",
  "drain.undrained",
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_EVENT_LABELS: Record<NotificationEventType, string> = {
  "promotion.requested": "Promotion requested",
  "promotion.approved": "Promotion approved",
  "promotion.rejected": "Promotion rejected",
  "promotion.started": "Promotion started",
  "rollout.paused": "Rollout paused",
  "rollout.aborted": "Rollout aborted",
  "rollout.rolled_back": "Rolled back",
  "rollout.completed": "Rollout completed",
  "rollout.blocked": "Rollout blocked",
  "slo.alert_firing": "SLO alert firing",
  "slo.alert_resolved": "SLO alert resolved",
  "slo.budget_exhausted": "Error budget exhausted",
  "incident.opened": "Incident opened",
  "incident.acknowledged": "Incident acknowledged",
  "incident.mitigated": "Incident mitigated",
  "incident.resolved": "Incident resolved",
  "freeze.starting": "Change freeze starting",
  "drain.started": "Region drain or failover started",
  "drain.paused": "Region drain paused",
  "drain.drained": "Region drained",
  "drain.undrained": "Region undrained",
};

export function isNotificationEvent(value: string): value is NotificationEventType {
  return (NOTIFICATION_EVENTS as readonly string[]).includes(value);
}

export const CHANNEL_KINDS = ["slack", "pagerduty", "webhook"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const CHANNEL_KIND_LABELS: Record<ChannelKind, string> = {
  slack: "Slack incoming webhook",
  pagerduty: "PagerDuty (Events API v2)",
  webhook: "Signed webhook",
};

/** The events a PagerDuty service receives: it pages on incidents, nothing else. */
export const PAGERDUTY_EVENTS: readonly NotificationEventType[] = [
  "incident.opened",
  "incident.acknowledged",
  "incident.resolved",
];

/** The events a channel of this kind can be subscribed to. */
export function eventsForKind(kind: ChannelKind): readonly NotificationEventType[] {
  return kind === "pagerduty" ? PAGERDUTY_EVENTS : NOTIFICATION_EVENTS;
}

export const SUBJECT_KINDS = [
  "rollout",
  "promotion",
  "incident",
  "slo",
  "freeze",
  "drain",
] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export interface NotificationFact {
  label: string;
  value: string;
}

export interface NotificationPayload {
  type: NotificationEventType;
  subject: {
    kind: SubjectKind;
    id: string;
    /** how people name it: "ranker-xl 3.1.0 → production/us-east-1", "INC-42", an SLO's name */
    name: string;
    /** the page's path in Flightdeck; messages make it absolute */
    path: string;
  };
  /** one sentence: what happened, to what */
  summary: string;
  /** who did it (an email), or null when Flightdeck did */
  actor: string | null;
  /** why, when there is a reason: the analysis's verdict, the person's reason */
  reason: string | null;
  /** what the change reaches, where it applies: "10% of ranker-xl's traffic in us-east-1" */
  blastRadius: string | null;
  team: string | null;
  model: string | null;
  environment: string | null;
  /** incidents: "SEV1".."SEV4" */
  severity: string | null;
  /** incidents opened by Flightdeck itself (a burn-rate alert, Alertmanager), not a person */
  openedByFlightdeck: boolean;
  facts: NotificationFact[];
}

/**
 * Whether an event goes to PagerDuty: incidents Flightdeck opens or declared SEV1/SEV2 trigger;
 * their acknowledgement and resolution follow under the same dedup key (PagerDuty ignores
 * those for an incident it never triggered).
 */
export function pagerDutyEligible(p: NotificationPayload): boolean {
  if (!PAGERDUTY_EVENTS.includes(p.type)) return false;
  if (p.type !== "incident.opened") return true;
  return p.openedByFlightdeck || p.severity === "SEV1" || p.severity === "SEV2";
}

/** PagerDuty's dedup key for a Flightdeck incident: stable, so both sides name the same one. */
export function incidentDedupKey(number: number | string): string {
  return `flightdeck-incident-${number}`;
}

/** The incident number a dedup key names, or null when it is not one of ours. */
export function incidentNumberOfDedupKey(key: string | null | undefined): number | null {
  const match = /^flightdeck-incident-(\d{1,9})$/.exec(key ?? "");
  return match ? Number(match[1]) : null;
}
