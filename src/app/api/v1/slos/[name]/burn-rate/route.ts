import { NextResponse } from "next/server";
import { apiRoute, parseParam } from "@/server/http/api-route";
import { sloBurnRates } from "@/server/slos/queries";
import { burnRateWindowsSchema, DEFAULT_BURN_RATE_WINDOWS } from "@/lib/schemas/slos";

/** `GET /api/v1/slos/{name}/burn-rate?windows=5m,1h,3d`: the burn rate over each window now. */
export const GET = apiRoute<{ name: string }>({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, req, params }) => {
    const windows = parseParam(
      "windows",
      burnRateWindowsSchema,
      req.nextUrl.searchParams.get("windows") ?? DEFAULT_BURN_RATE_WINDOWS,
    );
    return NextResponse.json(await sloBurnRates(actor, params.name, windows));
  },
});
