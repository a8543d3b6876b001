import { z } from "zod";
import {
  draftPostmortem,
  postmortemComplete,
  postmortemDraftSchema,
  type PostmortemDraft,
  type TimelineEntry,
} from "./postmortem";
import type { IncidentLifecycle } from "./lifecycle";

/**
 * Editing a saved postmortem: the stored form, what a save changed and what the incident's
 * timeline says for it, and which incident events a saved timeline does not have yet.
 */

/** The incident timeline's kind for postmortem saves; they are not part of the postmortem's own timeline. */
export const POSTMORTEM_EVENT_KIND = "postmortem";

/** A save: the postmortem's version it was edited from (0 before the first save) and the draft. */
export const savePostmortemSchema = z.object({
  incidentId: z.string().trim().min(1).max(64),
  version: z.coerce.number().int().min(0),
  postmortem: postmortemDraftSchema,
});
export type SavePostmortemInput = z.input<typeof savePostmortemSchema>;

export const POSTMORTEM_FIELDS = [
  "summary",
  "impact",
  "timeline",
  "contributingFactors",
  "followUps",
] as const satisfies readonly (keyof PostmortemDraft)[];
export type PostmortemField = (typeof POSTMORTEM_FIELDS)[number];

/** The postmortem as stored: its timeline in time order (entries at the same time keep their order). */
export function normalizePostmortem(pm: PostmortemDraft): PostmortemDraft {
  const timeline = pm.timeline
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.at.getTime() - y.e.at.getTime() || x.i - y.i)
    .map(({ e }) => e);
  return { ...pm, timeline };
}

function fieldText(pm: PostmortemDraft, field: PostmortemField): string {
  if (field === "timeline") {
    return JSON.stringify(pm.timeline.map((e) => [e.at.getTime(), e.text, e.source]));
  }
  return JSON.stringify(pm[field]);
}

/** The fields that differ between the saved postmortem (null when none) and the new one. */
export function changedPostmortemFields(
  before: PostmortemDraft | null,
  after: PostmortemDraft,
): PostmortemField[] {
  const a = before ? normalizePostmortem(before) : null;
  const b = normalizePostmortem(after);
  return POSTMORTEM_FIELDS.filter((f) => a === null || fieldText(a, f) !== fieldText(b, f));
}

/** What the incident's timeline records for a save: completing it is worth saying. */
export function postmortemSaveMessage(
  before: PostmortemDraft | null,
  after: PostmortemDraft,
): "Postmortem saved" | "Postmortem completed" {
  const wasComplete = before !== null && postmortemComplete(before).complete;
  return !wasComplete && postmortemComplete(after).complete
    ? "Postmortem completed"
    : "Postmortem saved";
}

/** A new postmortem drafted from the incident and its timeline, without the postmortem's own saves. */
export function postmortemDraftFor(
  incident: Pick<IncidentLifecycle, "detectedAt" | "acknowledgedAt" | "mitigatedAt" | "resolvedAt">,
  timeline: readonly { at: Date; kind: string; message: string; actor: string | null }[],
): PostmortemDraft {
  return draftPostmortem({
    incident,
    events: timeline.filter((e) => e.kind !== POSTMORTEM_EVENT_KIND),
  });
}

/**
 * The entries a fresh draft would have that the saved timeline lacks, limited to those after
 * the last save: what happened since (an entry someone removed before saving stays removed).
 */
export function timelineSince(
  saved: readonly TimelineEntry[],
  fresh: readonly TimelineEntry[],
  since: Date,
): TimelineEntry[] {
  const key = (e: TimelineEntry) => `${e.at.getTime()}|${e.text}`;
  const have = new Set(saved.map(key));
  return fresh.filter((e) => e.at.getTime() > since.getTime() && !have.has(key(e)));
}
