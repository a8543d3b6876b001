import { z } from "zod";

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

/** datetime-local ("2026-11-29T10:30") or full ISO; read as UTC. */
const optionalTime = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: "custom", message: `"${v}" is not a date and time` });
      return z.NEVER;
    }
    return d;
  });

/** Audit log filters, as they appear in the URL. */
export const auditFilterSchema = z
  .object({
    actor: optionalText(200),
    action: optionalText(100),
    target: optionalText(200),
    outcome: z.enum(["allowed", "denied"]).optional(),
    from: optionalTime,
    to: optionalTime,
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, {
    message: "The start of the time range must be before its end.",
    path: ["from"],
  });
export type AuditFilter = z.infer<typeof auditFilterSchema>;
