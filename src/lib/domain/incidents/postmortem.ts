import { z } from "zod";
import type { IncidentLifecycle, Severity } from "./lifecycle";

/**
 * Postmortems: the template, when one is required, and when it is complete. A draft may be saved
 * half-written; `postmortemSchema` (and `postmortemComplete`, with reasons) say whether it is
 * finished, which closing a SEV1/SEV2 or a budget-burning incident requires.
 */

/** An incident that consumed more than this share of any linked SLO's budget needs one. */
export const POSTMORTEM_BUDGET_SHARE = 0.2;

/** A Date, or an ISO 8601 date-time with offset as JSON carries it. */
const instant = z.union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))]);

/** The longest timeline entry, and the most entries, a postmortem holds. */
export const TIMELINE_TEXT_MAX = 2000;
export const TIMELINE_MAX_ENTRIES = 500;

export const timelineEntrySchema = z.object({
  at: instant,
  text: z.string().trim().max(TIMELINE_TEXT_MAX),
  /** filled in from the incident's record (editable), or written by a person */
  source: z.enum(["auto", "manual"]).default("manual"),
});
export type TimelineEntry = z.output<typeof timelineEntrySchema>;

export const followUpSchema = z.object({
  action: z.string().trim().max(1000),
  /** the owner's email; empty while the draft has none */
  owner: z.string().trim().toLowerCase().max(200),
  /** a calendar date, YYYY-MM-DD; null while the draft has none */
  dueDate: z.iso.date("A due date is a date like 2026-12-31.").nullable(),
});
export type FollowUp = z.output<typeof followUpSchema>;

/** What can be saved at any time: the template's fields, possibly empty. */
export const postmortemDraftSchema = z.object({
  summary: z.string().trim().max(20_000).default(""),
  impact: z.string().trim().max(20_000).default(""),
  timeline: z.array(timelineEntrySchema).max(TIMELINE_MAX_ENTRIES).default([]),
  contributingFactors: z.array(z.string().trim().max(2000)).max(50).default([]),
  followUps: z.array(followUpSchema).max(100).default([]),
});
export type PostmortemDraft = z.output<typeof postmortemDraftSchema>;
export type PostmortemInput = z.input<typeof postmortemDraftSchema>;

interface Gap {
  path: (string | number)[];
  message: string;
}

const email = z.email();

/** What a finished postmortem still lacks, in the order of the template. */
function gaps(pm: PostmortemDraft): Gap[] {
  const out: Gap[] = [];
  if (pm.summary.trim() === "") out.push({ path: ["summary"], message: "Write a summary." });
  if (pm.impact.trim() === "") {
    out.push({ path: ["impact"], message: "Describe the impact on users and SLOs." });
  }
  if (pm.timeline.length === 0) {
    out.push({ path: ["timeline"], message: "Add at least one timeline entry." });
  }
  pm.timeline.forEach((e, i) => {
    if (e.text.trim() === "") {
      out.push({ path: ["timeline", i, "text"], message: `Timeline entry ${i + 1} has no text.` });
    }
  });
  if (!pm.contributingFactors.some((f) => f.trim() !== "")) {
    out.push({
      path: ["contributingFactors"],
      message: "Name at least one contributing factor.",
    });
  } else {
    pm.contributingFactors.forEach((f, i) => {
      if (f.trim() === "") {
        out.push({
          path: ["contributingFactors", i],
          message: `Contributing factor ${i + 1} is empty; fill it in or remove it.`,
        });
      }
    });
  }
  if (pm.followUps.length === 0) {
    out.push({ path: ["followUps"], message: "Add at least one follow-up action." });
  }
  pm.followUps.forEach((f, i) => {
    const n = `Follow-up ${i + 1}`;
    if (f.action.trim() === "") {
      out.push({ path: ["followUps", i, "action"], message: `${n} needs an action.` });
    }
    if (!email.safeParse(f.owner).success) {
      out.push({
        path: ["followUps", i, "owner"],
        message: `${n} needs an owner's email address.`,
      });
    }
    if (f.dueDate === null) {
      out.push({ path: ["followUps", i, "dueDate"], message: `${n} needs a due date.` });
    }
  });
  return out;
}

/** A finished postmortem: every field of the template filled in. */
export const postmortemSchema = postmortemDraftSchema.superRefine((pm, ctx) => {
  for (const g of gaps(pm)) ctx.addIssue({ code: "custom", path: g.path, message: g.message });
});
export type Postmortem = z.output<typeof postmortemSchema>;

/** Whether a saved postmortem is finished, and if not, what it lacks (one sentence each). */
export function postmortemComplete(
  pm: PostmortemDraft,
): { complete: true } | { complete: false; reasons: string[] } {
  const missing = gaps(pm);
  return missing.length === 0
    ? { complete: true }
    : { complete: false, reasons: missing.map((g) => g.message) };
}

/** Error budget one linked SLO consumed during the incident, as a share (0.25 = 25%). */
export interface SloBudgetShare {
  slo: string;
  share: number;
}

function percent(share: number): string {
  const text = (share * 100).toFixed(1);
  // 20.04% shows as 20.0%, which would not read as more than 20%.
  return share > POSTMORTEM_BUDGET_SHARE && Number(text) <= POSTMORTEM_BUDGET_SHARE * 100
    ? `just over ${POSTMORTEM_BUDGET_SHARE * 100}%`
    : `${text}%`;
}

/**
 * A postmortem is required for SEV1 and SEV2, and for any incident that consumed more than 20%
 * of a linked SLO's error budget (exactly 20% does not). The reasons name each cause.
 */
export function needsPostmortem(input: {
  severity: Severity;
  budgetConsumedShares: readonly SloBudgetShare[];
}): { required: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (input.severity === "SEV1" || input.severity === "SEV2") {
    reasons.push(`it is a ${input.severity} incident`);
  }
  for (const b of input.budgetConsumedShares) {
    if (Number.isFinite(b.share) && b.share > POSTMORTEM_BUDGET_SHARE) {
      reasons.push(`it consumed ${percent(b.share)} of ${b.slo}'s error budget`);
    }
  }
  return { required: reasons.length > 0, reasons };
}

const MILESTONE_TEXT = [
  ["detectedAt", "Detected"],
  ["acknowledgedAt", "Acknowledged"],
  ["mitigatedAt", "Mitigated"],
  ["resolvedAt", "Resolved"],
] as const;

/**
 * A new postmortem with the timeline filled in from the incident's milestones and its recorded
 * events (and anything else the caller adds, such as the ranked changes), oldest first; identical
 * entries (same time and text) appear once. Everything else is left for people to write.
 */
export function draftPostmortem(input: {
  incident: Pick<IncidentLifecycle, "detectedAt" | "acknowledgedAt" | "mitigatedAt" | "resolvedAt">;
  events: readonly { at: Date; message: string; actor?: string | null }[];
}): PostmortemDraft {
  const entries: TimelineEntry[] = [];
  const milestoneEntries = new Set<TimelineEntry>();
  for (const [field, text] of MILESTONE_TEXT) {
    const at = input.incident[field];
    if (!at) continue;
    const entry: TimelineEntry = { at, text, source: "auto" };
    milestoneEntries.add(entry);
    entries.push(entry);
  }
  for (const e of input.events) {
    const full = (e.actor ? `${e.message} (${e.actor})` : e.message).trim();
    // A long note is cut, not refused: the draft must always be savable as it comes.
    const text =
      full.length > TIMELINE_TEXT_MAX ? `${full.slice(0, TIMELINE_TEXT_MAX - 1).trimEnd()}…` : full;
    entries.push({ at: e.at, text, source: "auto" });
  }
  const seen = new Set<string>();
  const timeline = entries
    .map((e, i) => ({ e, i }))
    // stable: milestones before events at the same time, events in the order given
    .sort((a, b) => a.e.at.getTime() - b.e.at.getTime() || a.i - b.i)
    .map(({ e }) => e)
    .filter((e) => {
      const key = `${e.at.getTime()}|${e.text}`;
      if (seen.has(key) || e.text === "" || Number.isNaN(e.at.getTime())) return false;
      seen.add(key);
      return true;
    });
  // Past the limit, the milestones stay and the earliest events fill the rest: how it started
  // matters most to a postmortem, and people can add what they need.
  let room = TIMELINE_MAX_ENTRIES - milestoneEntries.size;
  const kept = timeline.filter((e) => milestoneEntries.has(e) || room-- > 0);
  return { summary: "", impact: "", timeline: kept, contributingFactors: [], followUps: [] };
}
