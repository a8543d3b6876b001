import "server-only";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { lockRow } from "@/server/db/tx";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { db, type Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import {
  type CreateTokenData,
  type ReownTokenData,
  type RevokeTokenData,
} from "@/lib/schemas/tokens";
import { tokenState, type TokenState } from "@/lib/domain/access/api-tokens";
import { demoMode } from "@/server/demo-mode";

const TOKEN_PREFIX = "fdk_";
const DAY = 86_400_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  teamId: string;
  teamName: string;
  scopes: string[];
  /** the owner's email: the admin who created it, or who re-owned it since */
  createdBy: string;
  ownerId: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  /** whether it works now, and if not, why */
  state: TokenState;
}

const tokenSelect = {
  id: true,
  name: true,
  prefix: true,
  teamId: true,
  team: { select: { name: true } },
  scopes: true,
  createdById: true,
  createdBy: { select: { email: true, role: true, disabled: true, demo: true } },
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

type TokenRecord = Prisma.ApiTokenGetPayload<{ select: typeof tokenSelect }>;

function toRow({ createdById, createdBy, team, ...t }: TokenRecord, now = clock.now()): TokenRow {
  return {
    ...t,
    teamName: team.name,
    createdBy: createdBy.email,
    ownerId: createdById,
    state: tokenState({ ...t, owner: createdBy }, now, demoMode()),
  };
}

export async function listTokens(
  actor: Actor | null,
  query: { page: number },
): Promise<Page<TokenRow>> {
  assertAllowed(actor, "token.manage");
  const total = await db().apiToken.count();
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const rows = await db().apiToken.findMany({
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    skip,
    take,
    select: tokenSelect,
  });
  return toPage(
    rows.map((r) => toRow(r)),
    total,
    page,
    PAGE_SIZE,
  );
}

/**
 * Creates a token and returns its secret, which is shown once and stored only as a SHA-256.
 * An active token's name is unique within its team, so a double submit cannot mint two.
 */
export async function createToken(actor: Actor | null, meta: RequestMeta, input: CreateTokenData) {
  assertAllowed(actor, "token.manage");
  if (actor.kind !== "user") throw new AppError("FORBIDDEN", "API tokens cannot create tokens.");
  const secret = `${TOKEN_PREFIX}${randomBytes(30).toString("base64url")}`;
  return db().$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { id: input.teamId }, select: { id: true } });
    if (!team) throw new AppError("INVALID_INPUT", "That team does not exist.");
    // Serialise token creation per team so the name check below cannot race.
    await advisoryLock(tx, LOCKS.teamTokens(input.teamId));
    const clash = await tx.apiToken.findFirst({
      where: { teamId: input.teamId, name: input.name, revokedAt: null },
      select: { id: true },
    });
    if (clash) {
      throw new AppError(
        "CONFLICT",
        `This team already has an active token named "${input.name}".`,
      );
    }
    const token = await tx.apiToken.create({
      data: {
        name: input.name,
        teamId: input.teamId,
        scopes: input.scopes,
        tokenHash: hashToken(secret),
        prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
        createdById: actor.id,
        expiresAt: new Date(clock.ms() + input.expiresInDays * DAY),
      },
      select: tokenSelect,
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "token.create",
      targetType: "api_token",
      targetId: token.id,
      outcome: "allowed",
      after: {
        name: token.name,
        teamId: token.teamId,
        scopes: token.scopes,
        expiresAt: token.expiresAt?.toISOString() ?? null,
      },
    });
    return { token: toRow(token), secret };
  });
}

/** Revokes a token; revoking one that is already revoked succeeds and changes nothing. */
export async function revokeToken(actor: Actor | null, meta: RequestMeta, input: RevokeTokenData) {
  assertAllowed(actor, "token.manage");
  return db().$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({
      where: { id: input.tokenId },
      select: tokenSelect,
    });
    if (!token) throw new AppError("NOT_FOUND", "That token does not exist.");
    if (token.revokedAt) return toRow(token);
    // Conditional update: of two concurrent revocations, one changes the row and audits it.
    const changed = await tx.apiToken.updateMany({
      where: { id: token.id, revokedAt: null },
      data: { revokedAt: clock.now() },
    });
    const revoked = await tx.apiToken.findUniqueOrThrow({
      where: { id: token.id },
      select: tokenSelect,
    });
    if (changed.count === 0) return toRow(revoked);
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "token.revoke",
      targetType: "api_token",
      targetId: token.id,
      outcome: "allowed",
      before: { revokedAt: null },
      after: { revokedAt: revoked.revokedAt?.toISOString() ?? null },
    });
    return toRow(revoked);
  });
}

/**
 * Makes the acting admin the owner of a token, so it works again after its owner was disabled
 * (or works on when they leave). Optimistic: `ownerId` is the owner the admin saw, and a token
 * re-owned by someone else since is refused; re-owning one the admin already owns (a
 * double-click) succeeds and changes nothing.
 */
export async function reownToken(actor: Actor | null, meta: RequestMeta, input: ReownTokenData) {
  assertAllowed(actor, "token.manage");
  if (actor.kind !== "user") throw new AppError("FORBIDDEN", "API tokens cannot own tokens.");
  return db().$transaction(async (tx) => {
    await lockRow(tx, "ApiToken", input.tokenId);
    const token = await tx.apiToken.findUnique({
      where: { id: input.tokenId },
      select: tokenSelect,
    });
    if (!token) throw new AppError("NOT_FOUND", "That token does not exist.");
    if (token.createdById === actor.id) return toRow(token);
    const state = toRow(token).state;
    if (state === "revoked" || state === "expired") {
      throw new AppError("CONFLICT", `The token is ${state}: create a new one instead.`);
    }
    if (token.createdById !== input.ownerId) {
      throw new AppError(
        "CONFLICT",
        "Someone else re-owned this token since you loaded the page. Reload and try again.",
      );
    }
    const reowned = await tx.apiToken.update({
      where: { id: token.id },
      data: { createdById: actor.id },
      select: tokenSelect,
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "token.reown",
      targetType: "api_token",
      targetId: token.id,
      outcome: "allowed",
      before: { ownerId: token.createdById, owner: token.createdBy.email, state },
      after: { ownerId: actor.id, owner: actor.email },
    });
    return toRow(reowned);
  });
}

/**
 * Resolves an `Authorization: Bearer` header to a token actor, or null when the token is
 * unknown, revoked or expired, or its owner is no longer an enabled admin. Records the last use
 * (at most once a minute per token).
 */
export async function authenticateBearer(authorization: string | null): Promise<Actor | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  const secret = match?.[1];
  if (!secret || !secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
  const hash = hashToken(secret);
  const token = await db().apiToken.findUnique({
    where: { tokenHash: hash },
    select: {
      id: true,
      name: true,
      tokenHash: true,
      teamId: true,
      team: { select: { name: true } },
      scopes: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      createdBy: { select: { role: true, disabled: true, demo: true } },
    },
  });
  if (!token || !timingSafeEqual(Buffer.from(token.tokenHash), Buffer.from(hash))) return null;
  const now = clock.ms();
  if (tokenState({ ...token, owner: token.createdBy }, new Date(now), demoMode()) !== "active") {
    return null;
  }
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > 60_000) {
    await db().apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now) } });
  }
  return {
    kind: "token",
    id: token.id,
    email: `token:${token.name}`,
    name: token.name,
    role: null,
    teamId: token.teamId,
    teamName: token.team.name,
    scopes: token.scopes,
  };
}
