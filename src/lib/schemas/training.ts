import { z } from "zod";

export const resumeTrainingSchema = z.object({
  jobId: z.string().trim().min(1).max(64),
  /** the job's version the user saw: a job changed since is re-checked, never resumed twice */
  version: z.coerce.number().int().min(1),
});
export type ResumeTrainingInput = z.input<typeof resumeTrainingSchema>;
export type ResumeTrainingData = z.output<typeof resumeTrainingSchema>;
