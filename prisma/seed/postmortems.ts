import type { Prisma } from "../../src/generated/prisma/client";
import { draftPostmortem, postmortemComplete } from "../../src/lib/domain/incidents/postmortem";
import {
  POSTMORTEM_EVENT_KIND,
  postmortemSaveMessage,
} from "../../src/lib/domain/incidents/postmortem-edit";
import { DAY, HOUR, MINUTE } from "./common";

/** A closed incident as the seed wrote it, with the timeline its postmortem starts from. */
export interface ClosedIncident {
  id: string;
  severity: string;
  summary: string;
  model: string;
  region: string;
  detectedAt: number;
  acknowledgedAt: number;
  mitigatedAt: number;
  resolvedAt: number;
  closedAt: number;
  /** its own timeline and the activity around it, as the incident page shows them */
  events: readonly { at: number; message: string; actor: string | null }[];
  lessons: { factor: string; followUp: string };
  /** who wrote the postmortem */
  author: string;
}

/** A postmortem is completed this long before its incident is closed. */
const COMPLETED_BEFORE_CLOSE = 2 * HOUR;
/** Its follow-up is due this long after the incident closed. */
const FOLLOW_UP_DAYS = 30;

/** "42 min", "3 h 5 min", "2 d 3 h". */
export function span(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MINUTE));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/**
 * The postmortem the commander completed before closing the incident, as the product saves it:
 * the timeline drafted from the incident's milestones and timeline up to then, its summary, an
 * impact stated from the incident's own times and severity (so the postmortem and the incident
 * page agree), the contributing factor and a follow-up; with the "Postmortem completed" event
 * the save writes. Throws unless complete: a closed incident's postmortem always is.
 */
export function seededPostmortem(i: ClosedIncident): {
  postmortem: Prisma.PostmortemCreateManyInput;
  event: Prisma.IncidentEventCreateManyInput;
} {
  const savedAt = Math.max(i.resolvedAt, i.closedAt - COMPLETED_BEFORE_CLOSE);
  const drafted = draftPostmortem({
    incident: {
      detectedAt: new Date(i.detectedAt),
      acknowledgedAt: new Date(i.acknowledgedAt),
      mitigatedAt: new Date(i.mitigatedAt),
      resolvedAt: new Date(i.resolvedAt),
    },
    events: i.events
      .filter((e) => e.at <= savedAt)
      .map((e) => ({ at: new Date(e.at), message: e.message, actor: e.actor })),
  });
  const draft = {
    ...drafted,
    summary: i.summary,
    impact: `${i.severity}: ${i.model} in ${i.region}, mitigated ${span(i.mitigatedAt - i.detectedAt)} and resolved ${span(i.resolvedAt - i.detectedAt)} after it was detected.`,
    contributingFactors: [i.lessons.factor],
    followUps: [
      {
        action: i.lessons.followUp,
        owner: i.author,
        dueDate: new Date(Math.floor(i.closedAt / DAY) * DAY + FOLLOW_UP_DAYS * DAY)
          .toISOString()
          .slice(0, 10),
      },
    ],
  };
  const complete = postmortemComplete(draft);
  if (!complete.complete) {
    throw new Error(`incident ${i.id}'s postmortem is incomplete: ${complete.reasons.join(" ")}`);
  }
  return {
    postmortem: {
      incidentId: i.id,
      summary: draft.summary,
      impact: draft.impact,
      // as the product stores it: times as ISO strings
      timeline: draft.timeline.map((e) => ({
        at: e.at.toISOString(),
        text: e.text,
        source: e.source,
      })),
      contributingFactors: draft.contributingFactors,
      followUps: draft.followUps,
      version: 1,
      createdAt: new Date(savedAt),
      updatedAt: new Date(savedAt),
      updatedBy: i.author,
    },
    event: {
      incidentId: i.id,
      at: new Date(savedAt),
      kind: POSTMORTEM_EVENT_KIND,
      message: postmortemSaveMessage(null, draft),
      actor: i.author,
    },
  };
}
