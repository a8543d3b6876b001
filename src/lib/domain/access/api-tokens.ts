import type { Permission } from "./policy";

/**
 * The permissions an API token may be granted: never the management of users, tokens or
 * settings, which only a signed-in admin may use.
 */
export const TOKEN_SCOPES = [
  "fleet.read",
  "model.register",
  "incident.work",
  "rollout.operate",
  "slo.manage",
  // drains and failovers over /api/v1/drains, of the token's own team's models only
  "traffic.shift",
] as const satisfies readonly Permission[];

/**
 * When an API token works. A token acts with the authority of the admin who owns it: it stops
 * when they stop being an enabled admin (disabled, demoted, or a demo account with demo mode
 * off), until another admin re-owns it.
 */

export interface TokenOwner {
  role: string | null;
  disabled: boolean;
  demo: boolean;
}

export interface TokenLifetime {
  revokedAt: Date | null;
  expiresAt: Date | null;
  owner: TokenOwner;
}

export type TokenState = "active" | "revoked" | "expired" | "owner_inactive";

export function ownerActive(owner: TokenOwner, demoMode: boolean): boolean {
  return owner.role === "admin" && !owner.disabled && (!owner.demo || demoMode);
}

export function tokenState(token: TokenLifetime, now: Date, demoMode: boolean): TokenState {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return "expired";
  if (!ownerActive(token.owner, demoMode)) return "owner_inactive";
  return "active";
}
