import "../../support/request-context";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import { connectTestDatabase } from "../../support/db";
import { AnonymousRefusals, anonymousRefusals } from "@/server/access/anonymous-refusals";
import { ANONYMOUS_REFUSAL_LIMITS } from "@/lib/domain/access/audit-sampling";
import { CLIENT_ADDRESS_HEADER } from "@/lib/net/client-address";
import * as chaosRoute from "@/app/api/v1/chaos/route";
import * as auditRoute from "@/app/api/v1/audit/route";
import { AUDIT_COUNT_LIMIT, auditCsv, listAuditEvents } from "@/server/access/audit-log";
import { authenticateBearer, createToken } from "@/server/access/tokens";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { HIDDEN_EMAIL } from "@/lib/domain/access/audit-visibility";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());
afterEach(() => vi.useRealTimers());

const anonymousRowsIn = (from: Date) =>
  prisma.auditEvent.findMany({
    where: {
      at: { gte: from, lt: new Date(from.getTime() + 60_000) },
      outcome: "denied",
      actorId: null,
      actorEmail: null,
    },
    orderBy: { at: "asc" },
  });

describe("anonymous refusals", () => {
  it("writes at most so many per address and per minute, and one summary of the rest", async () => {
    // A minute of its own, long past, so nothing else writes into it.
    const minute = new Date("2020-03-01T10:00:00Z");
    let clock = minute.getTime() + 1_000;
    const sampler = new AnonymousRefusals({
      limits: { perAddress: 3, perMinute: 5, addressesInSummary: 2 },
      now: () => new Date(clock++),
      autoFlush: false,
    });
    const refuse = (clientIp: string) =>
      sampler.record(
        { requestId: "sampling-test", clientIp },
        { action: "chaos.start", targetType: "chaos_experiment", reason: "Sign in to continue." },
      );
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await refuse("192.0.2.1"));
    expect(a).toEqual(["written", "written", "written", "dropped", "dropped"]);
    const b = [];
    for (let i = 0; i < 3; i++) b.push(await refuse("192.0.2.2"));
    // The minute is full after five, whoever sends the sixth.
    expect(b).toEqual(["written", "written", "dropped"]);
    expect(await refuse("192.0.2.3")).toBe("dropped");

    const rows = await anonymousRowsIn(minute);
    expect(rows.map((r) => r.clientIp)).toEqual([
      "192.0.2.1",
      "192.0.2.1",
      "192.0.2.1",
      "192.0.2.2",
      "192.0.2.2",
    ]);
    expect(rows.every((r) => r.reason === "Sign in to continue.")).toBe(true);

    // Nothing is summarised before the minute ends; then exactly once.
    expect(await sampler.flush(new Date(minute.getTime() + 59_000))).toBe(0);
    expect(await sampler.flush(new Date(minute.getTime() + 61_000))).toBe(1);
    expect(await sampler.flush(new Date(minute.getTime() + 62_000))).toBe(0);
    const summary = await prisma.auditEvent.findFirstOrThrow({
      where: {
        action: "audit.anonymous_refusals_dropped",
        after: { path: ["minute"], equals: minute.toISOString() },
      },
    });
    expect(summary).toMatchObject({
      actorRole: "system",
      outcome: "denied",
      reason: expect.stringMatching(/^4 more anonymous refusals dropped in the minute from/),
      after: {
        dropped: 4,
        byAddress: { "192.0.2.1": 2, "192.0.2.2": 1 },
        otherAddresses: 1,
      },
    });
  });

  it("holds for refusals of a real route: a flood from one address writes its share only", async () => {
    const minute = new Date("2020-03-02T10:00:00Z");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(minute.getTime() + 1_000));
    const address = "198.51.100.77";
    const flood = ANONYMOUS_REFUSAL_LIMITS.perAddress + 15;
    for (let i = 0; i < flood; i++) {
      const res = await chaosRoute.POST(
        new NextRequest("http://localhost:3000/api/v1/chaos", {
          method: "POST",
          headers: {
            origin: "http://localhost:3000",
            "content-type": "application/json",
            [CLIENT_ADDRESS_HEADER]: address,
          },
          body: "{}",
        }),
        { params: Promise.resolve({}) },
      );
      expect(res.status).toBe(401);
    }
    const rows = await anonymousRowsIn(minute);
    expect(rows).toHaveLength(ANONYMOUS_REFUSAL_LIMITS.perAddress);
    expect(rows.every((r) => r.clientIp === address && r.action === "chaos.start")).toBe(true);
    expect(await anonymousRefusals().flush(new Date(minute.getTime() + 61_000))).toBe(1);
    const summary = await prisma.auditEvent.findFirstOrThrow({
      where: {
        action: "audit.anonymous_refusals_dropped",
        after: { path: ["minute"], equals: minute.toISOString() },
      },
    });
    expect(summary.after).toMatchObject({ dropped: 15, byAddress: { [address]: 15 } });
  });
});

describe("who sees emails and client addresses in the audit log", () => {
  const tag = `visibility-${Date.now().toString(36)}`;
  let admin: Actor;
  let viewer: Actor;
  let token: Actor;
  let tokenSecret = "";

  beforeAll(async () => {
    const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
    const a = await prisma.user.create({
      data: { email: `${tag}-admin@audit.test`, name: "Ada Admin", role: "admin" },
    });
    const v = await prisma.user.create({
      data: { email: `${tag}-viewer@audit.test`, name: "Vic Viewer", role: "viewer" },
    });
    admin = (await loadUserActor(a.id)) as Actor;
    viewer = (await loadUserActor(v.id)) as Actor;
    const created = await createToken(
      admin,
      { requestId: tag, clientIp: null },
      { name: `${tag}-read`, teamId: team.id, scopes: ["fleet.read"], expiresInDays: 30 },
    );
    tokenSecret = created.secret;
    token = (await authenticateBearer(`Bearer ${tokenSecret}`)) as Actor;
    await prisma.auditEvent.createMany({
      data: [
        {
          actorId: a.id,
          actorEmail: a.email,
          actorRole: "admin",
          action: `${tag}.user.create`,
          targetType: "user",
          targetId: `new-${tag}@audit.test`,
          outcome: "allowed",
          after: { email: `new-${tag}@audit.test`, role: "viewer" },
          reason: `Created for new-${tag}@audit.test`,
          clientIp: "192.0.2.44",
        },
        {
          actorEmail: `token:${tag}-ci`,
          actorRole: "token",
          action: `${tag}.model_version.register`,
          targetType: "model_version",
          outcome: "allowed",
          clientIp: "192.0.2.45",
        },
        {
          actorEmail: `typed-${tag}@audit.test`,
          action: `${tag}.auth.sign_in`,
          targetType: "session",
          outcome: "denied",
          reason: "wrong password",
          clientIp: "192.0.2.46",
        },
      ],
    });
  });

  const filter = { action: `${tag}.` };

  it("shows admins everything, and names the actor", async () => {
    const { rows } = await listAuditEvents(admin, { page: 1, filter });
    const created = rows.find((r) => r.action.endsWith("user.create"));
    expect(created).toMatchObject({
      actor: "Ada Admin",
      actorEmail: `${tag}-admin@audit.test`,
      clientIp: "192.0.2.44",
      after: { email: `new-${tag}@audit.test` },
    });
  });

  it.each([
    ["a viewer", () => viewer],
    ["a fleet.read token", () => token],
  ])("shows %s actors by name and role, without emails or client addresses", async (_, who) => {
    const { rows } = await listAuditEvents(who(), { page: 1, filter });
    expect(rows).toHaveLength(3);
    expect(JSON.stringify(rows)).not.toMatch(/@audit\.test|192\.0\.2\./);
    const byAction = (suffix: string) => rows.find((r) => r.action.endsWith(suffix));
    expect(byAction("user.create")).toMatchObject({
      actor: "Ada Admin",
      actorRole: "admin",
      actorEmail: null,
      clientIp: null,
      targetId: HIDDEN_EMAIL,
      after: { email: HIDDEN_EMAIL, role: "viewer" },
      reason: `Created for ${HIDDEN_EMAIL}`,
    });
    expect(byAction("model_version.register")).toMatchObject({
      actor: `token:${tag}-ci`,
      actorRole: "token",
    });
    // An email typed into the sign-in form names nobody.
    expect(byAction("auth.sign_in")).toMatchObject({ actor: "anonymous", actorEmail: null });
  });

  it("matches the actor filter on names for everyone, and on emails only for admins", async () => {
    const count = (who: Actor, actor: string) =>
      listAuditEvents(who, { page: 1, filter: { ...filter, actor } }).then((p) => p.total);
    expect(await count(viewer, "ada adm")).toBe(1);
    expect(await count(viewer, `${tag}-admin@`)).toBe(0);
    expect(await count(viewer, `typed-${tag}`)).toBe(0);
    expect(await count(viewer, `${tag}-ci`)).toBe(1);
    expect(await count(admin, `${tag}-admin@`)).toBe(1);
    expect(await count(admin, `typed-${tag}`)).toBe(1);
  });

  it("exports CSV by the same rule, on the page's export and the API", async () => {
    const csv = async (who: Actor) => {
      let text = "";
      for await (const chunk of auditCsv(who, filter)) text += chunk;
      return text;
    };
    const adminCsv = await csv(admin);
    expect(adminCsv.split("\n")[0]).toBe(
      "at (UTC+00:00),actorEmail,actorRole,action,targetType,targetId,outcome,reason,requestId,clientIp,before,after",
    );
    expect(adminCsv).toContain("192.0.2.44");
    expect(adminCsv).toContain(`${tag}-admin@audit.test`);

    const viewerCsv = await csv(viewer);
    expect(viewerCsv.split("\n")[0]).toBe(
      "at (UTC+00:00),actor,actorRole,action,targetType,targetId,outcome,reason,requestId,before,after",
    );
    expect(viewerCsv).toContain("Ada Admin,admin,");
    expect(viewerCsv).not.toMatch(/@audit\.test|192\.0\.2\./);

    const res = await auditRoute.GET(
      new NextRequest(
        `http://localhost:3000/api/v1/audit?format=csv&action=${encodeURIComponent(filter.action)}`,
        { headers: { authorization: `Bearer ${tokenSecret}` } },
      ),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body.split("\n")).toHaveLength(5);
    expect(body).not.toMatch(/@audit\.test|192\.0\.2\./);
  });
});

describe("a long audit log", () => {
  const tag = `long-${Date.now().toString(36)}`;
  const filter = { action: `${tag}.` };
  const viewer = async () =>
    (await loadUserActor(
      (await prisma.user.findFirstOrThrow({ where: { email: "viewer@flightdeck.demo" } })).id,
    )) as Actor;

  beforeAll(async () => {
    // Just past the counting limit, newest last, in one statement.
    await prisma.$executeRaw`
      INSERT INTO "AuditEvent" (id, at, "actorEmail", "actorRole", action, "targetType", outcome)
      SELECT ${tag} || '-' || n, TIMESTAMP '2021-01-01' + n * INTERVAL '1 second', 'system',
             'system', ${tag} || '.tick', 'test', 'allowed'
      FROM generate_series(1, ${AUDIT_COUNT_LIMIT + 50}) AS n`;
  });

  it("counts only so far, says 'more than', and still pages on", async () => {
    const who = await viewer();
    const first = await listAuditEvents(who, { page: 1, filter });
    expect(first).toMatchObject({ page: 1, totalIsLowerBound: true, total: AUDIT_COUNT_LIMIT + 1 });
    expect(first.rows[0]?.id).toBe(`${tag}-${AUDIT_COUNT_LIMIT + 50}`);
    // A page past the limit counts past itself: its next page is known.
    const far = await listAuditEvents(who, { page: 502, filter });
    expect(far.page).toBe(502);
    expect(far.totalIsLowerBound).toBe(true);
    expect(far.pageCount).toBeGreaterThan(502);
    expect(far.rows).toHaveLength(far.pageSize);
    // The last page is counted exactly, and a page past it is the last.
    const last = await listAuditEvents(who, { page: 9_999, filter });
    expect(last).toMatchObject({ total: AUDIT_COUNT_LIMIT + 50, page: 503, pageCount: 503 });
    expect(last.totalIsLowerBound).toBeUndefined();
    expect(last.rows.at(-1)?.id).toBe(`${tag}-1`);
  });

  it("counts a short filtered log exactly", async () => {
    const page = await listAuditEvents(await viewer(), {
      page: 1,
      filter: {
        ...filter,
        from: new Date("2021-01-01T00:00:30Z"),
        to: new Date("2021-01-01T00:00:40Z"),
      },
    });
    expect(page.totalIsLowerBound).toBeUndefined();
    expect(page.total).toBeGreaterThanOrEqual(10);
    expect(page.total).toBeLessThanOrEqual(11);
  });
});
