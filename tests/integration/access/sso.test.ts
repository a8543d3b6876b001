import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { oidcSettings, upsertOidcUser } from "@/server/auth/oidc";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

const settings = oidcSettings({
  OIDC_ISSUER: "https://idp.example.com",
  OIDC_CLIENT_ID: "flightdeck",
  OIDC_CLIENT_SECRET: "s3cret",
  OIDC_ROLE_MAP: "sre=engineer,leads=admin",
});

describe("SSO sign-in and the last enabled admin", () => {
  it("keeps the admin role the identity provider would take away, audits why, and lets them in", async () => {
    if (!settings) throw new Error("settings");
    const email = `sso-last-admin-${Date.now().toString(36)}@sso.test`;
    const signIn = (groups: string[]) =>
      upsertOidcUser(
        settings,
        { email, email_verified: true, name: "Last Admin", groups },
        "192.0.2.8",
      );
    const id = await signIn(["leads"]);
    expect(id).toBeTruthy();
    const others = await prisma.user.findMany({
      where: { role: "admin", disabled: false, id: { not: id ?? "" } },
      select: { id: true },
    });
    await prisma.user.updateMany({
      where: { id: { in: others.map((o) => o.id) } },
      data: { disabled: true },
    });
    try {
      // Moved out of the admin group (or out of every mapped group) at the identity provider.
      for (const groups of [["sre"], []]) {
        expect(await signIn(groups)).toBe(id);
        expect((await prisma.user.findUniqueOrThrow({ where: { email } })).role).toBe("admin");
        const refusal = await prisma.auditEvent.findFirstOrThrow({
          where: { action: "auth.sso_role", actorEmail: email },
          orderBy: { at: "desc" },
        });
        expect(refusal).toMatchObject({
          outcome: "denied",
          targetId: id,
          before: { role: "admin" },
          after: { role: groups.length ? "engineer" : null },
          reason: expect.stringMatching(/last enabled admin: the admin role is kept/),
        });
        const signedIn = await prisma.auditEvent.findFirstOrThrow({
          where: { action: "auth.sign_in", actorEmail: email, outcome: "allowed" },
          orderBy: { at: "desc" },
        });
        expect(signedIn.after).toMatchObject({ role: "admin" });
      }

      // With another enabled admin, the identity provider's word holds again.
      const first = others[0];
      if (!first) throw new Error("the seed has another admin");
      await prisma.user.update({ where: { id: first.id }, data: { disabled: false } });
      expect(await signIn(["sre"])).toBe(id);
      expect((await prisma.user.findUniqueOrThrow({ where: { email } })).role).toBe("engineer");
    } finally {
      await prisma.user.updateMany({
        where: { id: { in: others.map((o) => o.id) } },
        data: { disabled: false },
      });
    }
  });
});
