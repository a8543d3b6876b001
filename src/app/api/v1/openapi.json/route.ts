import { NextResponse } from "next/server";
import { openApiDocument } from "./operations";

/**
 * The OpenAPI 3.1 description of /api/v1. Public, like most API references: it holds no
 * secrets, and tools (client generators, API explorers) fetch it without credentials.
 */
export function GET() {
  return NextResponse.json(openApiDocument(), {
    headers: { "Cache-Control": "public, max-age=300" },
  });
}
