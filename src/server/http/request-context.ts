import "server-only";

/** Where a request came from, recorded with every audit event. */
export interface RequestMeta {
  requestId: string;
  clientIp: string | null;
}
