import { NextResponse } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { regionsView } from "@/server/traffic/regions";

/** `GET /api/v1/regions`: each region's production traffic, errors, latency and headroom. */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "region",
  handler: async ({ actor }) => {
    const view = await regionsView(actor);
    return NextResponse.json(
      {
        readAt: view.readAt.toISOString(),
        regions: view.regions.map((r) => ({
          region: r.region,
          name: r.name,
          clusters: r.clusters,
          rps: r.rps,
          errorRate: r.errorRate,
          p99Ms: r.p99Ms,
          headroom: r.headroom,
          freeGpus: r.freeGpus,
          models: r.models,
          drainedModels: r.drainedModels,
          drain: r.drain ? { id: r.drain.id, kind: r.drain.kind, phase: r.drain.phase } : null,
        })),
        models: view.models,
        errors: view.errors,
      },
      { headers: { "Cache-Control": "private, no-store" } },
    );
  },
});
