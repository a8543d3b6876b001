import { z } from "zod";
import { apiRoute } from "@/server/http/api-route";
import { exportSloYaml, sloRulesYaml } from "@/server/services/slo-documents";

const exportQuery = z.object({
  format: z.enum(["openslo", "flightdeck", "prometheus"]).default("openslo"),
  team: z.string().max(100).optional(),
  service: z.string().max(100).optional(),
  /** comma-separated SLO names */
  names: z
    .string()
    .max(10_000)
    .optional()
    .transform((v) => (v ? v.split(",").filter(Boolean) : undefined)),
});

/**
 * `GET /api/v1/slos/export?format=openslo|flightdeck|prometheus&team=&service=&names=`:
 * multi-document YAML of the matching SLOs.
 */
export const GET = apiRoute({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, req }) => {
    const q = exportQuery.parse(Object.fromEntries(req.nextUrl.searchParams));
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
