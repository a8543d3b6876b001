import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { stopChaos } from "@/server/fleet/chaos";

/** Stops a chaos experiment early; the simulated fleet heals at once. */
export const DELETE = apiRoute<{ id: string }>({
  action: "chaos.stop",
  permission: "chaos.trigger",
  targetType: "chaos_experiment",
  handler: async ({ actor, meta, params }) =>
    NextResponse.json(await stopChaos(actor, meta, { experimentId: params.id })),
});
