import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { getRollout, rolloutSeries } from "@/server/rollouts/queries";

/** One rollout with its steps, waves, analysis, history, live traffic and comparison series. */
export const GET = apiRoute<{ id: string }>({
  permission: "fleet.read",
  targetType: "rollout",
  handler: async ({ actor, params }) => {
    const rollout = await getRollout(actor, params.id);
    const series = await rolloutSeries(actor, rollout);
    return NextResponse.json({ rollout, series }, { headers: { "Cache-Control": "no-store" } });
  },
});
