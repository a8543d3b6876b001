// The SLO API routes and actions through their real handlers (session sign-in, validation,
// audit) against the test database.
import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import * as importRoute from "@/app/api/v1/slos/import/route";
import * as sloRoute from "@/app/api/v1/slos/[name]/route";
import { deleteSloAction, updateSloAction } from "@/actions/slos";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { createSlo, getSloDefinition } from "@/server/slos/definitions";
import type { SloSpec } from "@/lib/domain/slos/spec";

const prisma = connectTestDatabase();
const users = { engineer: "", admin: "" };
const PREFIX = "api-slo-";
const meta = { requestId: "slo-api-test", clientIp: null };

beforeAll(async () => {
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  for (const [key, role, teamId] of [
    ["engineer", "engineer", team.id],
    ["admin", "admin", null],
  ] as const) {
    const email = `${key}@slo-api.test`;
    users[key] = (
      await prisma.user.upsert({
        where: { email },
        create: { email, name: key, role, teamId },
        update: {},
      })
    ).id;
  }
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

describe("a team cannot lift its own error-budget release hold by editing the SLO", () => {
  const name = `${PREFIX}frozen`;
  const url = `http://localhost:3000/api/v1/slos/${name}`;
  const params = { params: Promise.resolve({ name }) };
  const put = (body: unknown) =>
    sloRoute.PUT(
      new NextRequest(url, {
        method: "PUT",
        headers: { "content-type": "application/json", origin: "http://localhost:3000" },
        body: JSON.stringify(body),
      }),
      params,
    );
  const del = (query: string) =>
    sloRoute.DELETE(
      new NextRequest(`${url}?${query}`, {
        method: "DELETE",
        headers: { origin: "http://localhost:3000" },
      }),
      params,
    );
  const current = async () => {
    const def = await getSloDefinition(await loadUserActor(users.engineer), name);
    if (!def) throw new Error(`${name} is gone`);
    return def;
  };
  const errorOf = async (res: Response) =>
    ((await res.json()) as { error: { message: string } }).error.message;

  beforeAll(async () => {
    const engineer = (await loadUserActor(users.engineer)) as Actor;
    const { definition } = await createSlo(engineer, meta, {
      name,
      service: "query-embedder",
      team: "ranking",
      sliKind: "availability",
      objective: 0.999,
      window: { kind: "rolling", days: 28 },
      budgetingMethod: "occurrences",
    });
    // Spent: the evaluator's snapshot says so, and query-embedder's policy is enforce.
    await prisma.sloSnapshot.create({
      data: {
        sloId: definition.id,
        computedAt: new Date(),
        windowStart: new Date(Date.now() - 28 * 86_400_000),
        status: "exhausted",
        good: 990,
        total: 1000,
      },
    });
    expect(
      (await prisma.model.findUniqueOrThrow({ where: { name: "query-embedder" } })).budgetPolicy,
    ).toBe("enforce");
  });

  it("refuses the owning team's edits that would lift it, and its deletion, auditing each refusal", async () => {
    requestContext.userId = users.engineer;
    const def = await current();
    const edits: [string, Partial<SloSpec>][] = [
      ["what it measures", { sliKind: "latency", threshold: 300 }],
      ["its service", { service: "ranker-xl" }],
      ["its objective, downward", { objective: 0.99 }],
      ["its window", { window: { kind: "rolling", days: 7 } }],
      ["its budgeting", { budgetingMethod: "timeslices", timesliceTarget: 0.95 }],
    ];
    for (const [what, change] of edits) {
      const res = await put({ ...def.spec, ...change, version: def.version });
      expect(res.status, what).toBe(403);
      expect(await errorOf(res), what).toMatch(
        new RegExp(
          `${name} has spent its error budget .* would lift the hold on its releases\\. Only an admin`,
        ),
      );
    }
    const refusedDelete = await del(`version=${def.version}`);
    expect(refusedDelete.status).toBe(403);
    expect(await errorOf(refusedDelete)).toMatch(/deleting it would lift the hold on its releases/);
    // The form's path refuses the same way.
    const viaAction = await deleteSloAction({ name, version: def.version });
    expect(viaAction).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    // An import is no way around it either.
    const imported = await importRequest(
      sloYaml(name).replace("ranker-xl", "query-embedder").replace("0.999", "0.9"),
      "application/yaml",
    );
    expect(imported.status).toBe(403);

    expect(await current()).toEqual(def);
    const denials = await prisma.auditEvent.findMany({
      where: { actorId: users.engineer, outcome: "denied", action: { startsWith: "slo." } },
    });
    expect(denials.map((d) => d.action).sort()).toEqual(
      [...Array(edits.length).fill("slo.update"), "slo.delete", "slo.delete", "slo.import"].sort(),
    );
    for (const d of denials) expect(d.reason).toMatch(/would lift the hold on its releases/);
  });

  it("lets the team make changes that keep the budget as judged", async () => {
    requestContext.userId = users.engineer;
    const def = await current();
    const res = await put({
      ...def.spec,
      description: "Serving answers without a 5xx.",
      objective: 0.9995,
      version: def.version,
    });
    expect(res.status).toBe(200);
    const after = await current();
    expect(after.spec).toMatchObject({
      description: "Serving answers without a 5xx.",
      objective: 0.9995,
    });
  });

  it("lets an admin lift it with a reason, and audits the reason", async () => {
    requestContext.userId = users.admin;
    const def = await current();
    const change = { ...def.spec, sliKind: "latency", threshold: 300, version: def.version };
    const noReason = await put(change);
    expect(noReason.status).toBe(422);
    expect(await errorOf(noReason)).toMatch(/Give a reason for overriding/);
    expect((await put({ ...change, overrideReason: " ok " })).status).toBe(422);

    const reason = "The availability SLI double-counted retries; measuring latency instead.";
    const res = await put({ ...change, overrideReason: reason });
    expect(res.status).toBe(200);
    expect((await current()).spec).toMatchObject({ sliKind: "latency", threshold: 300 });
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "slo.update", actorId: users.admin, targetId: def.id, outcome: "allowed" },
    });
    expect(audit.reason).toBe(reason);
    expect(audit.before).toMatchObject({ sliKind: "availability" });
    expect(audit.after).toMatchObject({ sliKind: "latency", threshold: 300 });
  });

  it("lets an admin delete a frozen SLO with a reason, through the API or the form", async () => {
    requestContext.userId = users.admin;
    const def = await current();
    // Exhausted again (the admin's edit above started the new SLI's history afresh).
    await prisma.sloSnapshot.upsert({
      where: { sloId: def.id },
      create: {
        sloId: def.id,
        computedAt: new Date(),
        windowStart: new Date(),
        status: "exhausted",
        good: 0,
        total: 10,
      },
      update: { status: "exhausted" },
    });
    expect((await del(`version=${def.version}`)).status).toBe(422);
    const viaForm = await deleteSloAction({ name, version: def.version });
    expect(viaForm).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });
    const reason = "Retired: query-embedder is served by ranker-xl's SLOs now.";
    expect(await deleteSloAction({ name, version: def.version, overrideReason: reason })).toEqual({
      ok: true,
      data: { deleted: true },
    });
    expect(await prisma.slo.count({ where: { name } })).toBe(0);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "slo.delete", targetId: def.id, outcome: "allowed" },
    });
    expect(audit).toMatchObject({ actorId: users.admin, reason });
  });

  it("needs no override when the policy is advisory", async () => {
    requestContext.userId = users.engineer;
    const engineer = (await loadUserActor(users.engineer)) as Actor;
    const advisory = `${PREFIX}advisory`;
    const { definition } = await createSlo(engineer, meta, {
      name: advisory,
      service: "query-embedder",
      team: "ranking",
      sliKind: "availability",
      objective: 0.999,
      window: { kind: "rolling", days: 28 },
      budgetingMethod: "occurrences",
    });
    await prisma.sloSnapshot.create({
      data: {
        sloId: definition.id,
        computedAt: new Date(),
        windowStart: new Date(),
        status: "exhausted",
        good: 0,
        total: 10,
      },
    });
    await prisma.model.update({
      where: { name: "query-embedder" },
      data: { budgetPolicy: "advisory" },
    });
    try {
      const r = await updateSloAction({
        version: definition.version,
        spec: { ...definition.spec, objective: 0.9 },
      });
      expect(r.ok).toBe(true);
    } finally {
      await prisma.model.update({
        where: { name: "query-embedder" },
        data: { budgetPolicy: "enforce" },
      });
    }
  });
});
