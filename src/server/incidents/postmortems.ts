import "server-only";
import { clock } from "@/lib/clock";
import { lockRow, type Tx } from "@/server/db/tx";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { findPostmortem, postmortemColumns, type StoredPostmortem } from "@/server/db/postmortems";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { canWorkIncidents, getIncident, incidentRoleCandidates } from "@/server/incidents/queries";
import { incidentSloImpact, type IncidentImpact } from "@/server/incidents/slo-impact";
import {
  TERMINAL_INCIDENT_STATUSES,
  type IncidentStatus,
  type Severity,
} from "@/lib/domain/incidents/lifecycle";
import {
  needsPostmortem,
  postmortemComplete,
  type FollowUp,
  type PostmortemDraft,
  type TimelineEntry,
} from "@/lib/domain/incidents/postmortem";
import {
  changedPostmortemFields,
  normalizePostmortem,
  POSTMORTEM_EVENT_KIND,
  postmortemDraftFor,
  postmortemSaveMessage,
  savePostmortemSchema,
  timelineSince,
  type SavePostmortemInput,
} from "@/lib/domain/incidents/postmortem-edit";

/** Whether the incident needs a postmortem and how far the saved one is, for the incident page. */
export interface PostmortemStatus {
  number: number;
  severity: Severity;
  status: IncidentStatus;
  required: { required: boolean; reasons: string[] };
  /** the saved postmortem's completeness; null when none was saved yet */
  completeness: ReturnType<typeof postmortemComplete> | null;
  /** the saved postmortem's version; 0 before the first save */
  version: number;
  savedAt: Date | null;
  savedBy: string | null;
  impact: IncidentImpact;
  canEdit: boolean;
  /** why the postmortem cannot be edited, when it cannot */
  readOnlyReason: string | null;
}

/** The postmortem editor's data: the saved postmortem, or a draft from the incident's record. */
export interface PostmortemView extends PostmortemStatus {
  incidentId: string;
  title: string;
  postmortem: PostmortemDraft;
  /** incident events since the last save that the saved timeline does not have */
  newTimelineEntries: TimelineEntry[];
  /** people a follow-up can be given to (empty for those who cannot edit) */
  owners: { email: string; name: string }[];
}

interface StatusIncident {
  number: number;
  severity: Severity;
  status: IncidentStatus;
}

function readOnlyReason(actor: Actor, incident: StatusIncident): string | null {
  if (!canWorkIncidents(actor)) {
    return "Your role cannot work incidents: you can read this postmortem but not edit it.";
  }
  if (TERMINAL_INCIDENT_STATUSES.includes(incident.status)) {
    return `Incident #${incident.number} is ${incident.status}; its postmortem is read-only.`;
  }
  return null;
}

function statusOf(
  actor: Actor,
  incident: StatusIncident,
  saved: StoredPostmortem | null,
  impact: IncidentImpact,
): PostmortemStatus {
  const reason = readOnlyReason(actor, incident);
  return {
    number: incident.number,
    severity: incident.severity,
    status: incident.status,
    required: needsPostmortem({
      severity: incident.severity,
      budgetConsumedShares: impact.shares,
    }),
    completeness: saved ? postmortemComplete(saved.draft) : null,
    version: saved?.version ?? 0,
    savedAt: saved?.updatedAt ?? null,
    savedBy: saved?.updatedBy ?? null,
    impact,
    canEdit: reason === null,
    readOnlyReason: reason,
  };
}

/** Incident #number's postmortem state and SLO impact, for its page. */
export async function getPostmortemStatus(
  actor: Actor | null,
  number: number,
): Promise<PostmortemStatus> {
  assertCanRead(actor);
  const incident = await db().incident.findUnique({
    where: { number },
    select: {
      id: true,
      number: true,
      severity: true,
      status: true,
      detectedAt: true,
      resolvedAt: true,
      closedAt: true,
      linkedSlos: true,
    },
  });
  if (!incident) throw new AppError("NOT_FOUND", `No incident #${number}.`);
  const [saved, impact] = await Promise.all([
    findPostmortem(db(), incident.id),
    incidentSloImpact(db(), incident),
  ]);
  return statusOf(actor, incident, saved, impact);
}

/**
 * Incident #number's postmortem for the editor. Before the first save it is a draft whose
 * timeline comes from the incident's milestones and its timeline as getIncident shows it.
 */
export async function getPostmortem(actor: Actor | null, number: number): Promise<PostmortemView> {
  assertCanRead(actor);
  const incident = await getIncident(actor, number);
  const [saved, impact] = await Promise.all([
    findPostmortem(db(), incident.id),
    incidentSloImpact(db(), {
      ...incident,
      linkedSlos: incident.linkedSlos.map((s) => s.name),
    }),
  ]);
  const fresh = postmortemDraftFor(incident, incident.timeline);
  const status = statusOf(actor, incident, saved, impact);
  return {
    ...status,
    incidentId: incident.id,
    title: incident.title,
    postmortem: saved?.draft ?? fresh,
    newTimelineEntries: saved
      ? timelineSince(saved.draft.timeline, fresh.timeline, saved.updatedAt)
      : [],
    owners: status.canEdit ? await incidentRoleCandidates(actor) : [],
  };
}

/** Follow-ups go to people with an enabled account; the error names every one that is not. */
async function assertOwners(tx: Tx, followUps: FollowUp[]): Promise<void> {
  const wanted = [...new Set(followUps.map((f) => f.owner).filter((o) => o !== ""))];
  if (wanted.length === 0) return;
  const found = await tx.user.findMany({
    where: { email: { in: wanted }, disabled: false },
    select: { email: true },
  });
  const unknown = wanted.filter((w) => !found.some((u) => u.email === w));
  if (unknown.length > 0) {
    throw new AppError(
      "INVALID_INPUT",
      `Unknown follow-up owner${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}. A follow-up goes to someone with an enabled Flightdeck account.`,
    );
  }
}

function conflict(number: number, saved: StoredPostmortem | null, seen: number): AppError {
  const now = saved
    ? `it is at version ${saved.version}, saved by ${saved.updatedBy} at ${saved.updatedAt.toISOString()}`
    : "no version of it is saved";
  return new AppError(
    "CONFLICT",
    `The postmortem of incident #${number} changed since you opened it (you edited version ${seen}; ${now}). Nothing was saved: reload to see the latest version, then make your changes again.`,
  );
}

export interface PostmortemSaved {
  number: number;
  version: number;
  /** false when the same content was already saved (a double click) */
  changed: boolean;
  completeness: ReturnType<typeof postmortemComplete>;
}

/**
 * Saves incident #n's postmortem, creating it on the first save (version 0 → 1). A save made
 * from an older version is a conflict; saving what is already saved changes nothing. Follow-up
 * owners must be enabled users. Once the incident is closed or cancelled it is read-only.
 */
export async function savePostmortem(
  actor: Actor | null,
  meta: RequestMeta,
  raw: SavePostmortemInput,
): Promise<PostmortemSaved> {
  assertAllowed(actor, "incident.work");
  const input = savePostmortemSchema.parse(raw);
  const draft = normalizePostmortem(input.postmortem);
  const completeness = postmortemComplete(draft);
  return db().$transaction(async (tx) => {
    // The incident's row lock orders saves with each other and with closing it.
    const incident = (await lockRow(tx, "Incident", input.incidentId))
      ? await tx.incident.findUnique({
          where: { id: input.incidentId },
          select: { id: true, number: true, status: true },
        })
      : null;
    if (!incident) throw new AppError("NOT_FOUND", "No such incident.");
    if (TERMINAL_INCIDENT_STATUSES.includes(incident.status)) {
      throw new AppError(
        "CONFLICT",
        `Incident #${incident.number} is ${incident.status}; its postmortem is read-only.`,
      );
    }
    const saved = await findPostmortem(tx, incident.id);
    const changed = changedPostmortemFields(saved?.draft ?? null, draft);
    if (saved && changed.length === 0) {
      return { number: incident.number, version: saved.version, changed: false, completeness };
    }
    if (input.version !== (saved?.version ?? 0))
      throw conflict(incident.number, saved, input.version);
    await assertOwners(tx, draft.followUps);
    const now = clock.now();
    const data = { ...postmortemColumns(draft), updatedBy: actor.email, updatedAt: now };
    const row = saved
      ? await tx.postmortem.update({
          where: { id: saved.id },
          data: { ...data, version: { increment: 1 } },
          select: { version: true },
        })
      : await tx.postmortem.create({
          data: { ...data, incidentId: incident.id },
          select: { version: true },
        });
    await tx.incidentEvent.create({
      data: {
        incidentId: incident.id,
        at: now,
        kind: POSTMORTEM_EVENT_KIND,
        message: postmortemSaveMessage(saved?.draft ?? null, draft),
        actor: actor.email,
      },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "incident.postmortem",
      targetType: "incident",
      targetId: incident.id,
      outcome: "allowed",
      ...(saved
        ? {
            before: {
              version: saved.version,
              complete: postmortemComplete(saved.draft).complete,
            },
          }
        : {}),
      after: {
        number: incident.number,
        version: row.version,
        complete: completeness.complete,
        fields: changed,
      },
    });
    return { number: incident.number, version: row.version, changed: true, completeness };
  });
}
