import "server-only";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { groupsFromClaims, parseRoleMap, roleForGroups } from "@/lib/domain/access/oidc";
import type { Role } from "@/lib/domain/access/roles";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  groupsClaim: string;
  roleMap: Map<string, Role>;
  /** group → team slug */
  teamMap: Map<string, string>;
}

/** OIDC settings from the environment, or null when SSO is not configured. */
export function oidcSettings(
  env: Record<string, string | undefined> = process.env,
): OidcSettings | null {
  const issuer = env.OIDC_ISSUER;
  if (!issuer) return null;
  const clientId = env.OIDC_CLIENT_ID;
  const clientSecret = env.OIDC_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    throw new Error("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are required too.");
  }
  const teamMap = new Map<string, string>();
  for (const entry of (env.OIDC_TEAM_MAP ?? "").split(",")) {
    const [group, team] = entry.split("=").map((s) => s.trim());
    if (group && team) teamMap.set(group, team);
  }
  return {
    issuer,
    clientId,
    clientSecret,
    name: env.OIDC_NAME ?? "SSO",
    groupsClaim: env.OIDC_GROUPS_CLAIM ?? "groups",
    roleMap: parseRoleMap(env.OIDC_ROLE_MAP ?? ""),
    teamMap,
  };
}

/**
 * An SSO sign-in: the identity provider is the source of truth for role and team, applied on
 * every sign-in. Returns our user id, or null when the account is disabled here.
 */
export async function upsertOidcUser(
  settings: OidcSettings,
  claims: Record<string, unknown>,
  clientIp: string | null,
): Promise<string | null> {
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  // An unverified email proves nothing: it could name someone else's account.
  if (!email || claims.email_verified !== true) {
    await appendAudit(db(), {
      actorEmail: email || null,
      action: "auth.sign_in",
      targetType: "session",
      outcome: "denied",
      reason: email
        ? "SSO email not verified by the identity provider"
        : "SSO profile has no email",
      clientIp,
    });
    return null;
  }
  const name =
    (typeof claims.name === "string" && claims.name) ||
    (typeof claims.preferred_username === "string" && claims.preferred_username) ||
    email;
  const groups = groupsFromClaims(claims, settings.groupsClaim);
  const role = roleForGroups(groups, settings.roleMap);
  const teamSlug = groups.map((g) => settings.teamMap.get(g)).find(Boolean) ?? null;

  return db().$transaction(async (tx) => {
    const team = teamSlug
      ? await tx.team.findUnique({ where: { slug: teamSlug }, select: { id: true } })
      : null;
    const existing = await tx.user.findUnique({
      where: { email },
      select: { id: true, role: true, teamId: true, disabled: true, authProvider: true },
    });
    // A password account is not taken over by SSO: an admin must convert it deliberately.
    const refusal = existing?.disabled
      ? "account disabled"
      : existing && existing.authProvider !== "oidc"
        ? "a password account already uses this email"
        : null;
    if (existing && refusal) {
      await appendAudit(tx, {
        actorId: existing.id,
        actorEmail: email,
        actorRole: existing.role,
        action: "auth.sign_in",
        targetType: "session",
        outcome: "denied",
        reason: refusal,
        clientIp,
      });
      return null;
    }
    // The identity provider may not take away the last enabled admin: it would lock everyone
    // out of administration. The sign-in goes ahead with the admin role kept, on the record.
    let granted = role;
    if (existing?.role === "admin" && role !== "admin") {
      await advisoryLock(tx, LOCKS.admins());
      const others = await tx.user.count({
        where: { role: "admin", disabled: false, id: { not: existing.id } },
      });
      if (others === 0) {
        granted = "admin";
        await appendAudit(tx, {
          actorId: existing.id,
          actorEmail: email,
          actorRole: "admin",
          action: "auth.sso_role",
          targetType: "user",
          targetId: existing.id,
          outcome: "denied",
          reason:
            `SSO groups (${groups.join(", ") || "none"}) map to ${role ?? "no role"}, but this is ` +
            "the last enabled admin: the admin role is kept. Make someone else admin first.",
          before: { role: existing.role },
          after: { role },
          clientIp,
        });
      }
    }
    const user = existing
      ? await tx.user.update({
          where: { id: existing.id },
          data: {
            name,
            role: granted,
            teamId: team?.id ?? null,
            authProvider: "oidc",
            version: { increment: 1 },
          },
          select: { id: true },
        })
      : await tx.user.create({
          data: { email, name, role: granted, teamId: team?.id ?? null, authProvider: "oidc" },
          select: { id: true },
        });
    await appendAudit(tx, {
      actorId: user.id,
      actorEmail: email,
      actorRole: granted,
      action: "auth.sign_in",
      targetType: "session",
      outcome: "allowed",
      reason: `SSO; groups: ${groups.join(", ") || "none"}`,
      before: existing ? { role: existing.role, teamId: existing.teamId } : undefined,
      after: { role: granted, teamId: team?.id ?? null },
      clientIp,
    });
    return user.id;
  });
}
