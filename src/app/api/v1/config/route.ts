import { apiRoute } from "@/server/http/api-route";
import { exportConfigAs } from "@/server/config/api";

/** `GET /api/v1/config`: the fleet's configuration as `flightdeck.yaml` (what `flightdeck export` writes). */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "fleet_config",
  handler: async ({ actor }) =>
    new Response(await exportConfigAs(actor), {
      headers: {
        "Content-Type": "application/yaml; charset=utf-8",
        "Content-Disposition": 'attachment; filename="flightdeck.yaml"',
      },
    }),
});
