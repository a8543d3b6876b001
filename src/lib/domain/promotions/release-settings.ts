import { z } from "zod";
import { TIERS } from "../models/registry";

/**
 * The release settings admins keep: how many approvals and how much staging soak an
 * environment's promotions need, and the change freezes on the release calendar. One set of
 * rules for the release policy page's forms (lib/schemas/promotions.ts reads them, coercing
 * form text first) and the fleet configuration file (lib/domain/config).
 */

/** Distinct release-manager approvals a promotion into an environment needs. */
export const requiredApprovalsSchema = z
  .number()
  .int("Approvals are whole numbers.")
  .min(1, "At least one approval.")
  .max(5, "At most 5 approvals.");

/** How long a version must have served all staging traffic, healthy, before promotion. */
export const soakMinutesSchema = z
  .number()
  .int("Soak is whole minutes.")
  .min(0, "Soak cannot be negative.")
  .max(14 * 1440, "At most 14 days of soak.");

/** A change freeze on the release calendar. */
export const freezeWindowSchema = z
  .object({
    name: z.string().trim().min(3, "Name the freeze (at least 3 characters).").max(100),
    tier: z.enum(["all", ...TIERS]).default("all"),
    startsAt: z.coerce.date("Give a start time."),
    endsAt: z.coerce.date("Give an end time."),
    reason: z.string().trim().min(5, "Say why (at least 5 characters).").max(500),
  })
  .refine((f) => f.endsAt.getTime() > f.startsAt.getTime(), {
    path: ["endsAt"],
    message: "The freeze must end after it starts.",
  })
  .refine((f) => f.endsAt.getTime() - f.startsAt.getTime() <= 90 * 86_400_000, {
    path: ["endsAt"],
    message: "A freeze lasts at most 90 days.",
  });
export type FreezeWindowInput = z.input<typeof freezeWindowSchema>;
export type FreezeWindowData = z.output<typeof freezeWindowSchema>;
