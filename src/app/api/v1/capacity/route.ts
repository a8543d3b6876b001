import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { capacityFilterSchema } from "@/lib/schemas/capacity";
import { capacityOverview } from "@/server/capacity/overview";

/** `GET /api/v1/capacity?type=&region=&cluster=`: the Capacity page's figures as JSON. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "capacity",
  handler: async ({ actor, req }) => {
    const filter = capacityFilterSchema.parse(Object.fromEntries(req.nextUrl.searchParams));
    return NextResponse.json(await capacityOverview(actor, filter), {
      headers: { "Cache-Control": "private, no-store" },
    });
  },
});
