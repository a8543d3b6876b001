import { NextResponse } from "next/server";
import { apiRoute, jsonBody, parseParam } from "@/server/http/api-route";
import { deleteSlo, getSloDefinition, updateSlo } from "@/server/slos/definitions";
import { AppError } from "@/server/errors";
import { sloOverrideReasonSchema, sloUpdateBodySchema, sloVersionSchema } from "@/lib/schemas/slos";

const notFound = (name: string) => new AppError("NOT_FOUND", `No SLO named ${name}.`);

export const GET = apiRoute<{ name: string }>({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, params }) => {
    const def = await getSloDefinition(actor, params.name);
    if (!def) throw notFound(params.name);
    return NextResponse.json({ ...def.spec, version: def.version });
  },
});

/**
 * `PUT /api/v1/slos/{name}` with the definition and the `version` it was read at, and an admin's
 * `overrideReason` when the edit would lift an error-budget release hold.
 */
export const PUT = apiRoute<{ name: string }>({
  action: "slo.update",
  permission: "slo.manage",
  targetType: "slo",
  handler: async ({ actor, meta, req, params }) => {
    const { version, overrideReason, ...spec } = sloUpdateBodySchema.parse(await jsonBody(req));
    const def = await updateSlo(actor, meta, params.name, version, spec, overrideReason ?? null);
    return NextResponse.json({ ...def.spec, version: def.version });
  },
});

/** `DELETE /api/v1/slos/{name}?version=N` (`&overrideReason=…` to lift a budget release hold, admins). */
export const DELETE = apiRoute<{ name: string }>({
  action: "slo.delete",
  permission: "slo.manage",
  targetType: "slo",
  handler: async ({ actor, meta, req, params }) => {
    const query = req.nextUrl.searchParams;
    const version = parseParam("version", sloVersionSchema, query.get("version") ?? undefined);
    const reason = parseParam(
      "overrideReason",
      sloOverrideReasonSchema,
      query.get("overrideReason") ?? undefined,
    );
    const result = await deleteSlo(actor, meta, params.name, version, reason ?? null);
    if (!result.deleted) throw notFound(params.name);
    return new NextResponse(null, { status: 204 });
  },
});
