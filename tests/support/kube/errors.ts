/**
 * The API server's error answers: a `Status` object (kind, apiVersion, status, message, reason,
 * code, details) with the messages and details the real server uses (k8s.io/apimachinery's
 * api/errors and the authorization filter).
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: { continue?: string; resourceVersion?: string };
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A resource within its API group, as messages name it: `pods`, `rollouts.argoproj.io`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function groupResourceString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** An error the server answers with a Status (and, for 429, a Retry-After header). */
export class KubeStatusError extends Error {
  constructor(
    readonly status: Status,
    readonly headers: Record<string, string> = {},
  ) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = "KubeStatusError";
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function failure(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function detailsOf(gr: GroupResource, name: string): StatusDetails {
  return {
    ...(name ? { name } : {}),
    ...(gr.group ? { group: gr.group } : {}),
    kind: gr.resource,
  };
}

/** One field problem of a 422 Invalid answer (k8s.io/apimachinery/pkg/util/validation/field). */
export interface FieldError {
  type:
    "Invalid" | "TypeInvalid" | "Required" | "NotSupported" | "TooLong" | "TooMany" | "Forbidden";
  field: string;
  value?: unknown;
  detail?: string;
}

const FIELD_ERROR: Record<
  FieldError["type"],
  { reason: string; text: string; showValue: boolean }
> = {
  Invalid: { reason: "FieldValueInvalid", text: "Invalid value", showValue: true },
  TypeInvalid: { reason: "FieldValueTypeInvalid", text: "Invalid value", showValue: true },
  Required: { reason: "FieldValueRequired", text: "Required value", showValue: false },
  NotSupported: { reason: "FieldValueNotSupported", text: "Unsupported value", showValue: true },
  TooLong: { reason: "FieldValueTooLong", text: "Too long", showValue: false },
  TooMany: { reason: "FieldValueTooMany", text: "Too many", showValue: false },
  Forbidden: { reason: "FieldValueForbidden", text: "Forbidden", showValue: false },
};

/** Go's %v/%q of a bad value, as the server prints it. */
function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "null";
  return JSON.stringify(value);
}

/** The message of one field error without its field: `Invalid value: "x": must be …`. */
export function fieldErrorBody(e: FieldError): string {
  const t = FIELD_ERROR[e.type];
  let s = t.text;
  if (t.showValue && e.value !== undefined) s += `: ${formatValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export const KubeErrors = {
  notFound(gr: GroupResource, name: string): KubeStatusError {
    const what = name
      ? `${groupResourceString(gr)} ${JSON.stringify(name)}`
      : groupResourceString(gr);
    return new KubeStatusError(failure(404, "NotFound", `${what} not found`, detailsOf(gr, name)));
  },

  /** A path that names no API resource. */
  noSuchResource(): KubeStatusError {
    return new KubeStatusError(
      failure(404, "NotFound", "the server could not find the requested resource", {}),
    );
  },

  alreadyExists(gr: GroupResource, name: string): KubeStatusError {
    return new KubeStatusError(
      failure(
        409,
        "AlreadyExists",
        `${groupResourceString(gr)} ${JSON.stringify(name)} already exists`,
        detailsOf(gr, name),
      ),
    );
  },

  conflict(
    gr: GroupResource,
    name: string,
    why = "the object has been modified; please apply your changes to the latest version and try again",
  ): KubeStatusError {
    return new KubeStatusError(
      failure(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${groupResourceString(gr)} ${JSON.stringify(name)}: ${why}`,
        detailsOf(gr, name),
      ),
    );
  },

  /** 422: `Rollout.argoproj.io "x" is invalid: spec.replicas: Invalid value: …`. */
  invalid(kind: string, group: string, name: string, errors: FieldError[]): KubeStatusError {
    const qualified = group ? `${kind}.${group}` : kind;
    const parts = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
    const list = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
    return new KubeStatusError(
      failure(422, "Invalid", `${qualified} ${JSON.stringify(name)} is invalid: ${list}`, {
        name,
        ...(group ? { group } : {}),
        kind,
        causes: errors.map((e) => ({
          reason: FIELD_ERROR[e.type].reason,
          message: fieldErrorBody(e),
          field: e.field,
        })),
      }),
    );
  },

  /** A 422 the server gives without a kind (a JSON patch that does not apply). */
  unprocessable(serverMessage: string): KubeStatusError {
    return new KubeStatusError(
      failure(422, "Invalid", "the server rejected our request due to an error in our request", {
        causes: [{ reason: "UnexpectedServerResponse", message: serverMessage }],
      }),
    );
  },

  badRequest(message: string): KubeStatusError {
    return new KubeStatusError(failure(400, "BadRequest", message));
  },

  unauthorized(): KubeStatusError {
    return new KubeStatusError(failure(401, "Unauthorized", "Unauthorized"));
  },

  /**
   * 403 as the authorization filter words it: `nodes is forbidden: User "u" cannot list
   * resource "nodes" in API group "" at the cluster scope`.
   */
  forbidden(a: {
    user: string;
    verb: string;
    group: string;
    resource: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  }): KubeStatusError {
    const gr = { group: a.group, resource: a.resource };
    const target = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope = a.namespace
      ? `in the namespace ${JSON.stringify(a.namespace)}`
      : "at the cluster scope";
    const why = `User ${JSON.stringify(a.user)} cannot ${a.verb} resource ${JSON.stringify(target)} in API group ${JSON.stringify(a.group)} ${scope}`;
    const what = a.name
      ? `${groupResourceString(gr)} ${JSON.stringify(a.name)}`
      : groupResourceString(gr);
    return new KubeStatusError(
      failure(403, "Forbidden", `${what} is forbidden: ${why}`, detailsOf(gr, a.name ?? "")),
    );
  },

  methodNotSupported(gr: GroupResource, verb: string): KubeStatusError {
    return new KubeStatusError(
      failure(
        405,
        "MethodNotAllowed",
        `${verb} is not supported on resources of kind ${JSON.stringify(groupResourceString(gr))}`,
        detailsOf(gr, ""),
      ),
    );
  },

  notAcceptable(message: string): KubeStatusError {
    return new KubeStatusError(failure(406, "NotAcceptable", message));
  },

  unsupportedMediaType(accepted: string[]): KubeStatusError {
    return new KubeStatusError(
      failure(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
      ),
    );
  },

  /** 410 Gone, reason Expired: a continue token or resource version older than the history. */
  expired(message: string, continueToken?: string): KubeStatusError {
    const status = failure(410, "Expired", message);
    if (continueToken) status.metadata = { continue: continueToken };
    return new KubeStatusError(status);
  },

  tooManyRequests(retryAfterSeconds: number): KubeStatusError {
    return new KubeStatusError(
      failure(429, "TooManyRequests", "Too many requests, please try again later.", {
        retryAfterSeconds,
      }),
      { "Retry-After": String(retryAfterSeconds) },
    );
  },

  internal(message: string): KubeStatusError {
    return new KubeStatusError(
      failure(500, "InternalError", `Internal error occurred: ${message}`, {
        causes: [{ message }],
      }),
    );
  },

  serviceUnavailable(message: string, retryAfterSeconds?: number): KubeStatusError {
    return new KubeStatusError(
      failure(503, "ServiceUnavailable", message, retryAfterSeconds ? { retryAfterSeconds } : {}),
      retryAfterSeconds ? { "Retry-After": String(retryAfterSeconds) } : {},
    );
  },

  tooLarge(message: string): KubeStatusError {
    return new KubeStatusError(failure(413, "RequestEntityTooLarge", message));
  },
};

/** The messages of 410 answers, word for word. */
export const EXPIRED_CONTINUE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

export function tooOldResourceVersion(requested: number, oldest: number): string {
  return `too old resource version: ${requested} (${oldest})`;
}
