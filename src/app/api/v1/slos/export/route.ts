import { apiRoute } from "@/server/http/api-route";
import { exportSloYaml, sloRulesYaml } from "@/server/slos/documents";
import { sloExportQuerySchema } from "@/lib/schemas/slos";

/**
 * `GET /api/v1/slos/export?format=openslo|flightdeck|prometheus&team=&service=&names=`:
 * multi-document YAML of the matching SLOs.
 */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, req }) => {
    const q = sloExportQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
    const filter = { team: q.team || undefined, service: q.service || undefined, names: q.names };
    const yaml =
      q.format === "prometheus"
        ? await sloRulesYaml(actor, filter)
        : await exportSloYaml(actor, filter, q.format);
    const name = q.format === "prometheus" ? "slo-rules" : `slos-${q.format}`;
    return new Response(yaml, {
      headers: {
        "Content-Type": "application/yaml; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}.yaml"`,
      },
    });
  },
});
