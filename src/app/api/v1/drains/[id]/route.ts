import { NextResponse } from "next/server";
import { apiRoute, jsonBody, parseParam } from "@/server/http/api-route";
import { AppError } from "@/server/errors";
import { assertCanRead } from "@/server/access/authorize";
import { drainCommandBodySchema, drainIdSchema } from "@/lib/schemas/traffic-api";
import { commandDrain, getDrain } from "@/server/traffic/drains";
import type { Actor } from "@/server/auth/session";
import { drainJson } from "../json";

const NO_STORE = { "Cache-Control": "private, no-store" };

async function readDrain(actor: Actor, id: string) {
  const drain = await getDrain(actor, id);
  if (!drain) throw new AppError("NOT_FOUND", `No drain with id ${id}.`);
  return drain;
}

/** `GET /api/v1/drains/{id}`: one drain's state, version, capacity check and timeline. */
export const GET = apiRoute<{ id: string }>({
  permission: "fleet.read",
  targetType: "region_drain",
  handler: async ({ actor, params }) => {
    const drain = await readDrain(actor, parseParam("id", drainIdSchema, params.id));
    return NextResponse.json(drainJson(drain), { headers: NO_STORE });
  },
});

/**
 * `POST /api/v1/drains/{id}` with `{ command, expectedVersion, reason? }`: pause, resume or
 * undrain, as the drain's page does (the same service, version check and audit). A command
 * already in force changes nothing and answers `changed: false`.
 */
export const POST = apiRoute<{ id: string }>({
  action: "traffic.command",
  permission: "traffic.shift",
  targetType: "region_drain",
  handler: async ({ actor, meta, req, params }) => {
    // The answer reads the drain back: a token that may act but not read is refused before the
    // command, not after it ran.
    assertCanRead(actor);
    // The body first: a malformed one is refused for what it holds, whatever the id.
    const body = drainCommandBodySchema.parse(await jsonBody(req));
    const drainId = parseParam("id", drainIdSchema, params.id);
    const result = await commandDrain(actor, meta, { ...body, drainId });
    const drain = await readDrain(actor, result.id);
    return NextResponse.json(
      { ...drainJson(drain), changed: result.changed },
      { headers: NO_STORE },
    );
  },
});
