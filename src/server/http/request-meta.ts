import "server-only";
import { randomUUID } from "node:crypto";
import type { RequestMeta } from "@/server/services/context";

/**
 * Request id and client address. X-Forwarded-For is written by the client too, so only the
 * entries added by our own proxies count: Next.js appends the TCP peer, and each of the
 * FLIGHTDECK_TRUSTED_PROXIES (default 0) proxies in front of it appends one more.
 */
export function metaFromHeaders(
  h: Headers,
  trustedProxies = Number(process.env.FLIGHTDECK_TRUSTED_PROXIES ?? 0),
): RequestMeta {
  const requestId = h.get("x-request-id")?.slice(0, 100) || randomUUID();
  const hops = (h.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const clientIp =
    hops[Math.max(0, hops.length - 1 - trustedProxies)] ?? h.get("x-real-ip") ?? null;
  return { requestId, clientIp };
}

export async function currentRequestMeta(): Promise<RequestMeta> {
  const { headers } = await import("next/headers");
  return metaFromHeaders(await headers());
}
