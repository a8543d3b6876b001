import { describe, expect, it } from "vitest";
import {
  defaultPromotionsOnly,
  directChangeGate,
  type DirectChangeInput,
} from "@/lib/domain/rollouts/release-process";

const now = new Date("2026-12-04T10:00:00Z");
const prod = { name: "production/us-east-1", tier: "production" as const, promotionsOnly: true };
const prodOpen = { ...prod, name: "production/eu-west-1", promotionsOnly: false };
const staging = { name: "staging/us-east-1", tier: "staging" as const, promotionsOnly: false };
const freeze = (tier: "staging" | "production" | null, from = -60, to = 60) => ({
  name: "Holiday freeze",
  tier,
  startsAt: new Date(now.getTime() + from * 60_000),
  endsAt: new Date(now.getTime() + to * 60_000),
  reason: "peak traffic",
});
const input = (c: Partial<DirectChangeInput> = {}): DirectChangeInput => ({
  change: "start",
  environments: [staging],
  freezes: [],
  now,
  fix: false,
  admin: false,
  reason: null,
  ...c,
});

describe("directChangeGate", () => {
  it("lets direct changes into open environments through, with nothing to record", () => {
    expect(directChangeGate(input({ environments: [staging, prodOpen] }))).toEqual({
      allowed: true,
      override: null,
    });
  });

  it("refuses a direct start into a promotions-only environment, saying what to do", () => {
    const gate = directChangeGate(input({ environments: [staging, prod] }));
    expect(gate).toEqual({
      allowed: false,
      reason:
        "production/us-east-1 takes changes only through promotions. Starting a rollout here directly is refused. Request a promotion instead (Promotions → New request), or an admin may push a fix through with a reason.",
    });
  });

  it.each([
    ["a release manager's fix", { fix: true, admin: false, reason: "hotfix for INC-12" }],
    ["an admin's change not marked as a fix", { fix: false, admin: true, reason: "hotfix" }],
    ["an admin's fix without a reason", { fix: true, admin: true, reason: "  " }],
    ["an admin's fix with a two-letter reason", { fix: true, admin: true, reason: "ok" }],
  ])("refuses %s", (_label, who) => {
    expect(directChangeGate(input({ environments: [prod], ...who })).allowed).toBe(false);
  });

  it("tells an admin what is missing", () => {
    const notFix = directChangeGate(input({ environments: [prod], admin: true }));
    expect(notFix).toMatchObject({ reason: expect.stringContaining("Mark the change as a fix") });
    const noReason = directChangeGate(input({ environments: [prod], admin: true, fix: true }));
    expect(noReason).toMatchObject({ reason: expect.stringContaining("at least 3 characters") });
  });

  it("lets an admin's fix with a reason through and says what it overrode", () => {
    const gate = directChangeGate(
      input({ environments: [prod], admin: true, fix: true, reason: " hotfix for INC-12 " }),
    );
    expect(gate).toEqual({
      allowed: true,
      override:
        "production/us-east-1 takes changes only through promotions: overridden by an admin for a fix: hotfix for INC-12",
    });
  });

  it("applies change freezes to direct starts and retries, in the tiers they cover", () => {
    const frozen = directChangeGate(input({ freezes: [freeze("staging")] }));
    expect(frozen).toMatchObject({ allowed: false });
    if (!frozen.allowed) {
      expect(frozen.reason).toContain(
        'change freeze "Holiday freeze" covers staging/us-east-1 until 2026-12-04T11:00:00.000Z',
      );
      expect(frozen.reason).toContain("Only fixes go out during a freeze");
    }
    expect(directChangeGate(input({ change: "retry", freezes: [freeze(null)] })).allowed).toBe(
      false,
    );
    // A freeze of production only, or one not yet started or already ended, leaves staging open.
    expect(directChangeGate(input({ freezes: [freeze("production")] })).allowed).toBe(true);
    expect(directChangeGate(input({ freezes: [freeze(null, 1, 60)] })).allowed).toBe(true);
    expect(directChangeGate(input({ freezes: [freeze(null, -60, 0)] })).allowed).toBe(true);
    // Its start is inclusive.
    expect(directChangeGate(input({ freezes: [freeze(null, 0, 60)] })).allowed).toBe(false);
  });

  it("names every blocker once when both apply, and an admin's fix overrides them together", () => {
    const both = input({
      environments: [prod, { ...prod, name: "production/us-west-2" }],
      freezes: [freeze(null)],
    });
    const refused = directChangeGate(both);
    expect(refused).toMatchObject({ allowed: false });
    if (!refused.allowed) {
      expect(refused.reason).toMatch(
        /^production\/us-east-1, production\/us-west-2 take changes only through promotions; change freeze "Holiday freeze" covers production\/us-east-1, production\/us-west-2 until/,
      );
    }
    const pushed = directChangeGate({ ...both, admin: true, fix: true, reason: "INC-7 hotfix" });
    expect(pushed).toMatchObject({ allowed: true });
  });

  it("guards promoting to 100% in promotions-only environments, but not with freezes", () => {
    const rm = directChangeGate(
      input({ change: "promote_full", environments: [prod], fix: true, reason: "go" }),
    );
    expect(rm).toMatchObject({
      allowed: false,
      reason: expect.stringContaining(
        "Promoting to 100% here is refused. Promote step by step, or an admin may promote to 100% with a reason.",
      ),
    });
    expect(
      directChangeGate(
        input({ change: "promote_full", environments: [staging], freezes: [freeze(null)] }),
      ),
    ).toEqual({ allowed: true, override: null });
    expect(
      directChangeGate(
        input({
          change: "promote_full",
          environments: [prod],
          fix: true,
          admin: true,
          reason: "hotfix",
        }),
      ),
    ).toEqual({
      allowed: true,
      override:
        "production/us-east-1 takes changes only through promotions: overridden by an admin: hotfix",
    });
  });

  it("makes production promotions-only on a fresh install, staging not", () => {
    expect(defaultPromotionsOnly("production")).toBe(true);
    expect(defaultPromotionsOnly("staging")).toBe(false);
  });
});
