import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { authenticateBearer, createToken, hashToken, revokeToken } from "@/server/access/tokens";
import { setUserDisabled, updateUser } from "@/server/access/users";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { oidcSettings, upsertOidcUser } from "@/server/auth/oidc";
import { listClusters } from "@/server/fleet/clusters";
import { auditCsv, listAuditEvents } from "@/server/access/audit-log";
import { createUserAction } from "@/actions/users";
import { getOverview } from "@/server/fleet/overview";

const prisma = connectTestDatabase();
const meta = { requestId: "test-req", clientIp: "198.51.100.9" };
let admin: Actor;
let teamId = "";
let n = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;

beforeAll(async () => {
  teamId = (await prisma.team.findUniqueOrThrow({ where: { slug: "trust-safety" } })).id;
  const a = await prisma.user.create({
    data: { email: `${unique("admin")}@identity.test`, name: "Admin", role: "admin" },
  });
  admin = (await loadUserActor(a.id)) as Actor;
});
afterAll(() => prisma.$disconnect());

describe("API tokens", () => {
  it("shows the secret once, stores only its hash, and authenticates with it", async () => {
    const { token, secret } = await createToken(admin, meta, {
      name: unique("ci"),
      teamId,
      scopes: ["fleet.read", "model.register"],
      expiresInDays: 30,
    });
    expect(secret).toMatch(/^fdk_[A-Za-z0-9_-]{40}$/);
    const row = await prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.tokenHash).toBe(hashToken(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(secret.startsWith(row.prefix)).toBe(true);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "token.create", targetId: token.id },
    });
    expect(JSON.stringify(audit)).not.toContain(secret);

    expect(row.lastUsedAt).toBeNull();
    const actor = await authenticateBearer(`Bearer ${secret}`);
    expect(actor).toMatchObject({
      kind: "token",
      teamId,
      scopes: ["fleet.read", "model.register"],
    });
    expect(
      (await prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt,
    ).not.toBeNull();
    // A token reads the fleet through the same services as a user.
    await expect(listClusters(actor, { page: 1 })).resolves.toMatchObject({ total: 8 });
  });

  it("refuses unknown, malformed, revoked and expired tokens", async () => {
    expect(await authenticateBearer("Bearer fdk_not-a-real-token")).toBeNull();
    expect(await authenticateBearer("Basic abc")).toBeNull();
    expect(await authenticateBearer(null)).toBeNull();

    const { token, secret } = await createToken(admin, meta, {
      name: unique("rev"),
      teamId,
      scopes: ["fleet.read"],
      expiresInDays: 30,
    });
    await revokeToken(admin, meta, { tokenId: token.id });
    expect(await authenticateBearer(`Bearer ${secret}`)).toBeNull();
    // Revoking again is a no-op that succeeds (double-click) and writes no second audit row.
    await revokeToken(admin, meta, { tokenId: token.id });
    expect(
      await prisma.auditEvent.count({ where: { action: "token.revoke", targetId: token.id } }),
    ).toBe(1);

    const expiring = await createToken(admin, meta, {
      name: unique("exp"),
      teamId,
      scopes: ["fleet.read"],
      expiresInDays: 1,
    });
    await prisma.apiToken.update({
      where: { id: expiring.token.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await authenticateBearer(`Bearer ${expiring.secret}`)).toBeNull();
  });

  it("cannot mint two active tokens with one name in a team, even concurrently", async () => {
    const name = unique("dup");
    const input = { name, teamId, scopes: ["fleet.read" as const], expiresInDays: 30 };
    const results = await Promise.allSettled([
      createToken(admin, meta, input),
      createToken(admin, meta, input),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected");
    expect(rejected?.status === "rejected" && rejected.reason).toMatchObject({ code: "CONFLICT" });
    expect(await prisma.apiToken.count({ where: { name } })).toBe(1);
  });
});

describe("role changes", () => {
  it("take effect on the user's next request", async () => {
    const u = await prisma.user.create({
      data: { email: `${unique("oncall")}@identity.test`, name: "On call", role: "admin" },
    });
    requestContext.userId = u.id;
    const ok = await createUserAction({
      email: `${unique("made")}@identity.test`,
      name: "Made",
      role: "viewer",
      teamId: "",
      password: "correct-horse-battery",
    });
    expect(ok.ok).toBe(true);

    await updateUser(admin, meta, { userId: u.id, role: null, teamId: null, version: u.version });
    const denied = await createUserAction({
      email: `${unique("made")}@identity.test`,
      name: "Made",
      role: "viewer",
      teamId: "",
      password: "correct-horse-battery",
    });
    expect(denied).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    // and reads stop too
    await expect(getOverview(await loadUserActor(u.id), {})).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("a disabled user is signed out on the next request", async () => {
    const u = await prisma.user.create({
      data: { email: `${unique("gone")}@identity.test`, name: "Gone", role: "engineer" },
    });
    expect(await loadUserActor(u.id)).not.toBeNull();
    await setUserDisabled(admin, meta, { userId: u.id, disabled: true, version: u.version });
    expect(await loadUserActor(u.id)).toBeNull();
  });

  it("refuses a stale version instead of overwriting (optimistic concurrency)", async () => {
    const u = await prisma.user.create({
      data: { email: `${unique("contended")}@identity.test`, name: "C", role: "viewer" },
    });
    await updateUser(admin, meta, {
      userId: u.id,
      role: "engineer",
      teamId: null,
      version: u.version,
    });
    await expect(
      updateUser(admin, meta, { userId: u.id, role: "admin", teamId: null, version: u.version }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await prisma.user.findUniqueOrThrow({ where: { id: u.id } })).role).toBe("engineer");
  });

  it("treats a repeated identical change as done (double-click)", async () => {
    const u = await prisma.user.create({
      data: { email: `${unique("twice")}@identity.test`, name: "T", role: "viewer" },
    });
    const input = { userId: u.id, role: "engineer" as const, teamId: null, version: u.version };
    await updateUser(admin, meta, input);
    await expect(updateUser(admin, meta, input)).resolves.toMatchObject({
      role: "engineer",
      version: 2,
    });
    expect(
      await prisma.auditEvent.count({ where: { action: "user.update", targetId: u.id } }),
    ).toBe(1);
  });

  it("records before and after in the same transaction as the change", async () => {
    const u = await prisma.user.create({
      data: { email: `${unique("audited")}@identity.test`, name: "A", role: "viewer" },
    });
    await updateUser(admin, meta, {
      userId: u.id,
      role: "release_manager",
      teamId,
      version: u.version,
    });
    const e = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "user.update", targetId: u.id },
    });
    expect(e).toMatchObject({
      actorId: admin.id,
      actorEmail: admin.email,
      actorRole: "admin",
      outcome: "allowed",
      requestId: "test-req",
      clientIp: "198.51.100.9",
      before: { role: "viewer", teamId: null, disabled: false },
      after: { role: "release_manager", teamId, disabled: false },
    });
  });

  it("keeps at least one enabled admin", async () => {
    const others = await prisma.user.findMany({
      where: { role: "admin", disabled: false, id: { not: admin.id } },
      select: { id: true },
    });
    const peer = await prisma.user.create({
      data: { email: `${unique("admin2")}@identity.test`, name: "A2", role: "admin" },
    });
    const asPeer = (await loadUserActor(peer.id)) as Actor;
    // Leave `admin` and `peer` as the only enabled admins.
    await prisma.user.updateMany({
      where: { id: { in: others.map((o) => o.id) } },
      data: { disabled: true },
    });
    try {
      // One of two admins may go…
      const p = await prisma.user.findUniqueOrThrow({ where: { id: peer.id } });
      await updateUser(admin, meta, {
        userId: peer.id,
        role: "viewer",
        teamId: null,
        version: p.version,
      });
      // …but the last enabled admin cannot be disabled or demoted by anyone.
      const me = await prisma.user.findUniqueOrThrow({ where: { id: admin.id } });
      await prisma.user.update({
        where: { id: peer.id },
        data: { role: "admin", disabled: false },
      });
      await prisma.user.update({ where: { id: peer.id }, data: { disabled: true } });
      await expect(
        setUserDisabled(asPeer, meta, { userId: me.id, disabled: true, version: me.version }),
      ).rejects.toMatchObject({ code: "INVALID_INPUT" });
      expect((await prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).disabled).toBe(
        false,
      );
    } finally {
      await prisma.user.updateMany({
        where: { id: { in: others.map((o) => o.id) } },
        data: { disabled: false },
      });
    }
  });

  it("stops an admin from removing their own admin role", async () => {
    await expect(
      updateUser(admin, meta, { userId: admin.id, role: "viewer", teamId: null, version: 1 }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});

describe("single sign-on", () => {
  const settings = oidcSettings({
    OIDC_ISSUER: "https://idp.example.com",
    OIDC_CLIENT_ID: "flightdeck",
    OIDC_CLIENT_SECRET: "s3cret",
    OIDC_ROLE_MAP: "sre=engineer,release=release_manager,leads=admin",
    OIDC_TEAM_MAP: "team-trust=trust-safety",
  });

  it("requires client id and secret with an issuer", () => {
    expect(() => oidcSettings({ OIDC_ISSUER: "https://idp.example.com" })).toThrow(
      /OIDC_CLIENT_ID/,
    );
    expect(oidcSettings({})).toBeNull();
  });

  it("creates the user with the role and team their groups map to, and updates them on every sign-in", async () => {
    if (!settings) throw new Error("settings");
    const email = `${unique("sso")}@identity.test`;
    const id = await upsertOidcUser(
      settings,
      { email, email_verified: true, name: "Sso User", groups: ["sre", "team-trust"] },
      null,
    );
    expect(id).toBeTruthy();
    expect(await prisma.user.findUniqueOrThrow({ where: { email } })).toMatchObject({
      role: "engineer",
      teamId,
      authProvider: "oidc",
      passwordHash: null,
    });
    await upsertOidcUser(
      settings,
      { email, email_verified: true, groups: ["nothing-mapped"] },
      null,
    );
    expect((await prisma.user.findUniqueOrThrow({ where: { email } })).role).toBeNull();
  });

  it("refuses a user disabled in Flightdeck", async () => {
    if (!settings) throw new Error("settings");
    const email = `${unique("sso-off")}@identity.test`;
    await prisma.user.create({
      data: { email, name: "Off", role: "viewer", disabled: true, authProvider: "oidc" },
    });
    expect(
      await upsertOidcUser(settings, { email, email_verified: true, groups: ["leads"] }, null),
    ).toBeNull();
    expect((await prisma.user.findUniqueOrThrow({ where: { email } })).role).toBe("viewer");
  });

  it("refuses an email the identity provider has not verified", async () => {
    if (!settings) throw new Error("settings");
    const email = `${unique("sso-unverified")}@identity.test`;
    expect(await upsertOidcUser(settings, { email, groups: ["leads"] }, null)).toBeNull();
    expect(
      await upsertOidcUser(settings, { email, email_verified: false, groups: ["leads"] }, null),
    ).toBeNull();
    expect(await prisma.user.findUnique({ where: { email } })).toBeNull();
    const e = await prisma.auditEvent.findFirstOrThrow({
      where: { actorEmail: email },
      orderBy: { at: "desc" },
    });
    expect(e).toMatchObject({
      outcome: "denied",
      reason: "SSO email not verified by the identity provider",
    });
  });

  it("does not take over a password account with the same email", async () => {
    if (!settings) throw new Error("settings");
    const email = `${unique("sso-clash")}@identity.test`;
    await prisma.user.create({ data: { email, name: "Local", role: "viewer", passwordHash: "x" } });
    expect(
      await upsertOidcUser(settings, { email, email_verified: true, groups: ["leads"] }, null),
    ).toBeNull();
    expect(await prisma.user.findUniqueOrThrow({ where: { email } })).toMatchObject({
      role: "viewer",
      authProvider: "credentials",
    });
  });
});

describe("audit log queries", () => {
  it("filters by actor, action, target, outcome and time range", async () => {
    const who = `${unique("filter")}@identity.test`;
    const at = new Date("2026-01-15T10:00:00Z");
    await prisma.auditEvent.createMany({
      data: [
        {
          actorEmail: who,
          action: "user.update",
          targetType: "user",
          targetId: "u1",
          outcome: "allowed",
          at,
        },
        {
          actorEmail: who,
          action: "user.update",
          targetType: "user",
          targetId: "u2",
          outcome: "denied",
          at,
        },
        {
          actorEmail: who,
          action: "token.create",
          targetType: "api_token",
          targetId: "t1",
          outcome: "allowed",
          at: new Date("2026-02-01T00:00:00Z"),
        },
      ],
    });
    const q = (filter: object) => listAuditEvents(admin, { page: 1, filter }).then((p) => p.total);
    expect(await q({ actor: who })).toBe(3);
    expect(await q({ actor: who, action: "user." })).toBe(2);
    expect(await q({ actor: who, target: "u2" })).toBe(1);
    expect(await q({ actor: who, target: "api_token" })).toBe(1);
    expect(await q({ actor: who, outcome: "denied" })).toBe(1);
    expect(await q({ actor: who, from: new Date("2026-01-20T00:00:00Z") })).toBe(1);
    expect(await q({ actor: who, to: new Date("2026-01-20T00:00:00Z") })).toBe(2);
  });

  it("exports CSV with quoting and without spreadsheet formulas", async () => {
    const who = `${unique("csv")}@identity.test`;
    await prisma.auditEvent.create({
      data: {
        actorEmail: who,
        action: "user.update",
        targetType: "user",
        outcome: "allowed",
        reason: '=HYPERLINK("http://evil"), "quoted", with comma',
        after: { role: "admin" },
      },
    });
    let csv = "";
    for await (const chunk of auditCsv(admin, { actor: who })) csv += chunk;
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe(
      "at (UTC+00:00),actorEmail,actorRole,action,targetType,targetId,outcome,reason,requestId,clientIp,before,after",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil""), ""quoted"", with comma"`);
    expect(lines[1]).toContain(`"{""role"":""admin""}"`);
  });

  it("streams exports larger than one batch", async () => {
    const who = `${unique("bulk")}@identity.test`;
    await prisma.auditEvent.createMany({
      data: Array.from({ length: 2345 }, (_, i) => ({
        actorEmail: who,
        action: "bulk.test",
        targetType: "x",
        targetId: String(i),
        outcome: "allowed" as const,
      })),
    });
    let rows = 0;
    const ids = new Set<string>();
    for await (const chunk of auditCsv(admin, { actor: who })) {
      for (const line of chunk.trim().split("\n")) {
        if (line.startsWith("at (UTC+00:00),")) continue;
        rows++;
        ids.add(line.split(",")[5] ?? "");
      }
    }
    expect(rows).toBe(2345);
    expect(ids.size).toBe(2345);
  });
});
