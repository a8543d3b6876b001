import { NextResponse } from "next/server";
import { apiRoute, jsonBody } from "@/server/http/api-route";
import { registerModelVersionSchema } from "@/lib/schemas/model-version";
import { registerModelVersion } from "@/server/models/register-version";

/** CI registers a model version: `POST /api/v1/models/{model}/versions` with a team token. */
export const POST = apiRoute<{ model: string }>({
  action: "model_version.register",
  permission: "model.register",
  targetType: "model_version",
  handler: async ({ actor, meta, req, params }) => {
    const input = registerModelVersionSchema.parse(await jsonBody(req));
    const result = await registerModelVersion(actor, meta, params.model, input);
    return NextResponse.json(result.version, { status: result.created ? 201 : 200 });
  },
});
