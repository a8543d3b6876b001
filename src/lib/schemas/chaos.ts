import { z } from "zod";

export const CHAOS_KINDS = ["region_degradation", "latency_injection"] as const;

export const startChaosSchema = z
  .object({
    kind: z.enum(CHAOS_KINDS),
    region: z
      .string()
      .trim()
      .regex(/^[a-z]{2}-[a-z]+-\d$/, "Choose a region."),
    /** region_degradation: percent of requests failing; latency_injection: percent of added latency */
    percent: z.coerce.number().positive("Use a positive percentage."),
    durationMinutes: z.coerce
      .number()
      .int()
      .min(1, "Run it for at least a minute.")
      .max(240, "Chaos experiments run for at most 4 hours."),
    reason: z.string().trim().min(3, "Say why (at least 3 characters).").max(300),
  })
  .superRefine((v, ctx) => {
    const max = v.kind === "region_degradation" ? 100 : 1000;
    if (v.percent > max) {
      ctx.addIssue({
        code: "custom",
        path: ["percent"],
        message: `At most ${max}% for this kind.`,
      });
    }
  });
export type StartChaosInput = z.input<typeof startChaosSchema>;
export type StartChaosData = z.output<typeof startChaosSchema>;

export const stopChaosSchema = z.object({ experimentId: z.string().trim().min(1).max(64) });
export type StopChaosInput = z.input<typeof stopChaosSchema>;
export type StopChaosData = z.output<typeof stopChaosSchema>;
