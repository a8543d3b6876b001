import { describe, expect, it } from "vitest";
import {
  PERMISSIONS,
  authorize,
  permissionsOf,
  roleHas,
  type Permission,
} from "@/lib/domain/access/policy";
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import { ROLES, type Role } from "@/lib/domain/access/roles";

const EXPECTED: Record<Role, Permission[]> = {
  viewer: ["fleet.read"],
  engineer: [
    "fleet.read",
    "incident.work",
    "rollout.operate",
    "training.operate",
    "slo.manage",
    "traffic.shift",
  ],
  release_manager: [
    "fleet.read",
    "rollout.operate",
    "rollout.drive",
    "promotion.request",
    "promotion.approve",
    "model.register",
    "slo.manage",
  ],
  admin: [...PERMISSIONS],
};

describe("role permissions", () => {
  it.each(ROLES.flatMap((role) => PERMISSIONS.map((p) => [role, p] as const)))(
    "%s / %s matches the matrix",
    (role, permission) => {
      expect(roleHas(role, permission)).toBe(EXPECTED[role].includes(permission));
    },
  );

  it("gives a user without a role nothing", () => {
    expect(permissionsOf(null)).toEqual([]);
    for (const p of PERMISSIONS) {
      const d = authorize({ kind: "user", role: null, teamId: "t1" }, p);
      expect(d).toMatchObject({ allowed: false });
    }
  });

  it("refuses an anonymous caller", () => {
    expect(authorize(null, "fleet.read")).toEqual({
      allowed: false,
      reason: "Sign in to continue.",
    });
  });

  it("explains a refusal in words", () => {
    const d = authorize({ kind: "user", role: "viewer", teamId: null }, "rollout.operate");
    expect(d).toEqual({
      allowed: false,
      reason: "The Viewer role cannot pause, resume, abort or roll back rollouts (take risk out).",
    });
  });
});

describe("object-level authorization", () => {
  const engineer = { kind: "user" as const, role: "engineer" as const, teamId: "ranking" };

  it("lets a team change its own objects", () => {
    expect(authorize(engineer, "rollout.operate", "ranking")).toEqual({ allowed: true });
  });

  it("refuses a change to another team's object", () => {
    expect(authorize(engineer, "rollout.operate", "assistant")).toMatchObject({ allowed: false });
  });

  it("refuses a user without a team on a team-owned object", () => {
    expect(authorize({ ...engineer, teamId: null }, "rollout.operate", "ranking")).toMatchObject({
      allowed: false,
    });
  });

  it("lets an admin change any team's object", () => {
    expect(
      authorize({ kind: "user", role: "admin", teamId: null }, "rollout.operate", "assistant"),
    ).toEqual({
      allowed: true,
    });
  });

  it("lets anyone with a role read another team's object", () => {
    expect(authorize({ kind: "user", role: "viewer", teamId: "x" }, "fleet.read", "y")).toEqual({
      allowed: true,
    });
  });
});

describe("API token principals", () => {
  const token = {
    kind: "token" as const,
    scopes: ["fleet.read", "model.register"],
    teamId: "ranking",
  };

  it("may use exactly its scopes", () => {
    expect(authorize(token, "model.register", "ranking")).toEqual({ allowed: true });
    expect(authorize(token, "rollout.operate", "ranking")).toMatchObject({
      allowed: false,
      reason: 'This API token lacks the "rollout.operate" scope.',
    });
  });

  it("is confined to its team", () => {
    expect(authorize(token, "model.register", "assistant")).toMatchObject({ allowed: false });
  });

  it("cannot hold admin-only permissions even if a scope string says so", () => {
    const sneaky = { ...token, scopes: ["user.manage"] };
    expect(authorize(sneaky, "user.manage")).toEqual({ allowed: true });
    // …which is why token scopes are validated against TOKEN_SCOPES when a token is created:
    expect(TOKEN_SCOPES).not.toContain("user.manage");
  });
});
