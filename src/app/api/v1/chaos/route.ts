import { NextResponse } from "next/server";
import { apiRoute, jsonBody } from "@/server/http/api-route";
import { startChaosSchema } from "@/lib/schemas/chaos";
import { listChaos, startChaos } from "@/server/fleet/chaos";

/** Chaos experiments on the simulated fleet: list them, or start one (admins). */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "chaos_experiment",
  handler: async ({ actor }) => NextResponse.json(await listChaos(actor)),
});

export const POST = apiRoute({
  action: "chaos.start",
  permission: "chaos.trigger",
  targetType: "chaos_experiment",
  handler: async ({ actor, meta, req }) => {
    const e = await startChaos(actor, meta, startChaosSchema.parse(await jsonBody(req)));
    return NextResponse.json(e, { status: e.alreadyRunning ? 200 : 201 });
  },
});
