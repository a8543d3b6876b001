import type { z } from "zod";

/**
 * The one list of error codes, each with the HTTP status an API response carries for it.
 * Services throw them (AppError), server actions return them (ActionResult), /api/v1 answers
 * with them, and the OpenAPI document publishes them: all derive from this list.
 */
export const ERROR_CODES = [
  { code: "UNAUTHENTICATED", status: 401 },
  { code: "FORBIDDEN", status: 403 },
  { code: "NOT_FOUND", status: 404 },
  { code: "INVALID_INPUT", status: 422 },
  { code: "CONFLICT", status: 409 },
  { code: "TOO_LARGE", status: 413 },
  { code: "UNAVAILABLE", status: 503 },
  { code: "INTERNAL", status: 500 },
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number]["code"];
export type ErrorStatus<C extends ErrorCode = ErrorCode> = Extract<
  (typeof ERROR_CODES)[number],
  { code: C }
>["status"];

export const ERROR_STATUS = Object.fromEntries(ERROR_CODES.map((e) => [e.code, e.status])) as {
  readonly [C in ErrorCode]: ErrorStatus<C>;
};

/** The first message per field ("_" for the whole input), for forms and API error bodies. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  // Collected in a Map: on a plain object a field named "constructor" or "__proto__" reads as
  // the inherited one, and `??=` skipped it (such refusals named no field at all). Object.fromEntries
  // makes them own keys of a plain object, which React can still send to the browser.
  const fields = new Map<string, string>();
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "_";
    if (!fields.has(key)) fields.set(key, issue.message);
  }
  return Object.fromEntries(fields);
}
