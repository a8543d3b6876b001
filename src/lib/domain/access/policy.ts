import { ROLE_LABELS, isRole, type Role } from "./roles";

/**
 * What each role may do. Deny by default: a permission not listed for a role is refused,
 * and a user without a role has none.
 *
 * Two permissions act on rollouts, and the difference is the direction of the change:
 * - `rollout.operate` takes risk out: pause, resume, abort, roll back. On-call engineers hold
 *   it, so that whoever is paged can stop a bad change without waiting for anyone.
 * - `rollout.drive` moves a release forward: start, promote a step, promote to 100%, retry.
 *   Release managers hold it; where an environment takes changes only through promotions,
 *   driving directly is refused even to them (an admin's fix aside).
 * The names are part of API tokens' scopes (`rollout.operate`), so they stay as they are.
 */
export const PERMISSIONS = [
  "fleet.read",
  "incident.work",
  "rollout.operate",
  "rollout.drive",
  "promotion.request",
  "promotion.approve",
  "model.register",
  "user.manage",
  "token.manage",
  "settings.manage",
  "policy.override",
  "chaos.trigger",
  "training.operate",
  "slo.manage",
  "traffic.shift",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  // leadership: reads everything, changes nothing
  viewer: ["fleet.read"],
  // on-call: works incidents; pauses, aborts and rolls back rollouts
  engineer: [
    "fleet.read",
    "incident.work",
    "rollout.operate",
    "training.operate",
    "slo.manage",
    "traffic.shift",
  ],
  // requests and approves promotions; starts, promotes (and may stop) rollouts
  release_manager: [
    "fleet.read",
    "rollout.operate",
    "rollout.drive",
    "promotion.request",
    "promotion.approve",
    "model.register",
    "slo.manage",
  ],
  admin: PERMISSIONS,
};

export const PERMISSION_LABELS: Record<Permission, string> = {
  "fleet.read": "read the fleet",
  "incident.work": "work incidents",
  "rollout.operate": "pause, resume, abort or roll back rollouts (take risk out)",
  "rollout.drive": "start, promote or retry rollouts (move a release forward)",
  "promotion.request": "request promotions",
  "promotion.approve": "approve promotions",
  "model.register": "register model versions",
  "user.manage": "manage users",
  "token.manage": "manage API tokens",
  "settings.manage": "change settings",
  "policy.override": "override policies",
  "chaos.trigger": "trigger chaos experiments",
  "training.operate": "resume training jobs",
  "slo.manage": "define SLOs",
  "traffic.shift": "drain regions and fail over traffic",
};

export function roleHas(role: Role | null | undefined, permission: Permission): boolean {
  return isRole(role) && ROLE_PERMISSIONS[role].includes(permission);
}

export function permissionsOf(role: Role | null | undefined): readonly Permission[] {
  return isRole(role) ? ROLE_PERMISSIONS[role] : [];
}

export type Principal =
  | { kind: "user"; role: Role | null; teamId: string | null }
  /** An API token: it may use exactly its scopes, on its own team's objects. */
  | { kind: "token"; scopes: readonly string[]; teamId: string };

export type Decision = { allowed: true } | { allowed: false; reason: string };

/**
 * May this principal use `permission`, on an object owned by `ownerTeamId` when given?
 * A change to another team's object is refused unless the principal is an admin user.
 */
export function authorize(
  principal: Principal | null,
  permission: Permission,
  ownerTeamId?: string | null,
): Decision {
  if (!principal) return { allowed: false, reason: "Sign in to continue." };
  if (principal.kind === "token") {
    if (!principal.scopes.includes(permission)) {
      return { allowed: false, reason: `This API token lacks the "${permission}" scope.` };
    }
  } else {
    if (!isRole(principal.role)) {
      return { allowed: false, reason: "Your account has no role. Ask an admin to assign one." };
    }
    if (!roleHas(principal.role, permission)) {
      return {
        allowed: false,
        reason: `The ${ROLE_LABELS[principal.role]} role cannot ${PERMISSION_LABELS[permission]}.`,
      };
    }
  }
  const admin = principal.kind === "user" && principal.role === "admin";
  if (
    ownerTeamId !== undefined &&
    permission !== "fleet.read" &&
    !admin &&
    principal.teamId !== ownerTeamId
  ) {
    return {
      allowed: false,
      reason: "This belongs to another team; only that team or an admin may change it.",
    };
  }
  return { allowed: true };
}
