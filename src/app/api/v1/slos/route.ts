import { NextResponse } from "next/server";
import { apiRoute, jsonBody } from "@/server/http/api-route";
import { listSlos } from "@/server/slos/queries";
import { createSlo } from "@/server/slos/definitions";
import { firstValues } from "@/lib/schemas/list-query";
import { sloListQuerySchema } from "@/lib/schemas/slos";

/** `GET /api/v1/slos?status=&team=&service=&page=`: SLOs with their current budget. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, req }) => {
    const query = sloListQuerySchema.parse(
      firstValues(Object.fromEntries(req.nextUrl.searchParams)),
    );
    const page = await listSlos(actor, query);
    return NextResponse.json({
      ...page,
      rows: page.rows.map((r) => ({ ...r.spec, id: r.id, summary: r.summary, noData: r.noData })),
    });
  },
});

/** `POST /api/v1/slos` with an SLO definition: 201 created, 200 when the same one exists. */
export const POST = apiRoute({
  action: "slo.create",
  permission: "slo.manage",
  targetType: "slo",
  handler: async ({ actor, meta, req }) => {
    const result = await createSlo(actor, meta, await jsonBody(req));
    return NextResponse.json(
      { ...result.definition.spec, version: result.definition.version },
      { status: result.created ? 201 : 200 },
    );
  },
});
