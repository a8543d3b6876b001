import "../../support/request-context";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { createToken } from "@/server/access/tokens";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { GET } from "@/app/api/v1/openapi.json/route";
import { GET as me } from "@/app/api/v1/me/route";
import { POST as register } from "@/app/api/v1/models/[model]/versions/route";
import type { JsonSchema, OpenApiDocument } from "@/lib/schemas/openapi";

const prisma = connectTestDatabase();
let token = "";

beforeAll(async () => {
  requestContext.userId = null;
  const a = await prisma.user.create({
    data: { email: `admin-${Date.now()}@openapi.test`, name: "Admin", role: "admin" },
  });
  const admin = (await loadUserActor(a.id)) as Actor;
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  token = (
    await createToken(
      admin,
      { requestId: "setup", clientIp: null },
      {
        name: `openapi-${Date.now()}`,
        teamId: team.id,
        scopes: ["fleet.read", "model.register"],
        expiresInDays: 1,
      },
    )
  ).secret;
});
afterAll(() => prisma.$disconnect());

async function fetchDocument(): Promise<{ res: Response; doc: OpenApiDocument }> {
  const res = GET();
  return { res, doc: (await res.clone().json()) as OpenApiDocument };
}

function schema(doc: OpenApiDocument, name: string): JsonSchema {
  const s = doc.components.schemas[name];
  if (!s) throw new Error(`no component ${name}`);
  return s;
}

/** The body has exactly the documented properties, and every required one. */
function expectShape(body: Record<string, unknown>, s: JsonSchema) {
  const keys = Object.keys(body).sort();
  expect(keys).toEqual(
    Object.keys(s.properties ?? {})
      .filter((k) => k in body)
      .sort(),
  );
  expect(keys).toEqual(expect.arrayContaining(s.required ?? []));
}

describe("GET /api/v1/openapi.json", () => {
  it("answers the OpenAPI document as cacheable JSON, without credentials", async () => {
    const { res, doc } = await fetchDocument();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toMatch(/public/);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/api/v1/models/{model}/versions"]?.post?.operationId).toBe(
      "registerModelVersion",
    );
  });

  it("describes what the routes answer: a registered version, the caller, an error", async () => {
    const { doc } = await fetchDocument();
    const auth = { authorization: `Bearer ${token}` };

    const registered = await register(
      new NextRequest("http://localhost:3000/api/v1/models/ranker-xl/versions", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          version: `8.${Date.now()}.0`,
          imageDigest: `registry.flightdeck.internal/ranker-xl@sha256:${randomBytes(32).toString("hex")}`,
          baseImageDigest: `registry.flightdeck.internal/serving-base@sha256:${"b".repeat(64)}`,
          artifactUri: "s3://ml-artifacts/ranker-xl/openapi/model.safetensors",
          trainingRunId: "run-openapi",
          datasetDigest: `sha256:${"d".repeat(64)}`,
          codeCommit: "c".repeat(40),
          evalMetrics: { "ndcg@10": 0.7 },
        }),
      }),
      { params: Promise.resolve({ model: "ranker-xl" }) },
    );
    expect(registered.status).toBe(201);
    expectShape(await registered.json(), schema(doc, "ModelVersion"));

    const caller = await me(new NextRequest("http://localhost:3000/api/v1/me", { headers: auth }), {
      params: Promise.resolve({}),
    });
    expect(caller.status).toBe(200);
    expectShape(await caller.json(), schema(doc, "Me"));

    const invalid = await register(
      new NextRequest("http://localhost:3000/api/v1/models/ranker-xl/versions", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ version: "8.0.0" }),
      }),
      { params: Promise.resolve({ model: "ranker-xl" }) },
    );
    expect(invalid.status).toBe(422);
    const errorBody = (await invalid.json()) as { error: Record<string, unknown> };
    expectShape(errorBody, schema(doc, "Error"));
    expectShape(errorBody.error, schema(doc, "Error").properties?.error as JsonSchema);
    expect(errorBody.error.fields).toBeDefined();
  });
});
