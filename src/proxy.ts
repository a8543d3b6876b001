import { NextResponse, type NextRequest } from "next/server";
import { originRefusal, parseAllowedOrigins } from "@/lib/domain/csrf";

/**
 * Auth.js's own routes: refuse state-changing requests from foreign origins, or without an
 * Origin and without a bearer token. Our /api/v1 routes apply the same rule themselves (and
 * audit refusals); no route relies on this file for access decisions.
 */
export function proxy(request: NextRequest) {
  const refusal = originRefusal(
    request,
    parseAllowedOrigins(process.env.FLIGHTDECK_ALLOWED_ORIGINS),
  );
  if (refusal) {
    return NextResponse.json({ error: { code: "FORBIDDEN", message: refusal } }, { status: 403 });
  }
  return NextResponse.next();
}

export const config = { matcher: ["/api/auth/:path*"] };
