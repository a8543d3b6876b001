import { z } from "zod";
import { isTimeZone, minuteOfDay } from "./time-zones";
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

const clock = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Give a time as HH:MM (24 hours).")
  .transform(minuteOfDay);
const weekday = z.coerce
  .number("Choose a day.")
  .int()
  .min(1, "Choose a day.")
  .max(7, "Choose a day.");

/**
 * A release window that repeats every week in a named time zone: a freeze, or the only hours
 * its tier takes changes. Start and end are local wall-clock times in the zone.
 */
export const recurringWindowSchema = z
  .object({
    name: z.string().trim().min(3, "Name the window (at least 3 characters).").max(100),
    kind: z.enum(["freeze", "allowed"], "Choose a freeze or an allowed window."),
    tier: z.enum(["all", ...TIERS]).default("all"),
    timeZone: z
      .string()
      .trim()
      .refine(isTimeZone, "Give an IANA time zone, e.g. Europe/Berlin or America/New_York."),
    startDay: weekday,
    startTime: clock,
    endDay: weekday,
    endTime: clock,
    reason: z.string().trim().max(500).default(""),
  })
  .refine((w) => w.kind === "allowed" || w.reason.length >= 5, {
    path: ["reason"],
    message: "Say why (at least 5 characters).",
  })
  .refine((w) => !(w.startDay === w.endDay && w.startTime === w.endTime), {
    path: ["endTime"],
    message: "The window must end at another time than it starts.",
  });
export type RecurringWindowInput = z.input<typeof recurringWindowSchema>;
export type RecurringWindowData = z.output<typeof recurringWindowSchema>;
