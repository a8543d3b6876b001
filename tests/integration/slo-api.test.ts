// The SLO API routes through their real handlers (session sign-in, validation, audit) against
// the test database.
import "../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../support/request-context";
import { connectTestDatabase } from "../support/db";
import * as importRoute from "@/app/api/v1/slos/import/route";

const prisma = connectTestDatabase();
const users = { engineer: "" };
const PREFIX = "api-slo-";

beforeAll(async () => {
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  users.engineer = (
    await prisma.user.upsert({
      where: { email: "eng@slo-api.test" },
      create: { email: "eng@slo-api.test", name: "Engineer", role: "engineer", teamId: team.id },
      update: {},
    })
  ).id;
});
afterAll(async () => {
  await prisma.slo.deleteMany({ where: { name: { startsWith: PREFIX } } });
  await prisma.$disconnect();
});

function sloYaml(name: string) {
  return [
    "apiVersion: flightdeck.dev/v1",
    "kind: SLO",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  service: ranker-xl",
    "  team: ranking",
    "  sliKind: availability",
    "  objective: 0.999",
    "  window: { kind: rolling, days: 28 }",
    "  budgetingMethod: occurrences",
    "",
  ].join("\n");
}

const importRequest = (body: string, type: string) =>
  importRoute.POST(
    new NextRequest("http://localhost:3000/api/v1/slos/import", {
      method: "POST",
      headers: { "content-type": type, origin: "http://localhost:3000" },
      body,
    }),
    { params: Promise.resolve({}) },
  );

describe("POST /api/v1/slos/import", () => {
  it("refuses a body above 1 MiB with 413, whatever its type, and changes nothing", async () => {
    requestContext.userId = users.engineer;
    const name = `${PREFIX}oversized`;
    // A valid document padded with a comment: only the size is wrong.
    const yaml = `${sloYaml(name)}# ${"x".repeat(1536 * 1024)}\n`;
    const auditsBefore = await prisma.auditEvent.count({ where: { action: "slo.import" } });
    for (const [body, type] of [
      [yaml, "application/yaml"],
      [yaml, "text/plain"],
      [JSON.stringify({ yaml }), "application/json"],
    ] as const) {
      const res = await importRequest(body, type);
      expect(res.status, type).toBe(413);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error).toMatchObject({ code: "TOO_LARGE", message: expect.stringMatching(/larger/) });
    }
    expect(await prisma.slo.count({ where: { name } })).toBe(0);
    expect(await prisma.auditEvent.count({ where: { action: "slo.import" } })).toBe(auditsBefore);

    // The same document at a legitimate size goes through the same reader.
    const res = await importRequest(sloYaml(name), "application/yaml");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ created: [name], updated: [], unchanged: [] });
  });
});
