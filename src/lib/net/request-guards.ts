// Requests the listener refuses before Next.js sees them: Next.js answers both with a bare 500
// (outside any route's error handling), where the client's mistake deserves a 4xx that says what.

/** The largest server action body Next.js accepts (next.config.ts `bodySizeLimit`, "3mb"). */
export const ACTION_BODY_LIMIT_BYTES = 3 * 1024 * 1024;

/**
 * Why the request is refused, with its status, or null to pass it on: a path that is not valid
 * percent-encoded UTF-8 (400; 422 in the API's JSON error shape under /api/), or a server action
 * body declared larger than the limit (413).
 */
export function refuseRequest(
  req: {
    method?: string;
    url?: string;
    headers: Record<string, string | string[] | undefined>;
  },
  /** the route pattern the path matched (`/api/v1/promotions/[number]`), to name a parameter */
  route = "",
): { status: 400 | 413 | 422; message: string; json?: unknown } | null {
  const pathname = (req.url ?? "/").split("?")[0] ?? "/";
  const segments = pathname.split("/");
  const bad = segments.findIndex((segment) => {
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  });
  if (bad >= 0) {
    const message = "The path holds a segment that is not valid percent-encoded UTF-8.";
    // the API answers in its own error shape, naming the parameter (as api-route.ts does)
    if (pathname.startsWith("/api/")) {
      const param = /^\[(?:\.\.\.)?([A-Za-z0-9_]+)\]$/.exec(route.split("/")[bad] ?? "")?.[1];
      return {
        status: 422,
        message,
        json: {
          error: {
            code: "INVALID_INPUT",
            message,
            fields: { [param ?? "path"]: "not valid percent-encoded UTF-8" },
          },
        },
      };
    }
    return { status: 400, message };
  }
  const length = Number(req.headers["content-length"]);
  if (req.method === "POST" && req.headers["next-action"] && length > ACTION_BODY_LIMIT_BYTES) {
    return {
      status: 413,
      message: `The request body is ${length} bytes; a form submits at most ${ACTION_BODY_LIMIT_BYTES} (3 MiB).`,
    };
  }
  return null;
}
