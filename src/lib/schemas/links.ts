import { z } from "zod";
import { templateProblem } from "@/lib/domain/models/link-templates";

const id = z.string().trim().min(1).max(64);

export const addLinkSchema = z
  .object({
    subjectKind: z.enum(["model", "slo"]),
    subject: z.string().trim().min(1).max(100),
    label: z
      .string()
      .trim()
      .min(2, "Label the link (at least 2 characters), e.g. Dashboard or Runbook.")
      .max(40, "Labels have at most 40 characters."),
    urlTemplate: z.string().trim().min(1, "Give the URL.").max(2000, "The URL is too long."),
  })
  .superRefine((v, ctx) => {
    const problem = templateProblem(v.urlTemplate, v.subjectKind);
    if (problem) ctx.addIssue({ code: "custom", path: ["urlTemplate"], message: problem });
  });
export type AddLinkInput = z.input<typeof addLinkSchema>;
export type AddLinkData = z.output<typeof addLinkSchema>;

export const removeLinkSchema = z.object({ linkId: id });
export type RemoveLinkData = z.output<typeof removeLinkSchema>;
