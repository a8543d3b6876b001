import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { listTrainingJobs } from "@/server/training/jobs";
import { trainingListQuerySchema } from "@/lib/schemas/training-api";

/** `GET /api/v1/training?region=&page=`: training jobs as the Training page lists them. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "training_job",
  handler: async ({ actor, req }) => {
    const query = trainingListQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
    return NextResponse.json(await listTrainingJobs(actor, query), {
      headers: { "Cache-Control": "private, no-store" },
    });
  },
});
