import { NextResponse, type NextRequest } from "next/server";
import { apiRoute, cappedText } from "@/server/http/api-route";
import { applyConfigAs } from "@/server/config/api";
import { AppError } from "@/server/errors";
import { configApplyQuerySchema } from "@/lib/schemas/config";

/** Room for a large fleet's file; a larger body is refused before it is read. */
const MAX_CONFIG_BYTES = 1024 * 1024;

async function configBody(req: NextRequest): Promise<string> {
  const type = req.headers.get("content-type") ?? "";
  // JSON is YAML too: one reader, and its messages name the line.
  if (/json|yaml|text\/plain/.test(type)) return cappedText(req, MAX_CONFIG_BYTES);
  throw new AppError(
    "INVALID_INPUT",
    "Send flightdeck.yaml as application/yaml (or text/plain), or the same document as application/json.",
  );
}

/**
 * `POST /api/v1/config/apply[?dryRun=true][&prune=true]` with `flightdeck.yaml`: the changes
 * field by field, applied all in one transaction with one audit record, or none. Admins only.
 */
export const POST = apiRoute({
  action: "config.apply",
  permission: "settings.manage",
  targetType: "fleet_config",
  handler: async ({ actor, meta, req }) => {
    const query = configApplyQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
    const text = await configBody(req);
    return NextResponse.json(await applyConfigAs(actor, meta, text, query));
  },
});
