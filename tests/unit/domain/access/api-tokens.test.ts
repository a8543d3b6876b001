import { describe, expect, it } from "vitest";
import { tokenState } from "@/lib/domain/access/api-tokens";

const now = new Date("2026-12-01T12:00:00Z");
const admin = { role: "admin", disabled: false, demo: false };
const token = (t: Partial<Parameters<typeof tokenState>[0]> = {}) => ({
  revokedAt: null,
  expiresAt: new Date("2027-01-01T00:00:00Z"),
  owner: admin,
  ...t,
});

describe("tokenState", () => {
  it("is active before it expires, while its owner is an enabled admin", () => {
    expect(tokenState(token(), now, false)).toBe("active");
  });

  it("ends when revoked or expired", () => {
    expect(tokenState(token({ revokedAt: now }), now, false)).toBe("revoked");
    expect(tokenState(token({ expiresAt: now }), now, false)).toBe("expired");
  });

  it("stops while its owner is disabled, no longer an admin, or a demo account out of demo mode", () => {
    expect(tokenState(token({ owner: { ...admin, disabled: true } }), now, false)).toBe(
      "owner_inactive",
    );
    expect(tokenState(token({ owner: { ...admin, role: "engineer" } }), now, false)).toBe(
      "owner_inactive",
    );
    expect(tokenState(token({ owner: { ...admin, role: null } }), now, false)).toBe(
      "owner_inactive",
    );
    const demoAdmin = { ...admin, demo: true };
    expect(tokenState(token({ owner: demoAdmin }), now, false)).toBe("owner_inactive");
    expect(tokenState(token({ owner: demoAdmin }), now, true)).toBe("active");
  });
});
