import { NextResponse, type NextRequest } from "next/server";
import { apiRoute, cappedText, jsonBody } from "@/server/http/api-route";
import { importSloYaml } from "@/server/slos/documents";
import { AppError } from "@/server/errors";
import { sloImportSchema } from "@/lib/schemas/slos";

/** Room for the 1 MB of YAML an import may hold; a larger body is refused before it is read. */
const MAX_IMPORT_BYTES = 1024 * 1024;

async function yamlBody(req: NextRequest): Promise<string> {
  const type = req.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    return sloImportSchema.parse(await jsonBody(req, { maxBytes: MAX_IMPORT_BYTES })).yaml;
  }
  if (/yaml|text\/plain/.test(type)) {
    return sloImportSchema.parse({ yaml: await cappedText(req, MAX_IMPORT_BYTES) }).yaml;
  }
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
