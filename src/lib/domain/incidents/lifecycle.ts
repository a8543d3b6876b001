import {
  needsPostmortem,
  postmortemComplete,
  type PostmortemDraft,
  type SloBudgetShare,
} from "./postmortem";

/**
 * The incident lifecycle: triage → investigating → mitigated → resolved → closed, or cancelled
 * before it is resolved. Every change is an event checked here; a refused event says why, naming
 * the status the incident is in. `closed` and `cancelled` are terminal: a problem that comes back
 * after closing is a new incident (the service links the two).
 *
 * Milestone timestamps (the detected, acknowledged, mitigated, resolved; plus closed):
 * - each is set when the incident first reaches its milestone, at the event's time;
 * - reaching a later milestone sets the earlier ones it implies if they are missing (mitigating
 *   from triage acknowledges; resolving mitigates), so every resolved incident has a time to
 *   acknowledge and a time to mitigate;
 * - acknowledgedAt is never overwritten or cleared: it is when someone first answered the page;
 * - going back to investigating (the problem recurs after mitigation, or a resolved incident is
 *   reopened) clears mitigatedAt and resolvedAt, so an open incident never shows a resolution
 *   and MTTR counts the final resolution; the timeline keeps the earlier ones;
 * - cancelling sets closedAt (the time it stopped being open) and nothing else;
 * - an event dated before the incident's latest timestamp is refused, so they never go backwards
 *   and always read detected ≤ acknowledged ≤ mitigated ≤ resolved ≤ closed.
 */
export const INCIDENT_STATUSES = [
  "triage",
  "investigating",
  "mitigated",
  "resolved",
  "closed",
  "cancelled",
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Someone is (or should be) working on it; alerts deduplicate against these. */
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = [
  "triage",
  "investigating",
  "mitigated",
];
export const TERMINAL_INCIDENT_STATUSES: readonly IncidentStatus[] = ["closed", "cancelled"];

export const SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"] as const;
/** SEV1 is the most severe. */
export type Severity = (typeof SEVERITIES)[number];

/** Negative when `a` is more severe than `b`, for sorting most severe first. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}

export const INCIDENT_EVENTS = [
  "acknowledge",
  "investigate",
  "mitigate",
  "resolve",
  "close",
  "cancel",
  "reopen",
] as const;
export type IncidentEvent = (typeof INCIDENT_EVENTS)[number];

export const MILESTONES = ["acknowledgedAt", "mitigatedAt", "resolvedAt", "closedAt"] as const;
export type Milestone = (typeof MILESTONES)[number];

export interface IncidentLifecycle {
  status: IncidentStatus;
  severity: Severity;
  detectedAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
}

/** The timestamps to write: a Date sets one, null clears it, an absent key leaves it. */
export type MilestonePatch = Partial<Record<Milestone, Date | null>>;

export interface TransitionContext {
  /** the incident's postmortem as saved so far, null when none was started */
  postmortem?: PostmortemDraft | null;
  /** error budget each linked SLO consumed during the incident (see budgetConsumedDuring) */
  budgetConsumedShares?: readonly SloBudgetShare[];
}

export type IncidentTransition =
  { ok: true; next: IncidentStatus; timestamps: MilestonePatch } | { ok: false; reason: string };

const WORDS: Record<IncidentStatus, string> = {
  triage: "in triage",
  investigating: "being investigated",
  mitigated: "mitigated",
  resolved: "resolved",
  closed: "closed",
  cancelled: "cancelled",
};

const VERB: Record<IncidentEvent, string> = {
  acknowledge: "acknowledged",
  investigate: "marked investigating",
  mitigate: "marked mitigated",
  resolve: "resolved",
  close: "closed",
  cancel: "cancelled",
  reopen: "reopened",
};

const refuse = (reason: string): IncidentTransition => ({ ok: false, reason });

/** The latest timestamp the incident holds, and its name, for refusing back-dated events. */
function latest(incident: IncidentLifecycle): { field: string; at: Date } {
  let last = { field: "detected", at: incident.detectedAt };
  for (const m of MILESTONES) {
    const at = incident[m];
    if (at && at.getTime() > last.at.getTime()) last = { field: m.replace(/At$/, ""), at };
  }
  return last;
}

/** The patch for reaching `milestones`: each one missing is set to `at`; present ones stay. */
function reach(incident: IncidentLifecycle, at: Date, ...milestones: Milestone[]): MilestonePatch {
  const patch: MilestonePatch = {};
  for (const m of milestones) if (incident[m] === null) patch[m] = at;
  return patch;
}

function statusRule(
  incident: IncidentLifecycle,
  event: IncidentEvent,
  at: Date,
  context: TransitionContext,
): IncidentTransition {
  const { status } = incident;
  const is = (...statuses: IncidentStatus[]) => statuses.includes(status);
  const now = WORDS[status];
  switch (event) {
    case "acknowledge":
      if (is("triage")) {
        return {
          ok: true,
          next: "investigating",
          timestamps: reach(incident, at, "acknowledgedAt"),
        };
      }
      return refuse(
        incident.acknowledgedAt
          ? `This incident is ${now}; it was acknowledged at ${incident.acknowledgedAt.toISOString()}.`
          : `This incident is ${now}; only an incident in triage can be acknowledged.`,
      );
    case "investigate":
      if (is("triage")) {
        return {
          ok: true,
          next: "investigating",
          timestamps: reach(incident, at, "acknowledgedAt"),
        };
      }
      if (is("mitigated")) {
        // The problem recurred: the mitigation did not hold.
        return { ok: true, next: "investigating", timestamps: { mitigatedAt: null } };
      }
      if (is("investigating")) return refuse("This incident is already being investigated.");
      return refuse(
        `This incident is ${now}.${is("resolved") ? " Reopen it if the problem is back." : ""}`,
      );
    case "mitigate":
      if (is("triage", "investigating")) {
        return {
          ok: true,
          next: "mitigated",
          timestamps: reach(incident, at, "acknowledgedAt", "mitigatedAt"),
        };
      }
      if (is("mitigated")) return refuse("This incident is already mitigated.");
      return refuse(`This incident is ${now}; it can no longer be marked mitigated.`);
    case "resolve":
      if (is("triage", "investigating", "mitigated")) {
        return {
          ok: true,
          next: "resolved",
          timestamps: reach(incident, at, "acknowledgedAt", "mitigatedAt", "resolvedAt"),
        };
      }
      return refuse(`This incident is already ${now}.`);
    case "close": {
      if (!is("resolved")) {
        return refuse(
          `Only a resolved incident can be closed; this one is ${now}.${
            is("triage", "investigating", "mitigated")
              ? " Resolve it first, or cancel it if it was not a real incident."
              : ""
          }`,
        );
      }
      const gate = closeGate(incident, context);
      if (gate) return refuse(gate);
      return { ok: true, next: "closed", timestamps: { closedAt: at } };
    }
    case "cancel":
      if (is("triage", "investigating", "mitigated")) {
        return { ok: true, next: "cancelled", timestamps: { closedAt: at } };
      }
      return refuse(
        `This incident is ${now}; only an incident that is not yet resolved can be cancelled.`,
      );
    case "reopen":
      if (is("resolved")) {
        return {
          ok: true,
          next: "investigating",
          timestamps: { mitigatedAt: null, resolvedAt: null },
        };
      }
      if (is("mitigated")) {
        return refuse(
          "This incident is mitigated and still open; mark it investigating if the problem recurs.",
        );
      }
      return refuse(`Only a resolved incident can be reopened; this one is ${now}.`);
  }
}

/** Why a resolved incident cannot close yet, or null when it can. */
function closeGate(incident: IncidentLifecycle, context: TransitionContext): string | null {
  const need = needsPostmortem({
    severity: incident.severity,
    budgetConsumedShares: context.budgetConsumedShares ?? [],
  });
  if (!need.required) return null;
  const why = `This incident is resolved but cannot be closed yet: it needs a complete postmortem (${need.reasons.join("; ")}).`;
  if (!context.postmortem) return `${why} None has been started.`;
  const done = postmortemComplete(context.postmortem);
  return done.complete ? null : `${why} Still missing: ${done.reasons.join(" ")}`;
}

/**
 * What `event` at time `at` does to the incident: the next status and the timestamps to write,
 * or why it cannot happen. `context` matters only to `close` (the postmortem gate).
 */
export function incidentTransition(
  incident: IncidentLifecycle,
  event: IncidentEvent,
  at: Date,
  context: TransitionContext = {},
): IncidentTransition {
  if (TERMINAL_INCIDENT_STATUSES.includes(incident.status)) {
    return refuse(
      `This incident is ${WORDS[incident.status]}; it cannot be ${VERB[event]}.${
        incident.status === "closed" && (event === "reopen" || event === "investigate")
          ? " If the problem is back, declare a new incident and link this one."
          : ""
      }`,
    );
  }
  if (Number.isNaN(at.getTime())) return refuse("The time of this change is not a valid date.");
  const rule = statusRule(incident, event, at, context);
  if (!rule.ok) return rule;
  const last = latest(incident);
  if (at.getTime() < last.at.getTime()) {
    return refuse(
      `This incident cannot be ${VERB[event]} at ${at.toISOString()}: that is before it was ${
        last.field
      } (${last.at.toISOString()}).`,
    );
  }
  return rule;
}

/** The incident with a successful transition applied (for callers that keep the whole row). */
export function applyIncidentTransition<T extends IncidentLifecycle>(
  incident: T,
  transition: Extract<IncidentTransition, { ok: true }>,
): T {
  return { ...incident, ...transition.timestamps, status: transition.next };
}

/** The events the incident accepts now, for showing only the buttons that can work. */
export function availableIncidentEvents(
  incident: IncidentLifecycle,
  at: Date,
  context: TransitionContext = {},
): IncidentEvent[] {
  return INCIDENT_EVENTS.filter((e) => incidentTransition(incident, e, at, context).ok);
}
