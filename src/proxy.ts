import { NextResponse, type NextRequest } from "next/server";
import { originRefusal, parseAllowedOrigins } from "@/lib/domain/access/csrf";
import { PATHNAME_HEADER } from "@/lib/domain/navigation/page-objects";
import { ERROR_STATUS } from "@/lib/schemas/errors";

/**
 * Auth.js's own routes: refuse state-changing requests from foreign origins, or without an
 * Origin and without a bearer token. Our /api/v1 routes apply the same rule themselves (and
 * audit refusals); no route relies on this file for access decisions.
 *
 * Every request: the path in a header for app/(dashboard)/template.tsx, which has no params of
 * its own (whatever a client sent under that name is replaced).
 */
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (pathname === "/api/auth" || pathname.startsWith("/api/auth/")) {
    const refusal = originRefusal(
      request,
      parseAllowedOrigins(process.env.FLIGHTDECK_ALLOWED_ORIGINS),
    );
    if (refusal) {
      return NextResponse.json(
        { error: { code: "FORBIDDEN", message: refusal } },
        { status: ERROR_STATUS.FORBIDDEN },
      );
    }
  }
  const headers = new Headers(request.headers);
  headers.set(PATHNAME_HEADER, pathname);
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
