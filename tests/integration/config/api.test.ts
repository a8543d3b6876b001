// GET /api/v1/config and POST /api/v1/config/apply through their real handlers: session or
// token authentication, the admin-only permission, validation and the audit record.
import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import YAML from "yaml";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import * as configRoute from "@/app/api/v1/config/route";
import * as applyRoute from "@/app/api/v1/config/apply/route";
import { createToken } from "@/server/access/tokens";
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import type { Actor } from "@/server/auth/session";

const prisma = connectTestDatabase();
let admin: Actor;
let engineer: Actor;
let viewer: Actor;
let token = "";

beforeAll(async () => {
  admin = await person(prisma, "admin");
  engineer = await person(prisma, "engineer", { team: "ranking" });
  viewer = await person(prisma, "viewer", { team: "ranking" });
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  token = (
    await createToken(
      admin,
      { requestId: "setup", clientIp: null },
      {
        name: `config-${Date.now()}`,
        teamId: team.id,
        scopes: [...TOKEN_SCOPES],
        expiresInDays: 1,
      },
    )
  ).secret;
});
afterAll(async () => {
  requestContext.userId = null;
  await prisma.$disconnect();
});

const HEAD = "apiVersion: flightdeck.dev/v1\nkind: FleetConfig\n";

function post(
  body: string,
  {
    query = "",
    type = "application/yaml",
    bearer,
  }: { query?: string; type?: string; bearer?: string } = {},
) {
  return applyRoute.POST(
    new NextRequest(`http://localhost:3000/api/v1/config/apply${query}`, {
      method: "POST",
      headers: {
        "content-type": type,
        origin: "http://localhost:3000",
        "x-request-id": "config-api-test",
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body,
    }),
    { params: Promise.resolve({}) },
  );
}

const getConfig = () =>
  configRoute.GET(new NextRequest("http://localhost:3000/api/v1/config"), {
    params: Promise.resolve({}),
  });

const soakOf = async (name: string) =>
  (await prisma.environment.findUniqueOrThrow({ where: { name }, select: { soakMinutes: true } }))
    .soakMinutes;

interface ErrorBody {
  error: { code: string; message: string };
}

describe("GET /api/v1/config", () => {
  it("gives anyone who reads the fleet its configuration as YAML", async () => {
    requestContext.userId = viewer.id;
    const res = await getConfig();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/yaml/);
    const doc = YAML.parse(await res.text()) as { kind: string; environments: unknown[] };
    expect(doc.kind).toBe("FleetConfig");
    expect(doc.environments).toHaveLength(8);
  });

  it("refuses the anonymous", async () => {
    requestContext.userId = null;
    expect((await getConfig()).status).toBe(401);
  });
});

describe("POST /api/v1/config/apply", () => {
  const file = `${HEAD}environments:\n  - name: staging/us-west-2\n    soakMinutes: 15\n`;

  it("answers a dry run with the changes and writes nothing", async () => {
    requestContext.userId = admin.id;
    const res = await post(file, { query: "?dryRun=true" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      applied: false,
      dryRun: true,
      prune: false,
      summary: { create: 0, update: 1, delete: 0 },
      changes: [
        {
          kind: "environment",
          name: "staging/us-west-2",
          op: "update",
          fields: [{ field: "soakMinutes", before: 0, after: 15 }],
        },
      ],
      problems: [],
    });
    expect(await soakOf("staging/us-west-2")).toBe(0);
  });

  it("applies an admin's file with one audit record, and the same file again changes nothing", async () => {
    requestContext.userId = admin.id;
    const res = await post(file);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ applied: true, summary: { update: 1 } });
    expect(await soakOf("staging/us-west-2")).toBe(15);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "config.apply", requestId: "config-api-test" },
    });
    expect(audit).toMatchObject({
      actorId: admin.id,
      actorEmail: admin.email,
      actorRole: "admin",
      outcome: "allowed",
      targetType: "fleet_config",
    });

    const count = await prisma.auditEvent.count({ where: { action: "config.apply" } });
    const again = await post(JSON.stringify(YAML.parse(file)), { type: "application/json" });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ applied: false, changes: [], problems: [] });
    expect(await prisma.auditEvent.count({ where: { action: "config.apply" } })).toBe(count);
  });

  it("is for admins only: others are refused (and the refusal audited), tokens never pass", async () => {
    const before = await soakOf("staging/eu-west-1");
    const change = `${HEAD}environments:\n  - name: staging/eu-west-1\n    soakMinutes: 45\n`;

    requestContext.userId = engineer.id;
    const res = await post(change);
    expect(res.status).toBe(403);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/cannot change settings/);
    expect(
      await prisma.auditEvent.count({
        where: { action: "config.apply", outcome: "denied", actorId: engineer.id },
      }),
    ).toBe(1);

    requestContext.userId = null;
    const byToken = await post(change, { bearer: token });
    expect(byToken.status).toBe(403);
    expect(((await byToken.json()) as ErrorBody).error.message).toBe(
      'This API token lacks the "settings.manage" scope.',
    );
    expect((await post(change)).status).toBe(401);
    expect(await soakOf("staging/eu-west-1")).toBe(before);
  });

  it("refuses an invalid file or query with 422 naming the problem, and changes nothing", async () => {
    requestContext.userId = admin.id;
    const bad = await post(`${HEAD}environments:\n  - name: staging/us-west-2\n    soak: 5\n`);
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as ErrorBody).error.message).toBe(
      'body: environments[0]: unknown field "soak"',
    );
    const query = await post(file, { query: "?dryRun=yes" });
    expect(query.status).toBe(422);
    const type = await post(file, { type: "application/x-www-form-urlencoded" });
    expect(type.status).toBe(422);
    expect(((await type.json()) as ErrorBody).error.message).toMatch(/application\/yaml/);
  });

  it("refuses to prune a model that still has deployments, with the reason, applying nothing", async () => {
    requestContext.userId = admin.id;
    const res = await post(
      `${HEAD}environments:\n  - name: staging/us-west-2\n    soakMinutes: 30\nmodels: []\n`,
      { query: "?prune=true" },
    );
    expect(res.status).toBe(422);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(
      /^Nothing was applied\. Model assistant-llm-70b cannot be deleted; still in use: \d+ deployments/,
    );
    expect(await soakOf("staging/us-west-2")).toBe(15);
    expect(await prisma.model.count()).toBe(6);
  });
});
