import { z } from "zod";
import { CLUSTER_NAME, GPU_TYPE_NAMES, TEAM_SLUG } from "@/lib/domain/config/names";
import { MAX_PLACEMENT_GPUS } from "@/lib/domain/capacity/placement";
import { fleetFilterSchema } from "@/lib/schemas/list-query";

/**
 * The Capacity page's and GET /api/v1/capacity's filters. Like every page's filters, a malformed
 * value means "no filter" rather than an error, so a hand-edited link still opens.
 */
export const capacityFilterSchema = fleetFilterSchema.pick({ region: true }).extend({
  type: z.enum(GPU_TYPE_NAMES).optional().catch(undefined).describe("Only pools of this GPU type."),
  cluster: z
    .string()
    .max(253)
    .regex(CLUSTER_NAME)
    .optional()
    .catch(undefined)
    .describe("Only this cluster: its pools, and its own 30 days of hourly history."),
});
export type CapacityFilter = z.infer<typeof capacityFilterSchema>;

/**
 * "Where can I place N GPUs of type T (for team X)": GET /api/v1/capacity/placement, and the
 * page's form (its inputs live in the URL, so an answer can be shared as a link).
 */
export const placementQuerySchema = z.object({
  gpus: z.coerce
    .number({ error: "Ask for a number of GPUs." })
    .int("Ask for a whole number of GPUs.")
    .min(1, "Ask for at least 1 GPU.")
    .max(MAX_PLACEMENT_GPUS, `Ask for at most ${MAX_PLACEMENT_GPUS} GPUs.`)
    .describe("GPUs the job needs, as one gang."),
  gpuType: z.enum(GPU_TYPE_NAMES, { error: "Pick a GPU type." }).describe("The GPU type."),
  team: z
    .string()
    .trim()
    .max(64)
    .regex(TEAM_SLUG, "Unknown team.")
    .optional()
    .describe("The team's slug: its namespaces' quotas are checked. Without it, quotas are not."),
  region: fleetFilterSchema.shape.region.describe("Only pools in this region."),
});
export type PlacementQuery = z.infer<typeof placementQuerySchema>;
