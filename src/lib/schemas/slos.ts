import { z } from "zod";
import { listQuerySchema } from "./list-query";

export const SLO_STATUS_FILTERS = [
  "healthy",
  "at_risk",
  "exhausted",
  "no_data",
  "alerting",
] as const;
export const SLO_GROUPS = ["none", "team", "service"] as const;

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,99}$/)
  .optional()
  .catch(undefined);

/** The SLO list's filters and grouping, all in the URL so a link shows the same list. */
export const sloListQuerySchema = listQuerySchema.extend({
  status: z.enum(SLO_STATUS_FILTERS).optional().catch(undefined),
  team: slug,
  service: slug,
  group: z.enum(SLO_GROUPS).optional().catch(undefined),
});
export type SloListQuery = z.infer<typeof sloListQuerySchema>;

/** An edit carries the version the editor saw (optimistic concurrency). */
export const sloVersionSchema = z.coerce.number().int().min(1);

/** Import: YAML text of OpenSLO v1 or Flightdeck SLO documents. */
export const sloImportSchema = z.object({
  yaml: z
    .string()
    .trim()
    .min(1, "Paste or upload a YAML document.")
    .max(1_000_000, "The file is too large (1 MB at most)."),
});

export const setBudgetPolicySchema = z.object({
  model: z.string().trim().min(1).max(100),
  policy: z.enum(["enforce", "advisory"]),
  reason: z.string().trim().min(5, "Say why the policy changes (at least 5 characters).").max(500),
});
export type SetBudgetPolicyInput = z.input<typeof setBudgetPolicySchema>;
