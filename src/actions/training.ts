"use server";

import { defineAction } from "@/actions/safe-action";
import { resumeTrainingSchema } from "@/lib/schemas/training";
import { resumeTrainingJob } from "@/server/training/resume";

export const resumeTrainingAction = defineAction({
  name: "training.resume",
  permission: "training.operate",
  input: resumeTrainingSchema,
  target: (i) => ({ type: "training_job", id: i.jobId }),
  run: ({ actor, meta, input }) => resumeTrainingJob(actor, meta, input),
  revalidate: ["/training"],
});
