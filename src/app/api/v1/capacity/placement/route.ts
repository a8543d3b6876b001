import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { placementQuerySchema } from "@/lib/schemas/capacity";
import { placeGpus } from "@/server/capacity/placement";

/** `GET /api/v1/capacity/placement?gpus=&gpuType=&team=&region=`: where a gang of GPUs fits. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "capacity",
  handler: async ({ actor, req }) => {
    const query = placementQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
    return NextResponse.json(await placeGpus(actor, query), {
      headers: { "Cache-Control": "private, no-store" },
    });
  },
});
