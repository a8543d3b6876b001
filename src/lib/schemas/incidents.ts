import { z } from "zod";
import { INCIDENT_EVENTS, SEVERITIES } from "@/lib/domain/incidents/lifecycle";
import { regionCodeSchema } from "./list-query";

const id = z.string().trim().min(1).max(64);
/** The incident's version the user saw (optimistic concurrency). */
const version = z.coerce.number().int().min(1);

/** Checkbox groups and multi-selects arrive as one value or many; blanks are dropped. */
function names(item: z.ZodString, max: number, message: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) =>
      [...new Set((v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim()))]
        .filter((s) => s !== "")
        .sort(),
    )
    .pipe(z.array(item).max(max, message));
}

const modelName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "Unknown model.");
const regionCode = regionCodeSchema("Unknown region.");
const sloName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "Unknown SLO.");

/** An email of a Flightdeck user, or empty for nobody. */
const person = z
  .string()
  .trim()
  .toLowerCase()
  .max(200)
  .default("")
  .pipe(z.union([z.literal(""), z.email("Give the person's email address.")]));

export const declareIncidentSchema = z.object({
  title: z
    .string()
    .trim()
    .min(5, "Say what is wrong in a title (at least 5 characters).")
    .max(200, "Keep the title under 200 characters."),
  severity: z.enum(SEVERITIES, "Choose a severity."),
  summary: z.string().trim().max(5_000).default(""),
  affectedModels: names(modelName, 20, "At most 20 models."),
  affectedRegions: names(regionCode, 20, "At most 20 regions."),
  linkedSlos: names(sloName, 20, "At most 20 SLOs."),
  commander: person,
});
export type DeclareIncidentInput = z.input<typeof declareIncidentSchema>;
export type DeclareIncidentData = z.output<typeof declareIncidentSchema>;

export const transitionIncidentSchema = z.object({
  incidentId: id,
  version,
  event: z.enum(INCIDENT_EVENTS, "Unknown lifecycle step."),
});
export type TransitionIncidentInput = z.input<typeof transitionIncidentSchema>;
export type TransitionIncidentData = z.output<typeof transitionIncidentSchema>;

export const assignIncidentRolesSchema = z.object({
  incidentId: id,
  version,
  commander: person,
  communications: person,
});
export type AssignIncidentRolesInput = z.input<typeof assignIncidentRolesSchema>;
export type AssignIncidentRolesData = z.output<typeof assignIncidentRolesSchema>;

export const addIncidentNoteSchema = z.object({
  incidentId: id,
  version,
  note: z
    .string()
    .trim()
    .min(1, "Write the note first.")
    .max(5_000, "Keep a note under 5,000 characters."),
});
export type AddIncidentNoteInput = z.input<typeof addIncidentNoteSchema>;
export type AddIncidentNoteData = z.output<typeof addIncidentNoteSchema>;

/** An incident's number in a URL. */
export const incidentNumberSchema = z.coerce
  .number("An incident's number is a whole number.")
  .int("An incident's number is a whole number.")
  .min(1)
  .max(2_147_483_647);

export const actOnChangeSchema = z.object({
  incidentId: id,
  rolloutId: id,
  /** the rollout's version the user saw (optimistic concurrency) */
  rolloutVersion: z.coerce.number().int().min(1),
  action: z.enum(["abort", "rollback"], "Choose abort or roll back."),
  reason: z.string().trim().max(500).default(""),
});
export type ActOnChangeInput = z.input<typeof actOnChangeSchema>;
export type ActOnChangeData = z.output<typeof actOnChangeSchema>;

/** The abort or rollback the incident page offers for one suspected change. */
export interface ChangeAction {
  kind: ActOnChangeData["action"];
  rolloutId: string;
  /** the rollout's version (optimistic concurrency) */
  rolloutVersion: number;
  model: string;
  environment: string;
  /** the version traffic goes back to */
  toVersion: string;
  /** what the action moves, in words, for the confirmation */
  blastRadius: string;
}
