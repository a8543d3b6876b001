import { ROLES, isRole, type Role } from "./roles";

/**
 * Parses OIDC_ROLE_MAP, e.g. "sre-leads=admin,oncall=engineer,release=release_manager,staff=viewer".
 * Throws with a message naming the bad entry, so a misconfiguration fails at start.
 */
export function parseRoleMap(spec: string): Map<string, Role> {
  const map = new Map<string, Role>();
  for (const raw of spec.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.lastIndexOf("=");
    const group = entry.slice(0, eq).trim();
    const role = entry.slice(eq + 1).trim();
    if (eq <= 0 || !group) throw new Error(`OIDC_ROLE_MAP entry "${entry}" must be group=role`);
    if (!isRole(role)) {
      throw new Error(`OIDC_ROLE_MAP entry "${entry}": role must be one of ${ROLES.join(", ")}`);
    }
    map.set(group, role);
  }
  return map;
}

/** Reads a groups claim that may be a list, a single string, or a dotted path into nested claims. */
export function groupsFromClaims(claims: Record<string, unknown>, claimPath: string): string[] {
  let value: unknown = claims;
  for (const key of claimPath.split(".")) {
    value =
      value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  return [];
}

/** The most privileged role any of the user's groups maps to; null (no access) when none match. */
export function roleForGroups(groups: readonly string[], map: Map<string, Role>): Role | null {
  let best = -1;
  for (const g of groups) {
    const role = map.get(g);
    if (role) best = Math.max(best, ROLES.indexOf(role));
  }
  return best >= 0 ? (ROLES[best] ?? null) : null;
}
