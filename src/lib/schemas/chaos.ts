import { z } from "zod";
import { regionCodeSchema } from "./list-query";

export const CHAOS_KINDS = [
  "region_degradation",
  "latency_injection",
  "node_failure",
  "gpu_failure",
  "region_outage",
] as const;
export type ChaosKind = (typeof CHAOS_KINDS)[number];

/** What `percent` means for each kind, and its ceiling. */
export const CHAOS_PERCENT: Record<ChaosKind, { label: string; max: number }> = {
  region_degradation: { label: "of requests fail with 5xx", max: 100 },
  latency_injection: { label: "added latency", max: 1000 },
  node_failure: { label: "of the region's GPU nodes go NotReady", max: 100 },
  gpu_failure: { label: "of the region's GPUs fail (Xid 79)", max: 100 },
  region_outage: {
    label: "of the traffic the region serves is lost (the region is down)",
    max: 100,
  },
};

export const startChaosSchema = z
  .object({
    kind: z.enum(CHAOS_KINDS),
    region: regionCodeSchema("Choose a region."),
    /** see CHAOS_PERCENT */
    percent: z.coerce.number().positive("Use a positive percentage."),
    durationMinutes: z.coerce
      .number()
      .int()
      .min(1, "Run it for at least a minute.")
      .max(240, "Chaos experiments run for at most 4 hours."),
    reason: z.string().trim().min(3, "Say why (at least 3 characters).").max(300),
  })
  .superRefine((v, ctx) => {
    const max = CHAOS_PERCENT[v.kind].max;
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
