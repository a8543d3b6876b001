import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  API_OPERATIONS,
  openApiDocument,
  type drainResponseSchema,
  type responseSchemas,
} from "@/app/api/v1/openapi.json/operations";
import {
  type apiErrorSchema,
  buildOpenApiDocument,
  named,
  type ApiOperation,
  type JsonSchema,
  type OpenApiOperation,
} from "@/lib/schemas/openapi";
import { registerModelVersionSchema } from "@/lib/schemas/model-version";
import type { Page } from "@/lib/domain/navigation/pagination";
import type { AppError } from "@/server/errors";
import type { ModelVersionDto } from "@/server/models/register-version";
import type { ChaosRow } from "@/server/fleet/chaos";
import type { ApplyResult } from "@/server/slos/definitions";
import type { ConfigOutcomeView } from "@/server/config/apply";
import type { DrainJson, DrainSummaryJson } from "@/app/api/v1/drains/json";
import packageJson from "../../../package.json";

const root = path.resolve(import.meta.dirname, "../../..");
const apiRoot = path.join(root, "src/app/api/v1");

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return /^route\.(ts|tsx|js)$/.test(entry) ? [full] : [];
  });
}

/** src/app/api/v1/models/[model]/versions/route.ts → /api/v1/models/{model}/versions */
function openApiPath(file: string): string {
  const segments = path
    .relative(path.join(root, "src/app"), path.dirname(file))
    .split(path.sep)
    .filter((s) => !/^\(.*\)$/.test(s)) // route groups are not part of the URL
    .map((s) => {
      if (s.startsWith("[...") || s.startsWith("[[")) {
        throw new Error(`${file}: describe catch-all segments by hand`);
      }
      return s.replace(/^\[(.+)\]$/, "{$1}");
    });
  return `/${segments.join("/")}`;
}

const METHOD = "GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS";

function exportedMethods(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const direct = [
    ...source.matchAll(
      new RegExp(`export\\s+(?:const|let|(?:async\\s+)?function)\\s+(${METHOD})\\b`, "g"),
    ),
  ].map((m) => m[1] ?? "");
  const listed = [...source.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) =>
    (m[1] ?? "")
      .split(",")
      .map(
        (part) =>
          part
            .trim()
            .split(/\s+as\s+/)
            .at(-1) ?? "",
      )
      .filter((name) => new RegExp(`^(${METHOD})$`).test(name)),
  );
  return [...direct, ...listed];
}

const routes = routeFiles(apiRoot).flatMap((file) =>
  exportedMethods(file).map((method) => `${method} ${openApiPath(file)}`),
);

const doc = openApiDocument();
const operations = Object.entries(doc.paths).flatMap(([p, item]) =>
  Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${p}`, op })),
);
const operationAt = (method: string, p: string): OpenApiOperation => {
  const op = doc.paths[p]?.[method as "get"];
  if (!op) throw new Error(`${method} ${p} is not documented`);
  return op;
};

/** Every value reachable from `value`, with its JSON pointer. */
function* walk(value: unknown, pointer = "#"): Generator<[string, unknown]> {
  yield [pointer, value];
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      yield* walk(child, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`);
    }
  }
}

function resolve(pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.replace(/^#\//, "").split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!node || typeof node !== "object" || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function component(name: string): JsonSchema {
  const schema = doc.components.schemas[name];
  if (!schema) throw new Error(`no component ${name}`);
  return schema;
}

/** Enough of JSON Schema for the registration round trip: required, closed, strings, numbers. */
function problems(schema: JsonSchema, value: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of schema.required ?? []) if (!(key in value)) out.push(`${key}: missing`);
  const properties = schema.properties ?? {};
  for (const [key, v] of Object.entries(value)) {
    const p = properties[key];
    if (p === undefined) {
      if (schema.additionalProperties === false) out.push(`${key}: not allowed`);
      continue;
    }
    if (typeof p === "boolean") continue;
    if (p.type === "string") {
      if (typeof v !== "string") out.push(`${key}: not a string`);
      else if (p.pattern && !new RegExp(p.pattern).test(v)) out.push(`${key}: pattern`);
      else if (p.minLength !== undefined && v.length < p.minLength) out.push(`${key}: short`);
    }
    if (p.type === "object") {
      const values = v && typeof v === "object" ? Object.values(v) : [];
      if (!v || typeof v !== "object") out.push(`${key}: not an object`);
      else if (values.some((x) => typeof x !== "number")) out.push(`${key}: not numbers`);
    }
  }
  return out;
}

const digest = (c: string) => c.repeat(64);
const validRegistration = {
  version: "7.0.0",
  imageDigest: `registry.flightdeck.internal/ranker-xl@sha256:${digest("1")}`,
  baseImageDigest: `registry.flightdeck.internal/serving-base@sha256:${digest("b")}`,
  artifactUri: "s3://ml-artifacts/ranker-xl/7.0.0/model.safetensors",
  trainingRunId: "run-1234abcd",
  datasetDigest: `sha256:${digest("d")}`,
  codeCommit: "c".repeat(40),
  evalMetrics: { "ndcg@10": 0.74, calibration_ece: 0.02 },
};

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with info, servers and security schemes", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "Flightdeck", version: packageJson.version });
    expect(doc.servers[0]?.url).toBe("/");
    expect(doc.components.securitySchemes.apiToken).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({
      type: "apiKey",
      in: "cookie",
    });
    expect(openApiDocument()).toBe(doc);
  });

  it("documents every route handler under src/app/api/v1, and nothing else", () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(routes).toContain("POST /api/v1/models/{model}/versions");
    const documented = operations.map((o) => o.key);
    // A new route needs an entry in API_OPERATIONS (src/app/api/v1/openapi.json/operations.ts).
    expect(
      routes.filter((r) => !documented.includes(r)),
      "undocumented routes",
    ).toEqual([]);
    expect(
      documented.filter((d) => !routes.includes(d)),
      "documented, but no route",
    ).toEqual([]);
  });

  it("has well-formed operations", () => {
    const tags = new Set(doc.tags.map((t) => t.name));
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { key, op } of operations) {
      const inPath = [...key.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const pathParams = (op.parameters ?? []).filter((p) => p.in === "path");
      expect(
        pathParams.map((p) => p.name),
        key,
      ).toEqual(inPath);
      expect(pathParams.every((p) => p.required)).toBe(true);
      for (const p of op.parameters ?? [])
        expect(p.schema.type ?? p.schema.anyOf, key).toBeTruthy();
      expect(op.summary, key).toBeTruthy();
      expect(
        op.tags.every((t) => tags.has(t)),
        key,
      ).toBe(true);
      for (const requirement of op.security) {
        for (const scheme of Object.keys(requirement)) {
          expect(doc.components.securitySchemes, key).toHaveProperty(scheme);
        }
      }
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => /^2\d\d$/.test(s)),
        key,
      ).toBe(true);
      for (const [status, r] of Object.entries(op.responses)) {
        expect(status, key).toMatch(/^[1-5]\d\d$/);
        expect(r.description, `${key} ${status}`).toBeTruthy();
      }
      if (op.security.length > 0)
        expect(statuses, key).toEqual(expect.arrayContaining(["401", "403"]));
      if (op.requestBody) expect(statuses, key).toContain("422");
    }
  });

  it("resolves every $ref, inside the document", () => {
    const refs = [...walk(doc)].flatMap(([, v]) =>
      v && typeof v === "object" && "$ref" in v ? [String(v.$ref)] : [],
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\//);
      expect(resolve(ref), ref).toBeDefined();
    }
  });

  it("holds only JSON values, and component schemas embed cleanly", () => {
    const bad = [...walk(doc)].filter(
      ([, v]) => v === undefined || typeof v === "function" || Number.isNaN(v),
    );
    expect(bad.map(([p]) => p)).toEqual([]);
    const standalone = [...walk(doc.components.schemas)].filter(([p]) =>
      /\/(\$schema|\$id|\$defs)$/.test(p),
    );
    expect(standalone.map(([p]) => p)).toEqual([]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("lets a team's token drain its models, and anyone who reads follow drains and training", () => {
    expect(operationAt("post", "/api/v1/drains").security).toEqual([
      { apiToken: ["traffic.shift"] },
      { sessionCookie: [] },
    ]);
    expect(operationAt("post", "/api/v1/drains/{id}").security).toEqual([
      { apiToken: ["traffic.shift"] },
      { sessionCookie: [] },
    ]);
    for (const p of ["/api/v1/drains", "/api/v1/drains/{id}", "/api/v1/training/{name}"])
      expect(operationAt("get", p).security[0]).toEqual({ apiToken: ["fleet.read"] });
    expect(operationAt("post", "/api/v1/drains").requestBody?.content["application/json"]).toEqual({
      schema: { $ref: "#/components/schemas/DrainStart" },
    });
    expect(component("DrainCommand").required).toEqual(["command", "expectedVersion"]);
  });

  it("lets tokens call what their scopes allow, chaos only with a session, and itself publicly", () => {
    expect(operationAt("post", "/api/v1/models/{model}/versions").security).toEqual([
      { apiToken: ["model.register"] },
      { sessionCookie: [] },
    ]);
    expect(operationAt("post", "/api/v1/chaos").security).toEqual([{ sessionCookie: [] }]);
    expect(operationAt("get", "/api/v1/openapi.json").security).toEqual([]);
  });

  it("publishes the error body apiError answers with", () => {
    expectTypeOf<z.infer<typeof apiErrorSchema>["error"]["code"]>().toEqualTypeOf<
      AppError["code"]
    >();
    const error = component("Error");
    expect(error.required).toEqual(["error"]);
    const inner = error.properties?.error as JsonSchema;
    expect(inner.required).toEqual(["code", "message", "requestId"]);
    expect(Object.keys(inner.properties ?? {})).toEqual(["code", "message", "fields", "requestId"]);
  });

  it("keeps the published response schemas in step with the service types", () => {
    type Keys<T> = keyof T;
    expectTypeOf<Keys<z.output<typeof responseSchemas.modelVersion>>>().toEqualTypeOf<
      Keys<ModelVersionDto>
    >();
    expectTypeOf<Keys<z.output<typeof responseSchemas.chaosExperiment>>>().toEqualTypeOf<
      Keys<ChaosRow> | "alreadyRunning"
    >();
    expectTypeOf<Keys<z.output<typeof responseSchemas.sloImportResult>>>().toEqualTypeOf<
      Keys<ApplyResult>
    >();
    expectTypeOf<Keys<z.output<typeof responseSchemas.page>>>().toEqualTypeOf<
      Keys<Page<unknown>>
    >();
    expectTypeOf<Keys<z.output<typeof responseSchemas.configApplyResult>>>().toEqualTypeOf<
      Keys<ConfigOutcomeView>
    >();
    expectTypeOf<Keys<z.output<typeof responseSchemas.drainSummary>>>().toEqualTypeOf<
      Keys<DrainSummaryJson>
    >();
    expectTypeOf<Keys<z.output<typeof drainResponseSchema>>>().toEqualTypeOf<Keys<DrainJson>>();
    type Plan = DrainJson["plan"][number];
    type PlanSchema = z.output<typeof drainResponseSchema>["plan"][number];
    expectTypeOf<Keys<PlanSchema>>().toEqualTypeOf<Keys<Plan>>();
    expectTypeOf<Keys<PlanSchema["receiving"][number]>>().toEqualTypeOf<
      Keys<Plan["receiving"][number]>
    >();
  });
});

describe("model version registration in the document", () => {
  const op = operationAt("post", "/api/v1/models/{model}/versions");
  const body = component("ModelVersionRegistration");

  it("takes the schema object the route validates with", () => {
    const entry = API_OPERATIONS.find((o) => o.operationId === "registerModelVersion");
    expect(entry?.body?.schema.schema).toBe(registerModelVersionSchema);
    expect(op.requestBody?.content["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/ModelVersionRegistration",
    });
  });

  it("requires the lineage and pins images and the dataset by digest", () => {
    expect(body.required).toEqual(
      expect.arrayContaining([
        "version",
        "imageDigest",
        "baseImageDigest",
        "artifactUri",
        "trainingRunId",
        "datasetDigest",
        "codeCommit",
        "evalMetrics",
      ]),
    );
    expect(body.additionalProperties).toBe(false);
    const pattern = (key: string) => (body.properties?.[key] as JsonSchema).pattern ?? "";
    expect(pattern("imageDigest")).toContain("@sha256:[0-9a-f]{64}$");
    expect(pattern("baseImageDigest")).toContain("@sha256:[0-9a-f]{64}$");
    expect(pattern("datasetDigest")).toBe("^sha256:[0-9a-f]{64}$");
    expect(pattern("codeCommit")).toBe("^[0-9a-f]{40}$");
  });

  it("documents idempotency and conflicts", () => {
    expect(Object.keys(op.responses).sort()).toEqual(
      ["200", "201", "401", "403", "404", "409", "422"].sort(),
    );
    expect(op.responses["201"]?.content?.["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/ModelVersion",
    });
    expect(op.description).toMatch(/digest/);
    expect(op.description).toMatch(/200/);
  });

  it("agrees with zod on a valid and an invalid body", () => {
    expect(registerModelVersionSchema.safeParse(validRegistration).success).toBe(true);
    expect(problems(body, validRegistration)).toEqual([]);

    const tagged = {
      ...validRegistration,
      imageDigest: "registry.flightdeck.internal/ranker-xl:latest",
    };
    expect(registerModelVersionSchema.safeParse(tagged).success).toBe(false);
    expect(problems(body, tagged)).toEqual(["imageDigest: pattern"]);

    const noRun: Record<string, unknown> = { ...validRegistration };
    delete noRun.trainingRunId;
    expect(registerModelVersionSchema.safeParse(noRun).success).toBe(false);
    expect(problems(body, noRun)).toEqual(["trainingRunId: missing"]);

    const extra = { ...validRegistration, surprise: true };
    expect(registerModelVersionSchema.safeParse(extra).success).toBe(false);
    expect(problems(body, extra)).toEqual(["surprise: not allowed"]);
  });
});

describe("buildOpenApiDocument", () => {
  const base: ApiOperation = {
    method: "GET",
    path: "/api/v1/things/{id}",
    operationId: "getThing",
    summary: "Get a thing",
    tags: ["Things"],
    access: { permission: "fleet.read" },
    pathParams: { id: "The thing's id." },
    responses: { 200: { description: "The thing." } },
  };
  const build = (...operations: ApiOperation[]) =>
    buildOpenApiDocument({
      info: { title: "T", version: "1", description: "d" },
      tags: { Things: "things" },
      operations,
    });

  it("builds a minimal operation", () => {
    const op = build(base).paths["/api/v1/things/{id}"]?.get;
    expect(op?.parameters?.[0]).toMatchObject({ name: "id", in: "path", required: true });
    expect(op?.description).toMatch(/`fleet.read`/);
  });

  it("refuses entries that would publish a wrong document", () => {
    expect(() => build({ ...base, pathParams: {} })).toThrow(/pathParams/);
    expect(() => build(base, { ...base, method: "PUT" })).toThrow(/taken/);
    expect(() => build({ ...base, tags: ["Other"] })).toThrow(/tag/);
    expect(() =>
      build({ ...base, query: z.object({ a: z.string() }), queryDescriptions: { b: "?" } }),
    ).toThrow(/no "b"/);
    const one = z.object({ a: z.string() });
    const two = z.object({ b: z.string() });
    expect(() =>
      build(
        { ...base, responses: { 200: { description: "x", schema: named("Thing", one) } } },
        {
          ...base,
          operationId: "other",
          method: "PUT",
          responses: { 200: { description: "y", schema: named("Thing", two) } },
        },
      ),
    ).toThrow(/Two schemas are named Thing/);
  });

  it("takes query parameters from the zod object, as callers send them", () => {
    const op = build({
      ...base,
      query: z.object({
        page: z.coerce.number().int().min(1).default(1),
        names: z
          .string()
          .optional()
          .transform((v) => v?.split(",")),
      }),
    }).paths["/api/v1/things/{id}"]?.get;
    expect(op?.parameters?.slice(1)).toEqual([
      {
        name: "page",
        in: "query",
        required: false,
        schema: expect.objectContaining({ type: "integer", default: 1 }),
      },
      { name: "names", in: "query", required: false, schema: { type: "string" } },
    ]);
  });
});
