import { NextRequest } from "next/server";
import { handlers } from "@/server/auth/config";

/**
 * Auth.js builds OAuth redirect URIs from the request URL, but `next start` reports its listen
 * address there (http://0.0.0.0:3000), while sign-in (a server action) uses the Host header.
 * Give the route the origin the browser used, so the redirect URI matches at both ends of an
 * SSO sign-in. (Next.js still spells loopback addresses as "localhost".) AUTH_URL, when set,
 * takes precedence inside Auth.js.
 */
function withBrowserOrigin(req: NextRequest): NextRequest {
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (!host || process.env.AUTH_URL) return req;
  const proto = req.headers.get("x-forwarded-proto") ?? req.nextUrl.protocol.replace(":", "");
  const origin = `${proto.split(",")[0]?.trim()}://${host}`;
  return new NextRequest(req.nextUrl.href.replace(req.nextUrl.origin, origin), req);
}

export const GET = (req: NextRequest) => handlers.GET(withBrowserOrigin(req));
export const POST = (req: NextRequest) => handlers.POST(withBrowserOrigin(req));
