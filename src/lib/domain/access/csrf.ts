const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF rule for state-changing requests: a browser request must come from our own origin
 * (or an explicitly allowed one); a request without an Origin must carry a bearer token,
 * which marks automation rather than a browser. Returns the reason to refuse, or null.
 */
export function originRefusal(
  req: { method: string; headers: Headers; url: string },
  allowedOrigins: readonly string[] = [],
): string | null {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  const origin = req.headers.get("origin");
  const hasBearer = /^Bearer\s+\S+/i.test(req.headers.get("authorization") ?? "");
  if (!origin) {
    return hasBearer ? null : "State-changing requests need an Origin header or a bearer token.";
  }
  const allowed = new Set<string>([new URL(req.url).origin, ...allowedOrigins]);
  // Behind a chain of proxies these headers list one value per hop; the first is the client's.
  const first = (name: string) => req.headers.get(name)?.split(",")[0]?.trim() || null;
  const host = first("x-forwarded-host") ?? first("host");
  if (host) {
    const proto = first("x-forwarded-proto") ?? new URL(req.url).protocol.replace(":", "");
    allowed.add(`${proto}://${host}`);
  }
  return allowed.has(origin) ? null : `Requests from ${origin} are not allowed.`;
}

export function parseAllowedOrigins(spec: string | undefined): string[] {
  return (spec ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
}
