import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import {
  authenticateBearer,
  createToken,
  listTokens,
  reownToken,
  revokeToken,
} from "@/server/access/tokens";
import { createTokenSchema } from "@/lib/schemas/tokens";
import { loadUserActor, type Actor } from "@/server/auth/session";

const prisma = connectTestDatabase();
const meta = { requestId: "tokens-test", clientIp: "198.51.100.20" };
const DAY = 86_400_000;
let teamId = "";
let n = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;

async function newAdmin(name: string): Promise<Actor> {
  const u = await prisma.user.create({
    data: { email: `${unique(name)}@tokens.test`, name, role: "admin" },
  });
  return (await loadUserActor(u.id)) as Actor;
}

beforeAll(async () => {
  teamId = (await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } })).id;
});
afterAll(() => prisma.$disconnect());

async function listed(admin: Actor, id: string) {
  for (let page = 1; ; page++) {
    const p = await listTokens(admin, { page });
    const row = p.rows.find((r) => r.id === id);
    if (row) return row;
    if (page >= p.pageCount) throw new Error(`token ${id} is not listed`);
  }
}

describe("API token expiry", () => {
  it("expires after 90 days unless the admin chooses a term of at most a year, shown in the list", async () => {
    const admin = await newAdmin("Expiry Admin");
    const input = createTokenSchema.parse({ name: unique("ci"), teamId, scopes: ["fleet.read"] });
    expect(input.expiresInDays).toBe(90);
    const before = Date.now();
    const { token } = await createToken(admin, meta, input);
    expect(token.expiresAt?.getTime()).toBeGreaterThanOrEqual(before + 90 * DAY);
    expect(token.expiresAt?.getTime()).toBeLessThanOrEqual(Date.now() + 90 * DAY);
    expect((await listed(admin, token.id)).expiresAt).toEqual(token.expiresAt);

    const chosen = createTokenSchema.parse({
      name: unique("ci"),
      teamId,
      scopes: ["fleet.read"],
      expiresInDays: 7,
    });
    expect((await createToken(admin, meta, chosen)).token.expiresAt?.getTime()).toBeLessThanOrEqual(
      Date.now() + 7 * DAY,
    );
    // No token lives for ever.
    for (const expiresInDays of [null, 0, 366]) {
      expect(
        createTokenSchema.safeParse({ name: "ci-x", teamId, scopes: ["fleet.read"], expiresInDays })
          .success,
      ).toBe(false);
    }
  });
});

describe("API tokens and their owner", () => {
  it("stop working when the admin who owns them is disabled, until another admin re-owns them", async () => {
    const owner = await newAdmin("Leaving Admin");
    const other = await newAdmin("Staying Admin");
    const { token, secret } = await createToken(owner, meta, {
      name: unique("ci"),
      teamId,
      scopes: ["fleet.read"],
      expiresInDays: 30,
    });
    expect(await authenticateBearer(`Bearer ${secret}`)).toMatchObject({ kind: "token" });

    await prisma.user.update({ where: { id: owner.id }, data: { disabled: true } });
    expect(await authenticateBearer(`Bearer ${secret}`)).toBeNull();
    const stopped = await listed(other, token.id);
    expect(stopped).toMatchObject({ state: "owner_inactive", ownerId: owner.id });

    // Two clicks at once: one change, one audit event.
    const results = await Promise.all([
      reownToken(other, meta, { tokenId: token.id, ownerId: owner.id }),
      reownToken(other, meta, { tokenId: token.id, ownerId: owner.id }),
    ]);
    for (const r of results) expect(r).toMatchObject({ ownerId: other.id, state: "active" });
    expect(await authenticateBearer(`Bearer ${secret}`)).toMatchObject({ kind: "token" });
    const audits = await prisma.auditEvent.findMany({
      where: { action: "token.reown", targetId: token.id },
    });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorId: other.id,
      outcome: "allowed",
      before: { ownerId: owner.id, state: "owner_inactive" },
      after: { ownerId: other.id },
    });

    // Acting on a stale page: someone re-owned it since.
    const third = await newAdmin("Third Admin");
    await expect(
      reownToken(third, meta, { tokenId: token.id, ownerId: owner.id }),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    // Demoting the new owner stops it too; revoked tokens cannot be brought back.
    await prisma.user.update({ where: { id: other.id }, data: { role: "engineer" } });
    expect(await authenticateBearer(`Bearer ${secret}`)).toBeNull();
    await revokeToken(third, meta, { tokenId: token.id });
    await expect(
      reownToken(third, meta, { tokenId: token.id, ownerId: other.id }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await authenticateBearer(`Bearer ${secret}`)).toBeNull();
  });
});
