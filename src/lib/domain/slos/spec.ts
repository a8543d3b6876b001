import { z } from "zod";
import {
  alertPolicyProblems,
  alertWindowSchema,
  DEFAULT_ALERT_WINDOWS,
} from "@/lib/domain/slos/alerts";

/**
 * What an SLO is, independent of how it is stored or written down (Flightdeck YAML, OpenSLO):
 * the one shape the form, the API, import/export and the Prometheus rules generator share.
 *
 * Flightdeck serves each model as a service, so an SLO's `service` is a model name.
 */
export const SLI_KINDS = ["availability", "latency", "freshness", "quality"] as const;
export type SliKind = (typeof SLI_KINDS)[number];

export const ROLLING_WINDOW_DAYS = [7, 28, 30] as const;

/** Rolling windows count back from now; calendar windows start at the month or quarter (UTC). */
export const sloWindowSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("rolling"),
    days: z
      .number()
      .int("A rolling window is whole days.")
      .min(1, "A rolling window is at least 1 day.")
      .max(90, "A rolling window is at most 90 days."),
  }),
  z.object({ kind: z.literal("calendar"), unit: z.enum(["month", "quarter"]) }),
]);
export type SloWindow = z.infer<typeof sloWindowSchema>;

// Alert windows live beside the rule that turns them into thresholds; they are part of the spec.
export {
  alertWindowSchema,
  DEFAULT_ALERT_WINDOWS,
  type AlertWindow,
} from "@/lib/domain/slos/alerts";

/** Names the SLO pages use for themselves (/slos/new, /slos/review, /slos/import). */
const RESERVED_NAMES = ["new", "review", "import"];

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const sloSpecSchema = z
  .object({
    name: z
      .string()
      .regex(NAME, "A name is lowercase letters, digits and dashes (like a Kubernetes name)."),
    displayName: z.string().max(200).optional(),
    description: z.string().max(2000).default(""),
    /** the model served as this service */
    service: z.string().min(1, "An SLO names its service (a model)."),
    /** owner team slug */
    team: z.string().min(1, "An SLO names its owner team."),
    sliKind: z.enum(SLI_KINDS),
    /**
     * latency: good = served under this many ms; freshness: good = data younger than this many
     * seconds; quality: good = served while online accuracy was at least this (0..1).
     * Availability has none.
     */
    threshold: z.number().positive("The threshold must be positive.").nullable().default(null),
    /** e.g. 0.999 */
    objective: z
      .number()
      .gt(0, "The objective is a share above 0 (e.g. 0.999).")
      .lt(1, "The objective must be below 1 (100% leaves no error budget)."),
    window: sloWindowSchema,
    budgetingMethod: z.enum(["occurrences", "timeslices"]),
    /**
     * timeslices: a minute counts as good when its good/total ratio is at least this. Required
     * for timeslices, ignored for occurrences. Slices are one minute long.
     */
    timesliceTarget: z.number().gt(0).max(1).nullable().default(null),
    alerts: z.array(alertWindowSchema).max(10).default(DEFAULT_ALERT_WINDOWS),
  })
  .superRefine((s, ctx) => {
    if (RESERVED_NAMES.includes(s.name)) {
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: `"${s.name}" is reserved by the SLO pages; choose another name.`,
      });
    }
    if (s.sliKind === "availability" && s.threshold !== null) {
      ctx.addIssue({
        code: "custom",
        path: ["threshold"],
        message: "An availability SLO has no threshold.",
      });
    }
    if (s.sliKind !== "availability" && s.threshold === null) {
      ctx.addIssue({
        code: "custom",
        path: ["threshold"],
        message: `A ${s.sliKind} SLO needs a threshold (${THRESHOLD_UNIT[s.sliKind]}).`,
      });
    }
    if (s.sliKind === "quality" && s.threshold !== null && s.threshold > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["threshold"],
        message: "A quality floor is a share between 0 and 1 (e.g. 0.8).",
      });
    }
    const keys = s.alerts.map((a) => `${a.severity}/${a.longWindowMinutes}`);
    const twice = keys.find((k, i) => keys.indexOf(k) !== i);
    if (twice) {
      ctx.addIssue({
        code: "custom",
        path: ["alerts"],
        message: `Two ${twice.split("/")[0]} alerts share the ${twice.split("/")[1]}-minute long window; give each its own.`,
      });
    }
    for (const problem of alertPolicyProblems(s.alerts, s.window)) {
      ctx.addIssue({ code: "custom", path: ["alerts", problem.index], message: problem.message });
    }
    if (s.budgetingMethod === "timeslices" && s.timesliceTarget === null) {
      ctx.addIssue({
        code: "custom",
        path: ["timesliceTarget"],
        message: "Timeslice budgeting needs a timeslice target (the share a good minute reaches).",
      });
    }
  });
export type SloSpec = z.infer<typeof sloSpecSchema>;
export type SloSpecInput = z.input<typeof sloSpecSchema>;

export const THRESHOLD_UNIT: Record<SliKind, string> = {
  availability: "none",
  latency: "milliseconds",
  freshness: "seconds",
  quality: "accuracy floor, 0 to 1",
};
