import { NextResponse } from "next/server";
import { apiRoute, jsonBody } from "@/server/http/api-route";
import { AppError } from "@/server/errors";
import { assertCanRead } from "@/server/access/authorize";
import { startDrainSchema } from "@/lib/schemas/traffic";
import { getDrain, listDrains, startDrain } from "@/server/traffic/drains";
import { drainJson, drainSummaryJson } from "./json";

const NO_STORE = { "Cache-Control": "private, no-store" };

/** `GET /api/v1/drains`: drains not yet undrained, and those that ended in the last week. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "region_drain",
  handler: async ({ actor }) =>
    NextResponse.json(
      { drains: (await listDrains(actor)).map(drainSummaryJson) },
      { headers: NO_STORE },
    ),
});

/**
 * `POST /api/v1/drains`: starts draining a region, or failing it over, as the Regions page's
 * "Drain" does (the same input, service and audit): 201 with the drain, or 200 with the drain
 * already started the same way (a retry or a double click starts it once).
 */
export const POST = apiRoute({
  action: "traffic.drain",
  permission: "traffic.shift",
  targetType: "region_drain",
  handler: async ({ actor, meta, req }) => {
    // The answer reads the drain back (and the capacity check reads the fleet): a token that
    // may drain but not read is refused before anything starts.
    assertCanRead(actor);
    const input = startDrainSchema.parse(await jsonBody(req));
    const started = await startDrain(actor, meta, input);
    const drain = await getDrain(actor, started.id);
    // Drains are never deleted: only a database restored meanwhile could lose it.
    if (!drain) throw new AppError("CONFLICT", "The drain was started but cannot be read back.");
    return NextResponse.json(
      { ...drainJson(drain), alreadyRunning: started.alreadyRunning },
      {
        status: started.alreadyRunning ? 200 : 201,
        headers: { ...NO_STORE, Location: `/api/v1/drains/${encodeURIComponent(drain.id)}` },
      },
    );
  },
});
