import { describe, expect, it } from "vitest";
import { ROLES, canRead, isRole } from "@/lib/domain/access/roles";

describe("roles", () => {
  it("lets every role read", () => {
    for (const role of ROLES) expect(canRead(role)).toBe(true);
  });

  it("denies a user with no role or an unknown role", () => {
    expect(canRead(null)).toBe(false);
    expect(canRead(undefined)).toBe(false);
    expect(isRole("superuser")).toBe(false);
    expect(isRole("release-manager")).toBe(false);
  });
});
