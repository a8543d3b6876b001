/** The four roles, least to most privileged. A user with no role is denied everything. */
export const ROLES = ["viewer", "engineer", "release_manager", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  viewer: "Viewer",
  engineer: "Engineer",
  release_manager: "Release manager",
  admin: "Admin",
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Reading the fleet needs any role; a signed-in user without one sees nothing. */
export function canRead(role: Role | null | undefined): boolean {
  return isRole(role);
}
