import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { drainPlanSchema } from "@/lib/schemas/traffic";
import { planRegionDrain } from "@/server/traffic/drains";

/**
 * `GET /api/v1/regions/{region}/drain-plan?scope=&name=&headroom=&raise=`: the capacity check
 * of draining a region, per model (safe, tight or impossible). Nothing changes.
 */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "region",
  handler: async ({ actor, req, params }) => {
    const { region } = params;
    const search = req.nextUrl.searchParams;
    const q = drainPlanSchema.parse({
      region,
      scope: search.get("scope") ?? undefined,
      name: search.get("name") ?? undefined,
      headroom: search.get("headroom") ?? undefined,
      raise: search.getAll("raise").flatMap((r) => r.split(",")),
    });
    const view = await planRegionDrain(actor, q);
    return NextResponse.json(
      {
        plan: view.plan,
        forbidden: view.forbidden,
        openDrain: view.openDrain,
        errors: view.serving.errors,
      },
      { headers: { "Cache-Control": "private, no-store" } },
    );
  },
});
