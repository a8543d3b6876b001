import { z } from "zod";
import { regionCodeSchema } from "./list-query";

/** Which models a drain moves: one model, a team's models, or every model serving the region. */
export const DRAIN_SCOPES = ["model", "team", "all"] as const;
export type DrainScope = (typeof DRAIN_SCOPES)[number];

/** A model's name, or a team's name or slug ("Search & Ranking", "ranking"). */
const name = z
  .string()
  .trim()
  .min(1, "Name the model or team.")
  .max(100)
  .regex(/^[^\p{Cc}]+$/u, "A name has no control characters.");

/** `model/region=max`, one per raise: autoscaler maximums the plan raises. */
const raiseSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]+\/[a-z0-9-]+=\d{1,4}$/, "Write a raise as model/region=maximum.");

const csvOrList = (inner: z.ZodType<string>) =>
  z.preprocess(
    (v) =>
      v === undefined || v === ""
        ? []
        : Array.isArray(v)
          ? v
          : String(v)
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean),
    z.array(inner).max(200),
  );

/** The plan's options besides the region (the API takes the region from its path). */
export const drainPlanOptionsSchema = z.object({
  scope: z.enum(DRAIN_SCOPES).default("all"),
  /** the model's or team's name, for those scopes */
  name: name.optional(),
  /** headroom (percent) each receiving region must keep after the drain */
  headroom: z.coerce
    .number()
    .int("Use a whole percentage.")
    .min(0, "Headroom is 0 to 90%.")
    .max(90, "Headroom is 0 to 90%.")
    .default(20),
  raise: csvOrList(raiseSchema).default([]),
});

/** A drain plan's question: it is read from the URL, so a plan is a link on-call can share. */
export const drainPlanSchema = drainPlanOptionsSchema
  .extend({ region: regionCodeSchema("Choose the region to drain.") })
  .superRefine((v, ctx) => {
    if (v.scope !== "all" && !v.name) {
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: v.scope === "model" ? "Choose the model to drain." : "Choose the team.",
      });
    }
  });
export type DrainPlanInput = z.input<typeof drainPlanSchema>;
export type DrainPlanQuery = z.output<typeof drainPlanSchema>;

export const startDrainSchema = z
  .object({
    region: regionCodeSchema("Choose the region to drain."),
    scope: z.enum(DRAIN_SCOPES),
    name: name.optional(),
    headroom: z.coerce.number().int().min(0).max(90),
    raise: csvOrList(raiseSchema).default([]),
    kind: z.enum(["drain", "failover"]).default("drain"),
    /** percent of the region's traffic moved at each step (drains; a failover moves it at once) */
    steps: z
      .array(z.coerce.number().int().min(1).max(100))
      .min(1)
      .max(10)
      .default([25, 50, 75, 100])
      .refine(
        (s) => s.every((x, i) => i === 0 || x > (s[i - 1] ?? 0)) && s.at(-1) === 100,
        "Steps must rise and end at 100%.",
      ),
    /** how long each step holds with analysis before the next */
    stepSeconds: z.coerce
      .number()
      .int()
      .min(
        5,
        "Hold each step at least 5 s: the analysis needs the receiving regions' metrics after the move.",
      )
      .max(3600)
      .default(120),
    /** the person saw the tight or impossible verdicts and goes ahead (required then) */
    acknowledge: z.boolean().default(false),
    reason: z.string().trim().min(3, "Say why (at least 3 characters).").max(300),
  })
  .superRefine((v, ctx) => {
    if (v.scope !== "all" && !v.name) {
      ctx.addIssue({ code: "custom", path: ["name"], message: "Name the model or team." });
    }
  });
export type StartDrainInput = z.input<typeof startDrainSchema>;
export type StartDrainData = z.output<typeof startDrainSchema>;

export const drainCommandSchema = z.object({
  drainId: z.string().trim().min(1).max(64),
  command: z.enum(["pause", "resume", "undrain"]),
  /** the drain's version the person saw */
  expectedVersion: z.coerce.number().int().min(1),
  reason: z.string().trim().max(300).optional(),
});
export type DrainCommandInput = z.input<typeof drainCommandSchema>;
export type DrainCommandData = z.output<typeof drainCommandSchema>;
