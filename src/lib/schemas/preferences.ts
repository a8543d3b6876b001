import { z } from "zod";
import { isTimeZone } from "@/lib/domain/promotions/time-zones";

/** The time zone a user reads times in; "UTC" (the default) is stored as none. */
export const timeZonePreferenceSchema = z.object({
  timeZone: z
    .string()
    .trim()
    .max(64)
    .refine((v) => v === "UTC" || isTimeZone(v), "Choose a time zone from the list.")
    .transform((v) => (v === "UTC" ? null : v)),
});
export type TimeZonePreferenceInput = z.input<typeof timeZonePreferenceSchema>;
export type TimeZonePreferenceData = z.output<typeof timeZonePreferenceSchema>;
