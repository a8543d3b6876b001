import { z } from "zod";
import { TIERS } from "@/lib/domain/models/registry";
import { ROLLOUT_STATUSES } from "@/lib/domain/rollouts/state-machine";
import { REGION_CODE } from "@/lib/domain/config/names";

export { REGION_CODE };

export const regionCodeSchema = (message: string) =>
  z.string().trim().min(2, message).max(64, message).regex(REGION_CODE, message);

/**
 * The filters every list page shares, read from the URL. Malformed values fall back to
 * "no filter" rather than failing the page, so a hand-edited link still opens.
 */
export const fleetFilterSchema = z.object({
  region: regionCodeSchema("Unknown region.").optional().catch(undefined),
  env: z.enum(TIERS).optional().catch(undefined),
});
export type FleetFilter = z.infer<typeof fleetFilterSchema>;

/** A list page's `?page=`: a malformed or far-off one opens page 1, like the other filters. */
export const listPageSchema = z.coerce.number().int().min(1).max(100_000).catch(1).default(1);

export const listQuerySchema = fleetFilterSchema.extend({ page: listPageSchema });
export type ListQuery = z.infer<typeof listQuerySchema>;

export const PAGE_SIZE = 20;

/** Next.js searchParams values may be arrays; list filters take the first value. */
export function firstValues(
  params: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = Array.isArray(value) ? value[0] : value;
  }
  return out;
}

/** "active" is any status of a rollout in progress. */
export const ROLLOUT_STATUS_FILTERS = ["active", ...ROLLOUT_STATUSES] as const;

/** The Rollouts list's own filters, on top of region and environment. */
export const rolloutListQuerySchema = listQuerySchema.extend({
  status: z.enum(ROLLOUT_STATUS_FILTERS).optional().catch(undefined),
  model: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}$/)
    .optional()
    .catch(undefined),
});
export type RolloutListQuery = z.infer<typeof rolloutListQuerySchema>;

/**
 * A list's page in an API query (`?page=`): unlike the pages, which open a hand-edited link at
 * page 1, the API refuses a malformed one (422 naming it) rather than answer another page.
 */
export const apiPageSchema = z.coerce
  .number("The page is a number, from 1.")
  .int("The page is a whole number, from 1.")
  .min(1, "The page is a whole number, from 1.")
  .max(100_000, "The page is at most 100000.")
  .default(1);
