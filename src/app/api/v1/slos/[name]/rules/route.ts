import { apiRoute } from "@/server/http/api-route";
import { sloRulesYaml } from "@/server/slos/documents";
import { AppError } from "@/server/errors";

/** `GET /api/v1/slos/{name}/rules`: the SLO's Prometheus rules, ready for `promtool`. */
export const GET = apiRoute<{ name: string }>({
  permission: "fleet.read",
  targetType: "slo",
  handler: async ({ actor, params }) => {
    let yaml: string;
    try {
      yaml = await sloRulesYaml(actor, { names: [params.name] });
    } catch (error) {
      // The service speaks of filters ("No SLOs match."); this route asked for one name.
      if (error instanceof AppError && error.code === "NOT_FOUND")
        throw new AppError("NOT_FOUND", `No SLO named ${params.name}.`);
      throw error;
    }
    return new Response(yaml, {
      headers: {
        "Content-Type": "application/yaml; charset=utf-8",
        "Content-Disposition": `attachment; filename="${params.name}.rules.yaml"`,
      },
    });
  },
});
