import { describe, expect, it } from "vitest";
import {
  HIDDEN_EMAIL,
  auditActorName,
  seesAuditPersonalData,
  withoutEmails,
} from "@/lib/domain/access/audit-visibility";

describe("seesAuditPersonalData", () => {
  it("is for admins only", () => {
    expect(seesAuditPersonalData({ kind: "user", role: "admin", teamId: null })).toBe(true);
    for (const role of ["viewer", "engineer", "release_manager", null] as const) {
      expect(seesAuditPersonalData({ kind: "user", role, teamId: null })).toBe(false);
    }
    expect(seesAuditPersonalData({ kind: "token", scopes: ["fleet.read"], teamId: "t" })).toBe(
      false,
    );
  });
});

describe("auditActorName", () => {
  const names = new Map([["u1", "Ada Admin"]]);
  const row = (r: Partial<Parameters<typeof auditActorName>[0]>) => ({
    actorId: null,
    actorEmail: null,
    actorRole: null,
    ...r,
  });

  it("names users, tokens, Flightdeck and everyone else", () => {
    expect(auditActorName(row({ actorId: "u1", actorEmail: "ada@x.test" }), names)).toBe(
      "Ada Admin",
    );
    expect(auditActorName(row({ actorId: "gone" }), names)).toBe("deleted user");
    expect(auditActorName(row({ actorEmail: "token:ci", actorRole: "token" }), names)).toBe(
      "token:ci",
    );
    expect(auditActorName(row({ actorRole: "system" }), names)).toBe("system");
    expect(auditActorName(row({ actorEmail: "typed@x.test" }), names)).toBe("anonymous");
    expect(auditActorName(row({}), names)).toBe("anonymous");
  });
});

describe("withoutEmails", () => {
  it("hides emails in strings and nested JSON, leaving the rest", () => {
    expect(withoutEmails("by ada.lovelace+ops@example.co.uk: rolled back")).toBe(
      `by ${HIDDEN_EMAIL}: rolled back`,
    );
    expect(
      withoutEmails({ email: "a@b.io", people: ["c@d.io", "token:ci"], n: 3, none: null }),
    ).toEqual({ email: HIDDEN_EMAIL, people: [HIDDEN_EMAIL, "token:ci"], n: 3, none: null });
    expect(withoutEmails("ranker-xl@sha256:abc")).toBe("ranker-xl@sha256:abc");
    expect(withoutEmails(null)).toBeNull();
  });
});
