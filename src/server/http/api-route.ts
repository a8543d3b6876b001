import "server-only";
import { log } from "@/lib/telemetry/log";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import type { Permission } from "@/lib/domain/access/policy";
import { ERROR_STATUS, fieldErrors, type ErrorCode } from "@/lib/schemas/errors";
import { NUL_MESSAGE, nulPath } from "@/lib/schemas/nul";
import { getActor, type Actor } from "@/server/auth/session";
import { AppError, databaseUnavailable } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { recordDenial } from "@/server/access/audit-log";
import type { RequestMeta } from "@/server/http/request-meta";
import { authenticateBearer } from "@/server/access/tokens";
import { metaFromHeaders } from "@/server/http/request-meta";
import { originRefusal, parseAllowedOrigins } from "@/lib/domain/access/csrf";

export function apiError(
  code: ErrorCode,
  message: string,
  meta: RequestMeta,
  fields?: Record<string, string>,
) {
  return NextResponse.json(
    { error: { code, message, ...(fields ? { fields } : {}), requestId: meta.requestId } },
    {
      status: ERROR_STATUS[code],
      headers:
        code === "UNAUTHENTICATED" ? { "WWW-Authenticate": 'Bearer realm="flightdeck"' } : {},
    },
  );
}

export interface RouteContext<P> {
  actor: Actor;
  meta: RequestMeta;
  req: NextRequest;
  params: P;
}

/**
 * The chain every /api/v1 route goes through: refuse foreign origins on state changes,
 * authenticate a bearer token or the session cookie, authorize, run, and map errors to
 * JSON with a status. Refused mutations are audited.
 */
export function apiRoute<P = Record<string, string>>(def: {
  /** the audit action name of a mutating route, e.g. "model_version.register" */
  action?: string;
  permission: Permission;
  targetType: string;
  handler: (ctx: RouteContext<P>) => Promise<Response>;
}) {
  return async (req: NextRequest, context: { params: Promise<P> }): Promise<Response> => {
    const meta = metaFromHeaders(req.headers);
    let params: P;
    try {
      params = await context.params;
    } catch {
      // Next.js decodes path segments here: one that is not UTF-8 (%ED%A0%80) fails to.
      return apiError(
        "INVALID_INPUT",
        "The path holds a segment that is not valid percent-encoded UTF-8.",
        meta,
        { path: "not valid percent-encoded UTF-8" },
      );
    }
    const mutating = !["GET", "HEAD", "OPTIONS"].includes(req.method);
    const deny = async (
      actor: Actor | null,
      code: "UNAUTHENTICATED" | "FORBIDDEN",
      reason: string,
    ) => {
      if (mutating && def.action) {
        await recordDenial(actor, meta, { action: def.action, targetType: def.targetType, reason });
      }
      return apiError(code, reason, meta);
    };

    const refusal = originRefusal(req, parseAllowedOrigins(process.env.FLIGHTDECK_ALLOWED_ORIGINS));
    if (refusal) return deny(null, "FORBIDDEN", refusal);

    const authorization = req.headers.get("authorization");
    let actor: Actor | null = null;
    try {
      // Who is calling reads the database too: inside the try, so an outage answers 503.
      if (authorization) {
        actor = await authenticateBearer(authorization);
        if (!actor)
          return deny(null, "UNAUTHENTICATED", "The API token is invalid, expired or revoked.");
      } else {
        actor = await getActor();
        if (!actor)
          return deny(null, "UNAUTHENTICATED", "Send Authorization: Bearer <token> or sign in.");
      }
      assertAllowed(actor, def.permission);
      refuseNulCharacters(params, req.nextUrl.searchParams);
      return await def.handler({ actor, meta, req, params });
    } catch (error) {
      if (error instanceof AppError) {
        if (error.code === "FORBIDDEN" || error.code === "UNAUTHENTICATED") {
          return deny(actor, error.code, error.message);
        }
        return apiError(error.code, error.message, meta);
      }
      if (error instanceof z.ZodError) {
        const fields = fieldErrors(error);
        return apiError(
          "INVALID_INPUT",
          Object.values(fields)[0] ?? "Invalid input.",
          meta,
          fields,
        );
      }
      const unavailable = databaseUnavailable(error);
      if (unavailable) {
        log().warn(
          { requestId: meta.requestId, method: req.method, path: req.nextUrl.pathname, err: error },
          "An API request found the database busy or unreachable",
        );
        return apiError("UNAVAILABLE", unavailable.message, meta);
      }
      log().error(
        { requestId: meta.requestId, method: req.method, path: req.nextUrl.pathname, err: error },
        "An API request failed with an internal error",
      );
      return apiError(
        "INTERNAL",
        "The request failed on the server; nothing is reported as done.",
        meta,
      );
    }
  };
}

/**
 * Parses one path or query parameter so that a refusal names it: `fields: { version: … }`
 * rather than `fields: { _: … }`, which would leave the caller guessing which one was wrong.
 */
export function parseParam<S extends z.ZodType>(
  name: string,
  schema: S,
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new z.ZodError(
    result.error.issues.map((issue) => ({ ...issue, path: [name, ...issue.path] })),
  );
}

function nulError(path: (string | number)[], input: unknown): z.ZodError {
  return new z.ZodError([{ code: "custom", path, message: NUL_MESSAGE, input }]);
}

/**
 * PostgreSQL text cannot hold NUL, so a parameter with one fails the query it reaches (a 500);
 * refused here, by name, before any handler reads it.
 */
function refuseNulCharacters(params: unknown, query: URLSearchParams): void {
  for (const [name, value] of Object.entries((params ?? {}) as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === "string" && v.includes("\u0000")))
      throw nulError([name], value);
  }
  for (const [name, value] of query) {
    if (name.includes("\u0000") || value.includes("\u0000")) throw nulError([name], value);
  }
}

/** The default cap on a JSON body: far above any legitimate request. */
const MAX_JSON_BYTES = 1024 * 1024;

/** Reads the body up to `maxBytes`, refusing a larger one without reading it all. */
export async function cappedText(req: NextRequest, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new AppError("TOO_LARGE", `The request body is larger than ${maxBytes / 1024} KiB.`);
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge();
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads a JSON body, refusing anything that is not JSON, or too large, with a clear 4xx. */
export async function jsonBody(
  req: NextRequest,
  { maxBytes = MAX_JSON_BYTES }: { maxBytes?: number } = {},
): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.includes("application/json")) {
    throw new AppError("INVALID_INPUT", "Send the body as JSON (Content-Type: application/json).");
  }
  const text = await cappedText(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new AppError("INVALID_INPUT", "The request body is not valid JSON.");
  }
  // Walked only when the text can hold a NUL at all: an escape or the raw character.
  const nul = text.includes("\\u0000") || text.includes("\u0000") ? nulPath(value) : null;
  if (nul) throw nulError(nul, null);
  return value;
}
