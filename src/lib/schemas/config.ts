import { z } from "zod";
import { OBJECT_KINDS } from "@/lib/domain/config/diff";

/** `?dryRun=true&prune=true` on POST /api/v1/config/apply: absent means false. */
const flag = z
  .enum(["true", "false", "1", "0"], "Use true or false.")
  .optional()
  .transform((v) => v === "true" || v === "1");

export const configApplyQuerySchema = z.object({ dryRun: flag, prune: flag });
export type ConfigApplyQuery = z.output<typeof configApplyQuerySchema>;

const fieldValue = z.unknown().describe("the field's value (JSON); null when absent");

/** What POST /api/v1/config/apply answers (server/config/apply.ts ConfigOutcomeView). */
export const configApplyResultSchema = z.object({
  applied: z.boolean().describe("false for a dry run, and when nothing needed to change"),
  dryRun: z.boolean(),
  prune: z.boolean(),
  summary: z.object({ create: z.int(), update: z.int(), delete: z.int() }),
  changes: z.array(
    z.object({
      kind: z.enum(OBJECT_KINDS),
      name: z.string(),
      op: z.enum(["create", "update", "delete"]),
      fields: z.array(z.object({ field: z.string(), before: fieldValue, after: fieldValue })),
    }),
  ),
  problems: z
    .array(z.string())
    .describe("why the file cannot be applied (only on a dry run: an apply answers 422)"),
});
export type ConfigApplyResult = z.output<typeof configApplyResultSchema>;

/** The admin page's form: the file's text and whether to prune. */
export const configFormSchema = z.object({
  yaml: z
    .string()
    .max(1024 * 1024, "The file is larger than 1 MiB.")
    .refine((t) => t.trim().length > 0, "Paste or upload flightdeck.yaml first."),
  prune: z.boolean().default(false),
});
export type ConfigFormInput = z.input<typeof configFormSchema>;
