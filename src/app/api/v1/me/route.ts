import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";

/** Who the caller is: a user session or an API token, with its role or scopes. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "session",
  handler: async ({ actor }) =>
    NextResponse.json({
      kind: actor.kind,
      name: actor.name,
      email: actor.kind === "user" ? actor.email : null,
      role: actor.role,
      team: actor.teamName,
      scopes: actor.scopes ?? null,
    }),
});
