import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { reviewCsv, sloReview } from "@/server/slos/review";

/** `GET /api/v1/slos/review?period=2026-10|2026-Q3&format=csv|json`: the leadership review. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, req }) => {
    const review = await sloReview(actor, req.nextUrl.searchParams.get("period") ?? undefined);
    if (req.nextUrl.searchParams.get("format") === "csv") {
      return new Response(reviewCsv(review), {
        headers: {
          "Content-Type": "text/csv; charset=utf-8",
          "Content-Disposition": `attachment; filename="slo-review-${review.period.key}.csv"`,
        },
      });
    }
    return NextResponse.json(review);
  },
});
