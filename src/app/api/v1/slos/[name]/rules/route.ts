import { apiRoute } from "@/server/http/api-route";
import { sloRulesYaml } from "@/server/slos/documents";

/** `GET /api/v1/slos/{name}/rules`: the SLO's Prometheus rules, ready for `promtool`. */
export const GET = apiRoute<{ name: string }>({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, params }) =>
    new Response(await sloRulesYaml(actor, { names: [params.name] }), {
      headers: {
        "Content-Type": "application/yaml; charset=utf-8",
        "Content-Disposition": `attachment; filename="${params.name}.rules.yaml"`,
      },
    }),
});
