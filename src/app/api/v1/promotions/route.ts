import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { listPromotions } from "@/server/promotions/queries";
import { firstValues } from "@/lib/schemas/list-query";
import { promotionListQuerySchema } from "@/lib/schemas/promotions";

/** `GET /api/v1/promotions?status=&model=&mine=1&page=`: promotion requests, newest first. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "promotion",
  handler: async ({ actor, req }) => {
    const query = promotionListQuerySchema.parse(
      firstValues(Object.fromEntries(req.nextUrl.searchParams)),
    );
    return NextResponse.json(await listPromotions(actor, query));
  },
});
