import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { searchQuerySchema } from "@/lib/schemas/search";
import { search } from "@/server/navigation/search";

/** `GET /api/v1/search?q=`: the command palette's search over pages and the fleet's objects. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "search",
  handler: async ({ actor, req }) => {
    const { q } = searchQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
    return NextResponse.json(
      { results: await search(actor, q) },
      { headers: { "Cache-Control": "private, no-store" } },
    );
  },
});
