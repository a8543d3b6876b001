import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { GET } from "@/app/api/health/route";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase, withUnreachableDatabase } from "../../support/db";
import { createToken } from "@/server/access/tokens";
import { loadUserActor } from "@/server/auth/session";

const prisma = connectTestDatabase();
let viewerId = "";
let noRoleId = "";
let secret = "";

beforeAll(async () => {
  const stamp = Date.now().toString(36);
  viewerId = (
    await prisma.user.create({
      data: { email: `viewer-${stamp}@health.test`, name: "Viewer", role: "viewer" },
    })
  ).id;
  noRoleId = (
    await prisma.user.create({ data: { email: `none-${stamp}@health.test`, name: "No role" } })
  ).id;
  const admin = await prisma.user.create({
    data: { email: `admin-${stamp}@health.test`, name: "Admin", role: "admin" },
  });
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  ({ secret } = await createToken(
    await loadUserActor(admin.id),
    { requestId: "health-test", clientIp: null },
    { name: `health-${stamp}`, teamId: team.id, scopes: ["model.register"], expiresInDays: 1 },
  ));
});
afterAll(async () => {
  requestContext.userId = null;
  await prisma.$disconnect();
});

const get = (headers: Record<string, string> = {}) =>
  GET(new NextRequest("http://localhost:3000/api/health", { headers }));

describe("GET /api/health", () => {
  it("tells anonymous callers up or down per check, and nothing more", async () => {
    requestContext.userId = null;
    const res = await get();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ok",
      checks: { database: { status: "ok" }, platform: { status: "ok" } },
    });
    // A user without a role, or a token that is not valid, is anonymous here too.
    requestContext.userId = noRoleId;
    expect(Object.keys((await (await get()).json()).checks.platform)).toEqual(["status"]);
    requestContext.userId = null;
    const forged = await get({ authorization: "Bearer fdk_forged" });
    expect(forged.status).toBe(200);
    expect(Object.keys((await forged.json()).checks.platform)).toEqual(["status"]);
  });

  it("gives the details to signed-in users and valid API tokens", async () => {
    requestContext.userId = viewerId;
    const res = await get();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe("ok");
    expect(body.checks.database).toMatchObject({ status: "ok", latencyMs: expect.any(Number) });
    expect(body.checks.platform).toMatchObject({
      adapter: "simulator",
      status: "ok",
      detail: expect.any(String),
    });
    requestContext.userId = null;
    const token = await (await get({ authorization: `Bearer ${secret}` })).json();
    expect(token.checks.platform).toMatchObject({
      adapter: "simulator",
      detail: expect.any(String),
    });
  });

  it("answers 503 when the database is unreachable, to anyone, without details", async () => {
    await withUnreachableDatabase(async () => {
      for (const userId of [null, viewerId]) {
        requestContext.userId = userId;
        const res = await get();
        expect(res.status).toBe(503);
        const body = await res.json();
        expect(body.status).toBe("down");
        expect(body.checks.database).toEqual({ status: "down" });
        expect(JSON.stringify(body)).not.toContain("postgres:x");
      }
    }).finally(() => (requestContext.userId = null));
  });
});
