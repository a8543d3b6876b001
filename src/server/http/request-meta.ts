import "server-only";
import { randomUUID } from "node:crypto";
import { CLIENT_ADDRESS_HEADER } from "@/lib/net/client-address";

/** Where a request came from, recorded with every audit event. */
export interface RequestMeta {
  requestId: string;
  clientIp: string | null;
}

/**
 * Request id and client address. The address is the one our web server (scripts/web.ts) took
 * from the TCP peer, or from X-Forwarded-For only as far as FLIGHTDECK_TRUSTED_PROXIES allows;
 * it drops any value a client sends under the same header. X-Forwarded-For itself is never
 * read here: Next.js passes a client's own value through unchanged.
 */
export function metaFromHeaders(h: Headers): RequestMeta {
  const requestId = h.get("x-request-id")?.slice(0, 100) || randomUUID();
  const clientIp = h.get(CLIENT_ADDRESS_HEADER)?.slice(0, 100) || null;
  return { requestId, clientIp };
}

export async function currentRequestMeta(): Promise<RequestMeta> {
  const { headers } = await import("next/headers");
  return metaFromHeaders(await headers());
}
