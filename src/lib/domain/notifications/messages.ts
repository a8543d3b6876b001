import {
  incidentDedupKey,
  NOTIFICATION_EVENT_LABELS,
  type NotificationEventType,
  type NotificationPayload,
} from "./events";

/** The generic webhook body's schema name; receivers can switch on it. */
export const WEBHOOK_SCHEMA = "flightdeck.notification.v1";

export interface EventEnvelope {
  /** the event id: the same for every channel and every redelivery; receivers dedupe on it */
  id: string;
  occurredAt: Date;
  payload: NotificationPayload;
}

/** Joins Flightdeck's public URL and a page's path, whatever slashes either has. */
export function pageUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

export interface WebhookBody {
  schema: typeof WEBHOOK_SCHEMA;
  id: string;
  type: NotificationEventType;
  occurredAt: string;
  subject: { kind: string; id: string; name: string; url: string };
  summary: string;
  actor: string | null;
  reason: string | null;
  blastRadius: string | null;
  team: string | null;
  model: string | null;
  environment: string | null;
  severity: string | null;
  facts: { label: string; value: string }[];
}

export function webhookBody(e: EventEnvelope, baseUrl: string): WebhookBody {
  const p = e.payload;
  return {
    schema: WEBHOOK_SCHEMA,
    id: e.id,
    type: p.type,
    occurredAt: e.occurredAt.toISOString(),
    subject: {
      kind: p.subject.kind,
      id: p.subject.id,
      name: p.subject.name,
      url: pageUrl(baseUrl, p.subject.path),
    },
    summary: p.summary,
    actor: p.actor,
    reason: p.reason,
    blastRadius: p.blastRadius,
    team: p.team,
    model: p.model,
    environment: p.environment,
    severity: p.severity,
    facts: p.facts,
  };
}

/** Slack's mrkdwn needs &, < and > escaped in text people typed. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const EMOJI: Partial<Record<NotificationEventType, string>> = {
  "rollout.aborted": ":octagonal_sign:",
  "rollout.rolled_back": ":rewind:",
  "rollout.blocked": ":no_entry:",
  "rollout.paused": ":double_vertical_bar:",
  "rollout.completed": ":white_check_mark:",
  "slo.alert_firing": ":fire:",
  "slo.alert_resolved": ":white_check_mark:",
  "slo.budget_exhausted": ":warning:",
  "incident.opened": ":rotating_light:",
  "incident.resolved": ":white_check_mark:",
};

export interface SlackMessage {
  /** the notification's plain text (shown where blocks are not) */
  text: string;
  blocks: unknown[];
}

/** A Block Kit message: the headline, the key facts, and a button back to the page. */
export function slackMessage(e: EventEnvelope, baseUrl: string): SlackMessage {
  const p = e.payload;
  const url = pageUrl(baseUrl, p.subject.path);
  const label = NOTIFICATION_EVENT_LABELS[p.type];
  const headline = `${EMOJI[p.type] ?? ":information_source:"} *${label}:* ${slackEscape(p.summary)}`;
  const facts = [
    ...(p.severity ? [{ label: "Severity", value: p.severity }] : []),
    ...(p.environment ? [{ label: "Environment", value: p.environment }] : []),
    ...(p.team ? [{ label: "Team", value: p.team }] : []),
    ...(p.actor ? [{ label: "By", value: p.actor }] : []),
    ...(p.blastRadius ? [{ label: "Blast radius", value: p.blastRadius }] : []),
    ...p.facts,
  ].slice(0, 10); // Block Kit allows ten fields per section
  const blocks: unknown[] = [
    { type: "section", text: { type: "mrkdwn", text: headline } },
    ...(p.reason
      ? [{ type: "section", text: { type: "mrkdwn", text: `*Why:* ${slackEscape(p.reason)}` } }]
      : []),
    ...(facts.length > 0
      ? [
          {
            type: "section",
            fields: facts.map((f) => ({
              type: "mrkdwn",
              text: `*${slackEscape(f.label)}*\n${slackEscape(f.value)}`,
            })),
          },
        ]
      : []),
    {
      type: "actions",
      elements: [
        {
          type: "button",
          text: { type: "plain_text", text: `Open ${p.subject.name}`.slice(0, 75) },
          url,
        },
      ],
    },
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `Flightdeck · ${e.occurredAt.toISOString().replace(".000Z", "Z")} · event ${e.id}`,
        },
      ],
    },
  ];
  return { text: `${label}: ${slackEscape(p.summary)} ${url}`, blocks };
}

const PD_ACTION: Partial<Record<NotificationEventType, "trigger" | "acknowledge" | "resolve">> = {
  "incident.opened": "trigger",
  "incident.acknowledged": "acknowledge",
  "incident.resolved": "resolve",
};

const PD_SEVERITY: Record<string, "critical" | "error" | "warning" | "info"> = {
  SEV1: "critical",
  SEV2: "error",
  SEV3: "warning",
  SEV4: "info",
};

export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger" | "acknowledge" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: "critical" | "error" | "warning" | "info";
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, string>;
  };
  links?: { href: string; text: string }[];
  client?: string;
  client_url?: string;
}

/**
 * The Events API v2 event for an incident event, or null when the event is not one PagerDuty
 * receives. `dedup_key` is the incident's number, so trigger, acknowledge and resolve name the
 * same PagerDuty incident, and PagerDuty's webhook names ours back.
 */
export function pagerDutyEvent(
  e: EventEnvelope,
  routingKey: string,
  baseUrl: string,
): PagerDutyEvent | null {
  const p = e.payload;
  const action = PD_ACTION[p.type];
  if (!action || p.subject.kind !== "incident") return null;
  const number = p.subject.name.replace(/^INC-/, "");
  const url = pageUrl(baseUrl, p.subject.path);
  const base = {
    routing_key: routingKey,
    event_action: action,
    dedup_key: incidentDedupKey(number),
  };
  if (action !== "trigger") return base;
  return {
    ...base,
    payload: {
      summary: `${p.subject.name}: ${p.summary}`.slice(0, 1024),
      source: "flightdeck",
      severity: PD_SEVERITY[p.severity ?? ""] ?? "error",
      timestamp: e.occurredAt.toISOString(),
      ...(p.model ? { component: p.model } : {}),
      ...(p.team ? { group: p.team } : {}),
      class: "incident",
      custom_details: Object.fromEntries([
        ...(p.reason ? [["reason", p.reason]] : []),
        ...p.facts.map((f) => [f.label, f.value]),
      ]),
    },
    links: [{ href: url, text: `${p.subject.name} in Flightdeck` }],
    client: "Flightdeck",
    client_url: url,
  };
}
