import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { createToken } from "@/server/access/tokens";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { POST } from "@/app/api/v1/models/[model]/versions/route";
import { GET as me } from "@/app/api/v1/me/route";

const prisma = connectTestDatabase();
const meta = { requestId: "setup", clientIp: null };
let rankingToken = "";
let readOnlyToken = "";
let otherTeamToken = "";

beforeAll(async () => {
  requestContext.userId = null;
  const a = await prisma.user.create({
    data: { email: `admin-${Date.now()}@registration.test`, name: "Admin", role: "admin" },
  });
  const admin = (await loadUserActor(a.id)) as Actor;
  const team = async (slug: string) =>
    (await prisma.team.findUniqueOrThrow({ where: { slug } })).id;
  const mint = async (slug: string, scopes: ("fleet.read" | "model.register")[]) =>
    (
      await createToken(admin, meta, {
        name: `ci-${slug}-${scopes.join("-")}`,
        teamId: await team(slug),
        scopes,
        expiresInDays: 30,
      })
    ).secret;
  rankingToken = await mint("ranking", ["fleet.read", "model.register"]);
  readOnlyToken = await mint("ranking", ["fleet.read"]);
  otherTeamToken = await mint("assistant", ["model.register"]);
});
afterAll(() => prisma.$disconnect());

const digest = (c: string) => c.repeat(64);
const valid = (version: string, c: string) => ({
  version,
  imageDigest: `registry.flightdeck.internal/ranker-xl@sha256:${digest(c)}`,
  baseImageDigest: `registry.flightdeck.internal/serving-base@sha256:${digest("b")}`,
  artifactUri: `s3://ml-artifacts/ranker-xl/${version}/model.safetensors`,
  trainingRunId: "run-1234abcd",
  datasetDigest: `sha256:${digest("d")}`,
  codeCommit: "c".repeat(40),
  evalMetrics: { "ndcg@10": 0.74, calibration_ece: 0.02 },
});

function post(token: string | null, body: unknown, model = "ranker-xl", raw?: string) {
  return POST(
    new NextRequest(`http://localhost:3000/api/v1/models/${model}/versions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: raw ?? JSON.stringify(body),
    }),
    { params: Promise.resolve({ model }) },
  );
}

describe("POST /api/v1/models/{model}/versions", () => {
  it("registers a version for the token's team (201) and repeats idempotently (200)", async () => {
    const body = valid("7.0.0", "1");
    const first = await post(rankingToken, body);
    expect(first.status).toBe(201);
    const created = await first.json();
    expect(created).toMatchObject({
      model: "ranker-xl",
      version: "7.0.0",
      createdBy: "token:ci-ranking-fleet.read-model.register",
    });
    const again = await post(rankingToken, body);
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe(created.id);
    expect(
      await prisma.modelVersion.count({
        where: { version: "7.0.0", model: { name: "ranker-xl" } },
      }),
    ).toBe(1);
    expect(
      await prisma.auditEvent.count({
        where: { action: "model_version.register", targetId: created.id },
      }),
    ).toBe(1);
  });

  it("answers concurrent duplicate registrations with one version", async () => {
    const body = valid("7.1.0", "2");
    const statuses = (
      await Promise.all([
        post(rankingToken, body),
        post(rankingToken, body),
        post(rankingToken, body),
      ])
    ).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 200, 201]);
    expect(
      await prisma.modelVersion.count({
        where: { version: "7.1.0", model: { name: "ranker-xl" } },
      }),
    ).toBe(1);
  });

  it("refuses to reuse a version or a digest for something else (409)", async () => {
    const sameVersion = await post(rankingToken, valid("7.0.0", "9"));
    expect(sameVersion.status).toBe(409);
    expect((await sameVersion.json()).error.message).toMatch(
      /already registered with a different image digest/,
    );
    const sameDigest = await post(rankingToken, valid("7.9.9", "1"));
    expect(sameDigest.status).toBe(409);
    expect((await sameDigest.json()).error.message).toMatch(/already registered as version 7.0.0/);
  });

  it.each([
    [
      "a mutable tag",
      { imageDigest: "registry.flightdeck.internal/ranker-xl:latest" },
      "imageDigest",
      /by digest/,
    ],
    ["a short commit", { codeCommit: "abc123" }, "codeCommit", /40-character/],
    ["a missing training run", { trainingRunId: "" }, "trainingRunId", /required/],
    ["no metrics", { evalMetrics: {} }, "evalMetrics", /at least one metric/],
    ["a non-numeric metric", { evalMetrics: { auc: "high" } }, "evalMetrics.auc", /number/],
    ["an unknown field", { surprise: true }, "_", /surprise/],
  ])(
    "refuses %s with a 422 naming the field, storing nothing",
    async (_label, patch, field, message) => {
      const version = `4.${Math.floor(Math.random() * 1e6)}.0`;
      const res = await post(rankingToken, { ...valid(version, "3"), ...patch });
      expect(res.status).toBe(422);
      const { error } = await res.json();
      expect(error.code).toBe("INVALID_INPUT");
      expect(JSON.stringify(error.fields)).toMatch(message);
      expect(Object.keys(error.fields)).toContain(field);
      expect(await prisma.modelVersion.count({ where: { version } })).toBe(0);
    },
  );

  it.each(["1.4.0+cu121", `1.${"0".repeat(62)}`, "-1.4.0", "1.4.0."])(
    "refuses the version %s, which no platform could label its pods with, storing nothing",
    async (version) => {
      const res = await post(rankingToken, valid(version, "6"));
      expect(res.status).toBe(422);
      const { error } = await res.json();
      expect(Object.keys(error.fields)).toEqual(["version"]);
      expect(JSON.stringify(error.fields)).toMatch(/platform labels.*1\.4\.0-cu121/);
      expect(await prisma.modelVersion.count({ where: { version } })).toBe(0);
    },
  );

  it("refuses a body that is not JSON", async () => {
    const res = await post(rankingToken, null, "ranker-xl", "{not json");
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toMatch(/not valid JSON/);
  });

  it("answers 404 for an unknown model", async () => {
    const res = await post(rankingToken, valid("1.0.0", "4"), "no-such-model");
    expect(res.status).toBe(404);
  });

  it("refuses missing, invalid, under-scoped and other-team tokens, storing nothing", async () => {
    const body = valid("5.0.0", "5");
    const none = await post(null, body);
    expect(none.status).toBe(403); // no Origin and no token: refused before authentication
    const bad = await post("fdk_forged", body);
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/Bearer/);
    const readOnly = await post(readOnlyToken, body);
    expect(readOnly.status).toBe(403);
    expect((await readOnly.json()).error.message).toMatch(/lacks the "model.register" scope/);
    const otherTeam = await post(otherTeamToken, body);
    expect(otherTeam.status).toBe(403);
    expect((await otherTeam.json()).error.message).toMatch(/another team/);
    expect(await prisma.modelVersion.count({ where: { version: "5.0.0" } })).toBe(0);
    expect(
      await prisma.auditEvent.count({
        where: {
          action: "model_version.register",
          outcome: "denied",
          actorEmail: { startsWith: "token:" },
        },
      }),
    ).toBeGreaterThanOrEqual(2);
  });
});

describe("GET /api/v1/me", () => {
  it("describes a token caller", async () => {
    const res = await me(
      new NextRequest("http://localhost:3000/api/v1/me", {
        headers: { authorization: `Bearer ${readOnlyToken}` },
      }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      kind: "token",
      role: null,
      team: "Search & Ranking",
      scopes: ["fleet.read"],
    });
  });

  it("answers 401 without credentials", async () => {
    const res = await me(new NextRequest("http://localhost:3000/api/v1/me"), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(401);
  });
});
