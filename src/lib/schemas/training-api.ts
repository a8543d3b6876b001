import { z } from "zod";
import { apiPageSchema, regionCodeSchema } from "./list-query";

/**
 * `GET /api/v1/training?region=&page=`: the Training page's filter and page. Unlike the page,
 * which opens a hand-edited link without its malformed filter, the API refuses a malformed
 * value (422 naming the parameter): a script that mistypes a region should not read every
 * region's jobs believing they are one region's.
 */
export const trainingListQuerySchema = z.object({
  region: regionCodeSchema("Use a region code, e.g. us-east-1.").optional(),
  page: apiPageSchema,
});
export type TrainingListQuery = z.output<typeof trainingListQuerySchema>;

/** A training job's name in a path: a Kubernetes object's name is at most 253 characters. */
export const trainingJobNameSchema = z
  .string()
  .trim()
  .min(1, "Name the training job.")
  .max(253, "A training job's name is at most 253 characters.");
