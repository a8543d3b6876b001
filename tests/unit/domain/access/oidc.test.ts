import { describe, expect, it } from "vitest";
import { groupsFromClaims, parseRoleMap, roleForGroups } from "@/lib/domain/access/oidc";

describe("OIDC group mapping", () => {
  const map = parseRoleMap("sre-leads=admin, oncall=engineer,release=release_manager,staff=viewer");

  it("parses group=role pairs", () => {
    expect([...map]).toEqual([
      ["sre-leads", "admin"],
      ["oncall", "engineer"],
      ["release", "release_manager"],
      ["staff", "viewer"],
    ]);
    expect(parseRoleMap("")).toEqual(new Map());
  });

  it("keeps group names that contain '='", () => {
    expect([...parseRoleMap("cn=ops=engineer")]).toEqual([["cn=ops", "engineer"]]);
  });

  it("names the bad entry", () => {
    expect(() => parseRoleMap("oncall=superuser")).toThrow(/oncall=superuser.*viewer, engineer/);
    expect(() => parseRoleMap("=admin")).toThrow(/must be group=role/);
    expect(() => parseRoleMap("admin")).toThrow(/must be group=role/);
  });

  it("takes the most privileged matching role", () => {
    expect(roleForGroups(["staff", "oncall"], map)).toBe("engineer");
    expect(roleForGroups(["staff", "sre-leads", "oncall"], map)).toBe("admin");
    expect(roleForGroups(["staff"], map)).toBe("viewer");
  });

  it("gives no role (no access) when no group matches", () => {
    expect(roleForGroups(["marketing"], map)).toBeNull();
    expect(roleForGroups([], map)).toBeNull();
  });

  it("reads list, string and nested claims", () => {
    expect(groupsFromClaims({ groups: ["a", "b", 3] }, "groups")).toEqual(["a", "b"]);
    expect(groupsFromClaims({ role: "a" }, "role")).toEqual(["a"]);
    expect(groupsFromClaims({ realm_access: { roles: ["x"] } }, "realm_access.roles")).toEqual([
      "x",
    ]);
    expect(groupsFromClaims({}, "groups")).toEqual([]);
    expect(groupsFromClaims({ groups: null }, "groups.deeper")).toEqual([]);
  });
});
