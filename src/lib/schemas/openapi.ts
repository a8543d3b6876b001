import { z } from "zod";
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import { ERROR_CODES, ERROR_STATUS, type ErrorCode, type ErrorStatus } from "./errors";

/**
 * Builds the OpenAPI 3.1 description of /api/v1 from small declarative operation entries and
 * the zod schemas the routes validate with, so the document cannot drift from validation.
 * The entries themselves live beside the route that serves the document.
 */

export type JsonSchema = z.core.JSONSchema.JSONSchema;

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The body of every /api/v1 error response, as `apiError` writes it. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES.map((e) => e.code)),
    message: z.string().describe("What went wrong, safe to show to a person."),
    fields: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'With INVALID_INPUT from schema validation: the first problem per field path ("_" for the whole body).',
      ),
    requestId: z
      .string()
      .describe(
        "The request's X-Request-Id (sent by the caller or generated); quote it in reports.",
      ),
  }),
});

/** A schema published under components.schemas and referenced by name. */
export interface NamedSchema {
  readonly name: string;
  readonly schema: z.ZodType;
}

export function named(name: string, schema: z.ZodType): NamedSchema {
  return { name, schema };
}

const ERROR = named("Error", apiErrorSchema);

export interface ApiParam {
  schema: z.ZodType;
  description: string;
  required?: boolean;
}

export interface ApiResponse {
  description: string;
  /** the JSON body's schema, where one is written down */
  schema?: NamedSchema;
  /** media types of the body: application/json unless given; none for 204 */
  mediaTypes?: readonly string[];
}

/**
 * Statuses an operation declares itself: 401 and 403 are added to every authenticated one, and
 * 500 is never documented.
 */
export type ApiErrorStatus = ErrorStatus<
  Exclude<ErrorCode, "UNAUTHENTICATED" | "FORBIDDEN" | "INTERNAL">
>;

export interface ApiOperation<P extends string = string> {
  method: HttpMethod;
  /** OpenAPI style, e.g. /api/v1/models/{model}/versions */
  path: string;
  /** stable, for generated clients */
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** "public", or the permission the route checks (a token may call it if it is one of its scopes) */
  access: "public" | { permission: P };
  /** description of each `{param}` in the path */
  pathParams?: Record<string, string>;
  /** the zod object the route parses the query string with: one parameter per property */
  query?: z.ZodType;
  /** descriptions of `query`'s properties */
  queryDescriptions?: Record<string, string>;
  /** query parameters the route reads one at a time */
  queryParams?: Record<string, ApiParam>;
  body?: {
    /** the schema the route (or its service) parses the JSON body with */
    schema: NamedSchema;
    description?: string;
    /** further media types whose body is taken as plain text, e.g. application/yaml */
    textMediaTypes?: readonly string[];
  };
  responses: Partial<Record<200 | 201 | 204, ApiResponse>>;
  /** the error statuses this operation answers besides 401 and 403, and why */
  errors?: Partial<Record<ApiErrorStatus, string>>;
}

export interface OpenApiParameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiMediaType {
  schema?: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, OpenApiMediaType>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: {
    required: true;
    description?: string;
    content: Record<string, OpenApiMediaType>;
  };
  responses: Record<string, OpenApiResponse>;
}

export type OpenApiSecurityScheme =
  | { type: "http"; scheme: "bearer"; description: string }
  | { type: "apiKey"; in: "cookie"; name: string; description: string };

/**
 * A request Flightdeck makes to someone else's URL (OpenAPI 3.1 `webhooks`): the body it sends,
 * the headers that come with it, and what the receiver should answer.
 */
export interface ApiWebhook {
  /** the key under `webhooks`, e.g. "notification" */
  name: string;
  operationId: string;
  summary: string;
  description: string;
  tags: readonly string[];
  body: NamedSchema;
  headers: Record<string, string>;
  /** what the receiver's answers mean to Flightdeck, by status */
  responses: Record<string, string>;
}

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<Lowercase<HttpMethod>, OpenApiOperation>>>;
  webhooks?: Record<string, { post: OpenApiOperation }>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, OpenApiSecurityScheme>;
  };
}

export const SECURITY_SCHEMES = {
  apiToken: {
    type: "http",
    scheme: "bearer",
    description:
      "A team-scoped API token, sent as `Authorization: Bearer fdk_…`. Admins create tokens under " +
      "Admin → API tokens; the secret is shown once. A token may use exactly its scopes, and " +
      "change only its own team's objects.",
  },
  sessionCookie: {
    type: "apiKey",
    in: "cookie",
    name: "authjs.session-token",
    description:
      "The session of a user signed in to the web app (`__Secure-authjs.session-token` over " +
      "HTTPS); the user's role decides. State-changing requests must come from Flightdeck's own " +
      "origin.",
  },
} as const satisfies Record<string, OpenApiSecurityScheme>;

const ref = (s: NamedSchema): JsonSchema => ({ $ref: `#/components/schemas/${s.name}` });

/** A generated schema without the keys that belong to a standalone JSON Schema document. */
function embeddable(schema: JsonSchema, where: string): JsonSchema {
  const rest = { ...schema };
  delete rest.$schema;
  delete rest.$id;
  if (rest.$defs) throw new Error(`${where}: a schema with shared definitions cannot be inlined.`);
  return rest;
}

/** JSON Schema of what a caller sends (before transforms and defaults apply). */
function inputSchema(schema: z.ZodType, where: string): JsonSchema {
  return embeddable(z.toJSONSchema(schema, { io: "input" }), where);
}

/** The named schemas as components; a schema nested in another becomes a $ref to it. */
function componentSchemas(schemas: Map<string, z.ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of schemas) registry.add(schema, { id: name });
  const out = z.toJSONSchema(registry, {
    io: "input",
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas;
  return Object.fromEntries(
    Object.entries(out).map(([name, s]) => [name, embeddable(s, `components.schemas.${name}`)]),
  );
}

function accessText(access: ApiOperation["access"]): string {
  if (access === "public") return "Public: no credentials needed.";
  const p = access.permission;
  return (TOKEN_SCOPES as readonly string[]).includes(p)
    ? `Needs the \`${p}\` permission: an API token with that scope, or a signed-in user whose role grants it.`
    : `Needs the \`${p}\` permission, which only a signed-in user's role grants (API tokens cannot have it).`;
}

function security(access: ApiOperation["access"]): Record<string, string[]>[] {
  if (access === "public") return [];
  const p = access.permission;
  return (TOKEN_SCOPES as readonly string[]).includes(p)
    ? [{ apiToken: [p] }, { sessionCookie: [] }]
    : [{ sessionCookie: [] }];
}

const errorResponse = (description: string): OpenApiResponse => ({
  description,
  content: { "application/json": { schema: ref(ERROR) } },
});

function authErrors(method: HttpMethod): Record<string, OpenApiResponse> {
  const changes = method !== "GET";
  return {
    [ERROR_STATUS.UNAUTHENTICATED]: {
      ...errorResponse("No credentials, or an API token that is invalid, expired or revoked."),
      headers: {
        "WWW-Authenticate": {
          description: 'Bearer realm="flightdeck"',
          schema: { type: "string" },
        },
      },
    },
    [ERROR_STATUS.FORBIDDEN]: errorResponse(
      changes
        ? "The caller lacks the permission (a token: the scope), or the object belongs to another " +
            "team; or the request came from a foreign Origin, or carried neither an Origin nor a " +
            "bearer token (refused before authentication)."
        : "The caller lacks the permission (a token: the scope).",
    ),
  };
}

function parameters(op: ApiOperation): OpenApiParameter[] {
  const where = `${op.method} ${op.path}`;
  const inPath = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? "");
  const described = Object.keys(op.pathParams ?? {});
  if (inPath.join() !== described.join()) {
    throw new Error(`${where}: pathParams must describe ${inPath.join(", ") || "nothing"}.`);
  }
  const params: OpenApiParameter[] = inPath.map((name) => ({
    name,
    in: "path",
    required: true,
    description: op.pathParams?.[name] ?? "",
    schema: { type: "string" },
  }));
  if (op.query) {
    const object = inputSchema(op.query, `${where} query`);
    const properties = object.properties ?? {};
    for (const name of Object.keys(op.queryDescriptions ?? {})) {
      if (!(name in properties)) throw new Error(`${where}: the query has no "${name}".`);
    }
    for (const [name, schema] of Object.entries(properties)) {
      if (typeof schema === "boolean") continue;
      const description = op.queryDescriptions?.[name] ?? schema.description;
      params.push({
        name,
        in: "query",
        required: object.required?.includes(name) ?? false,
        ...(description ? { description } : {}),
        schema,
      });
    }
  }
  for (const [name, p] of Object.entries(op.queryParams ?? {})) {
    params.push({
      name,
      in: "query",
      required: p.required ?? false,
      description: p.description,
      schema: inputSchema(p.schema, `${where} ?${name}`),
    });
  }
  return params;
}

function responses(op: ApiOperation): Record<string, OpenApiResponse> {
  const out: Record<string, OpenApiResponse> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const types = r.mediaTypes ?? (status === "204" ? [] : ["application/json"]);
    const content = Object.fromEntries(
      types.map((type): [string, OpenApiMediaType] => [
        type,
        type === "application/json"
          ? r.schema
            ? { schema: ref(r.schema) }
            : {}
          : { schema: { type: "string" } },
      ]),
    );
    out[status] = { description: r.description, ...(types.length > 0 ? { content } : {}) };
  }
  if (op.access !== "public") Object.assign(out, authErrors(op.method));
  for (const [status, description] of Object.entries(op.errors ?? {})) {
    out[status] = errorResponse(description);
  }
  return out;
}

function operation(op: ApiOperation): OpenApiOperation {
  const params = parameters(op);
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: [op.description, accessText(op.access)].filter(Boolean).join("\n\n"),
    tags: [...op.tags],
    security: security(op.access),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            ...(op.body.description ? { description: op.body.description } : {}),
            content: {
              "application/json": { schema: ref(op.body.schema) },
              ...Object.fromEntries(
                (op.body.textMediaTypes ?? []).map((t) => [t, { schema: { type: "string" } }]),
              ),
            },
          },
        }
      : {}),
    responses: responses(op),
  };
}

/** Every schema an operation names, checking that one name means one schema object. */
function namedSchemas(
  operations: readonly ApiOperation[],
  webhooks: readonly ApiWebhook[] = [],
): Map<string, z.ZodType> {
  const byName = new Map<string, z.ZodType>([[ERROR.name, ERROR.schema]]);
  const byObject = new Map<z.ZodType, string>([[ERROR.schema, ERROR.name]]);
  const add = (s: NamedSchema) => {
    if (!/^[A-Za-z0-9._-]+$/.test(s.name)) throw new Error(`Bad component name "${s.name}".`);
    const known = byName.get(s.name);
    if (known && known !== s.schema) throw new Error(`Two schemas are named ${s.name}.`);
    const other = byObject.get(s.schema);
    if (other && other !== s.name) throw new Error(`One schema is named ${other} and ${s.name}.`);
    byName.set(s.name, s.schema);
    byObject.set(s.schema, s.name);
  };
  for (const op of operations) {
    if (op.body) add(op.body.schema);
    for (const r of Object.values(op.responses)) if (r.schema) add(r.schema);
  }
  for (const w of webhooks) add(w.body);
  return byName;
}

export function buildOpenApiDocument<P extends string>(def: {
  info: { title: string; version: string; description: string };
  /** every tag the operations use, with its description, in display order */
  tags: Record<string, string>;
  operations: readonly ApiOperation<P>[];
  webhooks?: readonly ApiWebhook[];
}): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  const operationIds = new Set<string>();
  for (const op of def.operations) {
    const where = `${op.method} ${op.path}`;
    if (!op.path.startsWith("/")) throw new Error(`${where}: paths start with "/".`);
    if (operationIds.has(op.operationId)) throw new Error(`${where}: ${op.operationId} is taken.`);
    operationIds.add(op.operationId);
    const unknownTag = op.tags.find((t) => !(t in def.tags));
    if (unknownTag) throw new Error(`${where}: declare the tag "${unknownTag}".`);
    const item = (paths[op.path] ??= {});
    const method = op.method.toLowerCase() as Lowercase<HttpMethod>;
    if (item[method]) throw new Error(`${where} is described twice.`);
    item[method] = operation(op);
  }
  return {
    openapi: "3.1.0",
    info: def.info,
    servers: [{ url: "/", description: "This Flightdeck" }],
    tags: Object.entries(def.tags).map(([name, description]) => ({ name, description })),
    paths,
    ...(def.webhooks && def.webhooks.length > 0
      ? {
          webhooks: Object.fromEntries(
            def.webhooks.map((w) => {
              const unknownTag = w.tags.find((t) => !(t in def.tags));
              if (unknownTag)
                throw new Error(`webhook ${w.name}: declare the tag "${unknownTag}".`);
              return [
                w.name,
                {
                  post: {
                    operationId: w.operationId,
                    summary: w.summary,
                    description: w.description,
                    tags: [...w.tags],
                    security: [],
                    parameters: Object.entries(w.headers).map(([name, description]) => ({
                      name,
                      in: "header" as const,
                      required: true,
                      description,
                      schema: { type: "string" },
                    })),
                    requestBody: {
                      required: true as const,
                      content: { "application/json": { schema: ref(w.body) } },
                    },
                    responses: Object.fromEntries(
                      Object.entries(w.responses).map(([status, description]) => [
                        status,
                        { description },
                      ]),
                    ),
                  },
                },
              ];
            }),
          ),
        }
      : {}),
    components: {
      schemas: componentSchemas(namedSchemas(def.operations, def.webhooks)),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
