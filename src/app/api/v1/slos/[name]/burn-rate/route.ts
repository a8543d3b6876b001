import { NextResponse } from "next/server";
import { z } from "zod";
import { apiRoute } from "@/server/http/api-route";
import { sloBurnRates } from "@/server/services/slos";

const windowsQuery = z
  .string()
  .regex(/^\d+[mhd](,\d+[mhd])*$/, "Give windows like 5m,1h,6h,3d.")
  .transform((v) =>
    v.split(",").map((w) => Number(w.slice(0, -1)) * { m: 1, h: 60, d: 1440 }[w.at(-1) as "m"]),
  )
  .refine((ws) => ws.every((m) => m >= 1 && m <= 7 * 1440), "Windows are 1m to 7d.")
  .refine((ws) => ws.length <= 10, "Ask for at most 10 windows at once.");

/** `GET /api/v1/slos/{name}/burn-rate?windows=5m,1h,3d`: the burn rate over each window now. */
export const GET = apiRoute<{ name: string }>({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, req, params }) => {
    const windows = windowsQuery.parse(req.nextUrl.searchParams.get("windows") ?? "5m,1h,6h,3d");
    return NextResponse.json(await sloBurnRates(actor, params.name, windows));
  },
});
