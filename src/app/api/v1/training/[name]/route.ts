import { NextResponse } from "next/server";
import { apiRoute, parseParam } from "@/server/http/api-route";
import { getTrainingJob } from "@/server/training/reliability";
import { trainingJobNameSchema } from "@/lib/schemas/training-api";

/**
 * `GET /api/v1/training/{name}`: a job's page as JSON: progress, checkpoints, interruptions
 * with what each cost, goodput and the checkpoint interval advice.
 */
export const GET = apiRoute<{ name: string }>({
  permission: "fleet.read",
  targetType: "training_job",
  handler: async ({ actor, params }) => {
    const job = await getTrainingJob(actor, parseParam("name", trainingJobNameSchema, params.name));
    return NextResponse.json(job, { headers: { "Cache-Control": "private, no-store" } });
  },
});
