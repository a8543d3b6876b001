import { z } from "zod";
import { BUDGET_POLICIES, SLO_STATUSES } from "@/lib/domain/slos/budget";
import { listQuerySchema } from "./list-query";

/** "alerting" is any SLO with a burn-rate alert firing. */
export const SLO_STATUS_FILTERS = [...SLO_STATUSES, "alerting"] as const;
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

/**
 * An admin's reason for an edit or deletion that lifts an error-budget release hold; the service says
 * when one is needed and how long it must be.
 */
export const sloOverrideReasonSchema = z
  .string()
  .trim()
  .max(500, "Keep the reason under 500 characters.")
  .optional();

/**
 * `PUT /api/v1/slos/{name}`: the definition plus the `version` it was read at (and an admin's
 * `overrideReason` when the edit lifts a budget release hold). The rest of the body passes through to
 * the service, which validates it as an SLO definition.
 */
export const sloUpdateBodySchema = z
  .object({ version: sloVersionSchema, overrideReason: sloOverrideReasonSchema })
  .passthrough();

/** `GET /api/v1/slos/export`: which SLOs, in which document format. */
export const sloExportQuerySchema = z.object({
  format: z.enum(["openslo", "flightdeck", "prometheus"]).default("openslo"),
  team: z.string().max(100).optional(),
  service: z.string().max(100).optional(),
  /** comma-separated SLO names */
  names: z
    .string()
    .max(10_000)
    .optional()
    .transform((v) => (v ? v.split(",").filter(Boolean) : undefined)),
});

/** The burn-rate windows asked for when the query names none. */
export const DEFAULT_BURN_RATE_WINDOWS = "5m,1h,6h,3d";

/** `?windows=5m,1h,3d`: burn-rate windows, read as minutes. */
export const burnRateWindowsSchema = z
  .string()
  .regex(/^\d+[mhd](,\d+[mhd])*$/, "Give windows like 5m,1h,6h,3d.")
  .transform((v) =>
    v.split(",").map((w) => Number(w.slice(0, -1)) * { m: 1, h: 60, d: 1440 }[w.at(-1) as "m"]),
  )
  .refine((ws) => ws.every((m) => m >= 1 && m <= 7 * 1440), "Windows are 1m to 7d.")
  .refine((ws) => ws.length <= 10, "Ask for at most 10 windows at once.");

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
  policy: z.enum(BUDGET_POLICIES),
  reason: z.string().trim().min(5, "Say why the policy changes (at least 5 characters).").max(500),
});
export type SetBudgetPolicyInput = z.input<typeof setBudgetPolicySchema>;
