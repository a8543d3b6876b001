import "server-only";
import { randomUUID } from "node:crypto";
import type { RequestMeta } from "@/server/services/context";

/** Request id and client address from headers (behind a proxy: X-Forwarded-For's first hop). */
export function metaFromHeaders(h: Headers): RequestMeta {
  const requestId = h.get("x-request-id")?.slice(0, 100) || randomUUID();
  const forwarded = h.get("x-forwarded-for")?.split(",")[0]?.trim();
  const clientIp = forwarded || h.get("x-real-ip") || null;
  return { requestId, clientIp };
}

export async function currentRequestMeta(): Promise<RequestMeta> {
  const { headers } = await import("next/headers");
  return metaFromHeaders(await headers());
}
