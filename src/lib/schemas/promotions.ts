import { z } from "zod";
import { TIERS } from "@/lib/domain/models/registry";
import { PROMOTION_DECISIONS, PROMOTION_STATUSES } from "@/lib/domain/promotions/gates";
import {
  freezeWindowSchema,
  recurringWindowSchema,
  requiredApprovalsSchema,
  soakMinutesSchema,
  type FreezeWindowData,
  type FreezeWindowInput,
  type RecurringWindowData,
  type RecurringWindowInput,
} from "@/lib/domain/promotions/release-settings";
import { listQuerySchema, regionCodeSchema } from "./list-query";

const id = z.string().trim().min(1).max(64);
/** The request's version the user saw (optimistic concurrency). */
const version = z.coerce.number().int().min(1);
const regionCode = regionCodeSchema("Unknown region.");

/** Checkbox groups arrive as one value or many; none means every region the tier has. */
const regions = z
  .union([regionCode, z.array(regionCode)])
  .optional()
  .transform((r) => (r === undefined ? [] : Array.isArray(r) ? [...new Set(r)].sort() : [r]));

const justification = z
  .string()
  .trim()
  .min(10, "Say what this promotion changes and why (at least 10 characters).")
  .max(2_000);

export const createPromotionSchema = z.object({
  model: z.string().trim().min(1, "Choose a model.").max(100),
  version: z.string().trim().min(1, "Choose a version.").max(128),
  tier: z.enum(TIERS, "Choose staging or production."),
  regions,
  /** a fix may go out during a change freeze */
  fix: z.coerce.boolean().default(false),
  justification,
});
export type CreatePromotionInput = z.input<typeof createPromotionSchema>;
export type CreatePromotionData = z.output<typeof createPromotionSchema>;

export const editPromotionSchema = z.object({
  requestId: id,
  version,
  regions,
  fix: z.coerce.boolean().default(false),
  justification,
});
export type EditPromotionInput = z.input<typeof editPromotionSchema>;
export type EditPromotionData = z.output<typeof editPromotionSchema>;

export const decidePromotionSchema = z
  .object({
    requestId: id,
    version,
    decision: z.enum(PROMOTION_DECISIONS),
    comment: z.string().trim().max(2_000).default(""),
  })
  .refine((d) => d.decision === "approve" || d.comment.length >= 5, {
    path: ["comment"],
    message: "Say why you reject it (at least 5 characters).",
  });
export type DecidePromotionInput = z.input<typeof decidePromotionSchema>;
export type DecidePromotionData = z.output<typeof decidePromotionSchema>;

/** Withdrawing, or starting an approved request whose gates now pass. */
export const promotionRefSchema = z.object({ requestId: id, version });
export type PromotionRefInput = z.input<typeof promotionRefSchema>;
export type PromotionRefData = z.output<typeof promotionRefSchema>;

/** "open" is pending or approved. */
export const PROMOTION_STATUS_FILTERS = ["open", ...PROMOTION_STATUSES] as const;

/** The promotions list's filters, in the URL. */
export const promotionListQuerySchema = listQuerySchema.extend({
  status: z.enum(PROMOTION_STATUS_FILTERS).optional().catch(undefined),
  model: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}$/)
    .optional()
    .catch(undefined),
  mine: z.enum(["1"]).optional().catch(undefined),
});
export type PromotionListQuery = z.infer<typeof promotionListQuerySchema>;

/** A change freeze on the release calendar (the same rules as the fleet configuration file's). */
export { freezeWindowSchema, type FreezeWindowData, type FreezeWindowInput };

export const deleteFreezeSchema = z.object({ freezeId: id });

/** A release window that repeats weekly in a time zone. */
export { recurringWindowSchema, type RecurringWindowData, type RecurringWindowInput };

export const deleteRecurringWindowSchema = z.object({ windowId: id });

/**
 * Approvals and soak an environment requires of promotions into it, and whether it takes
 * changes only through promotions.
 */
export const environmentPolicySchema = z.object({
  environment: z.string().trim().min(1).max(100),
  requiredApprovals: z.coerce.number().pipe(requiredApprovalsSchema),
  soakMinutes: z.coerce.number().pipe(soakMinutesSchema),
  /** absent keeps the current setting (older clients and scripts) */
  promotionsOnly: z
    .union([z.boolean(), z.enum(["true", "false", "on"])])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === true || v === "true" || v === "on")),
});
export type EnvironmentPolicyInput = z.input<typeof environmentPolicySchema>;
export type EnvironmentPolicyData = z.output<typeof environmentPolicySchema>;

/** A model's release settings: eval thresholds (text, one per line) and serving resources. */
export const modelReleaseSettingsSchema = z.object({
  model: z.string().trim().min(1).max(100),
  thresholds: z.string().max(10_000),
  gpu: z.coerce.number().int("GPUs are whole numbers.").min(0).max(16),
  cpu: z.coerce.number().positive("CPUs must be positive.").max(512),
  memoryGi: z.coerce.number().positive("Memory must be positive.").max(4096),
});
export type ModelReleaseSettingsInput = z.input<typeof modelReleaseSettingsSchema>;
export type ModelReleaseSettingsData = z.output<typeof modelReleaseSettingsSchema>;

/** A request's number in a URL. */
export const promotionNumberSchema = z.coerce
  .number("A promotion request's number is a whole number.")
  .int("A promotion request's number is a whole number.")
  .min(1)
  .max(2_147_483_647);
