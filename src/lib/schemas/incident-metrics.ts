import { z } from "zod";
import { METRIC_PERIOD_UNITS } from "@/lib/domain/incidents/response-times";

export const RESPONSE_GROUPING_VALUES = ["severity", "team"] as const;
export type ResponseGrouping = (typeof RESPONSE_GROUPING_VALUES)[number];

/**
 * The incidents page's response-time choices, read from the URL
 * (`?period=week|month&by=severity|team&team=<slug>`). Like the list filters, a malformed value
 * falls back to the default rather than failing the page.
 */
export const responseTimesQuerySchema = z.object({
  period: z.enum(METRIC_PERIOD_UNITS).catch("week").default("week"),
  by: z.enum(RESPONSE_GROUPING_VALUES).catch("severity").default("severity"),
  team: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}$/)
    .optional()
    .catch(undefined),
});
export type ResponseTimesQuery = z.infer<typeof responseTimesQuerySchema>;
