import type { ErrorCode } from "./errors";

/** What every server action returns: data, or an error that is safe to show. */
export type ActionResult<T> =
  | { ok: true; data: T }
  | {
      ok: false;
      error: { code: ErrorCode; message: string; fields?: Record<string, string> };
    };
