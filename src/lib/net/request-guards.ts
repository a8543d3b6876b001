// Requests the listener refuses before Next.js sees them: Next.js answers both with a bare 500
// (outside any route's error handling), where the client's mistake deserves a 4xx that says what.

/** The largest server action body Next.js accepts (next.config.ts `bodySizeLimit`, "3mb"). */
export const ACTION_BODY_LIMIT_BYTES = 3 * 1024 * 1024;

/**
 * Why the request is refused, with its status, or null to pass it on: a path that is not valid
 * percent-encoded UTF-8 (400), or a server action body declared larger than the limit (413).
 */
export function refuseRequest(req: {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}): { status: 400 | 413; message: string } | null {
  const pathname = (req.url ?? "/").split("?")[0] ?? "/";
  try {
    decodeURIComponent(pathname);
  } catch {
    return { status: 400, message: "The path is not valid percent-encoded UTF-8." };
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
