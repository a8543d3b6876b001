import { z } from "zod";
import { VERSION_NAME } from "@/lib/domain/models/registry";
import { listQuerySchema } from "./list-query";

/** The Models list's filters: the shared ones plus the owning team (a slug), all in the URL. */
export const modelListQuerySchema = listQuerySchema.extend({
  team: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}$/)
    .optional()
    .catch(undefined),
});
export type ModelListQuery = z.infer<typeof modelListQuerySchema>;

/** A version name as the registry accepts it (see registerModelVersionSchema). */
const versionName = z.string().trim().regex(VERSION_NAME);

/**
 * `?a=…&b=…` of the compare page. A missing or malformed side is undefined, so the page can
 * say what is wrong instead of failing.
 */
export const compareQuerySchema = z.object({
  a: versionName.optional().catch(undefined),
  b: versionName.optional().catch(undefined),
});
export type CompareQuery = z.infer<typeof compareQuerySchema>;
