import { NextResponse, type NextRequest } from "next/server";
import { apiRoute } from "@/server/http/api-route";
import { importSloYaml } from "@/server/services/slo-documents";
import { AppError } from "@/server/errors";
import { sloImportSchema } from "@/lib/schemas/slos";

async function yamlBody(req: NextRequest): Promise<string> {
  const type = req.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    const body: unknown = await req.json().catch(() => {
      throw new AppError("INVALID_INPUT", "The request body is not valid JSON.");
    });
    return sloImportSchema.parse(body).yaml;
  }
  if (/yaml|text\/plain/.test(type)) return sloImportSchema.parse({ yaml: await req.text() }).yaml;
  throw new AppError(
    "INVALID_INPUT",
    "Send the documents as application/yaml (or JSON with a `yaml` field).",
  );
}

/**
 * `POST /api/v1/slos/import` with OpenSLO v1 and/or Flightdeck SLO documents: all are applied
 * or none (problems name the document and field); applying the same file twice changes nothing.
 */
export const POST = apiRoute({
  action: "slo.import",
  permission: "slo.manage",
  targetType: "slo",
  handler: async ({ actor, meta, req }) =>
    NextResponse.json(await importSloYaml(actor, meta, await yamlBody(req))),
});
