import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  approvalCount,
  blockingReason,
  budgetPromotionGate,
  canDecide,
  deploymentGate,
  evalGate,
  evalThresholdsSchema,
  freezeCovers,
  freezeGate,
  gatesPass,
  promotionTransition,
  requiredApprovals,
  thresholdsFromText,
  thresholdsToText,
  worstStatus,
  type Gate,
  type GateStatus,
  type PromotionEvent,
  type PromotionStatus,
  type SoakEvidence,
} from "@/lib/domain/promotions/gates";
import type { Principal } from "@/lib/domain/access/policy";

const NOW = new Date("2026-11-29T12:00:00Z");
const MIN = 60_000;
const DIGEST = `registry.example/model@sha256:${"a".repeat(64)}`;

describe("worstStatus and gatesPass", () => {
  it("orders pass < warn < unknown < fail", () => {
    expect(worstStatus([])).toBe("pass");
    expect(worstStatus(["pass", "warn"])).toBe("warn");
    expect(worstStatus(["warn", "unknown"])).toBe("unknown");
    expect(worstStatus(["unknown", "fail", "pass"])).toBe("fail");
  });

  const gate = (status: GateStatus): Gate => ({
    id: "eval",
    title: "Eval metrics",
    status,
    summary: `it is ${status}`,
    evidence: [],
  });

  it("warnings pass; failures and unknowns block, and the first blocker is the reason", () => {
    expect(gatesPass([gate("pass"), gate("warn")])).toBe(true);
    expect(gatesPass([gate("pass"), gate("unknown")])).toBe(false);
    expect(gatesPass([gate("fail")])).toBe(false);
    expect(gatesPass([])).toBe(true);
    expect(blockingReason([gate("pass"), gate("unknown"), gate("fail")])).toBe(
      "Eval metrics: it is unknown",
    );
    expect(blockingReason([gate("warn")])).toBeNull();
  });

  it("gatesPass agrees with worstStatus for any mix", () => {
    const status = fc.constantFrom<GateStatus>("pass", "warn", "unknown", "fail");
    fc.assert(
      fc.property(fc.array(status, { maxLength: 6 }), (statuses) => {
        const worst = worstStatus(statuses);
        expect(gatesPass(statuses.map(gate))).toBe(worst === "pass" || worst === "warn");
        expect(blockingReason(statuses.map(gate)) === null).toBe(gatesPass(statuses.map(gate)));
      }),
    );
  });
});

describe("evalGate", () => {
  const thresholds = evalThresholdsSchema.parse([
    { metric: "ndcg", direction: "higher", bound: 0.7, maxRegression: 0.01 },
    { metric: "ece", direction: "lower", bound: 0.05 },
    { metric: "p99", direction: "lower", bound: 200, maxRegression: 20 },
  ]);
  const production = { version: "1.0.0", metrics: { ndcg: 0.75, ece: 0.03, p99: 100 } };

  it("passes a version that clears every bound and does not regress", () => {
    const g = evalGate({ candidate: { ndcg: 0.76, ece: 0.02, p99: 110 }, production, thresholds });
    expect(g.status).toBe("pass");
    expect(g.summary).toBe("Meets all 3 thresholds.");
    expect(g.evidence.map((e) => e.label)).toEqual([
      "ndcg",
      "ndcg vs production",
      "ece",
      "p99",
      "p99 vs production",
    ]);
  });

  it("bounds are inclusive in the better direction", () => {
    const g = evalGate({
      candidate: { ndcg: 0.7, ece: 0.05, p99: 120 },
      production: null,
      thresholds,
    });
    expect(g.evidence.filter((e) => !e.label.includes("vs")).map((e) => e.status)).toEqual([
      "pass",
      "pass",
      "pass",
    ]);
  });

  it("fails below a higher-is-better bound and above a lower-is-better one", () => {
    const g = evalGate({
      candidate: { ndcg: 0.6999, ece: 0.0501, p99: 100 },
      production,
      thresholds,
    });
    expect(g.status).toBe("fail");
    expect(g.summary).toContain("ndcg");
    expect(g.summary).toContain("ece");
  });

  it("tolerates regressions up to maxRegression against production, not beyond", () => {
    const at = evalGate({ candidate: { ndcg: 0.74, ece: 0.03, p99: 120 }, production, thresholds });
    expect(at.status).toBe("pass");
    const beyond = evalGate({
      candidate: { ndcg: 0.7399, ece: 0.03, p99: 120.01 },
      production,
      thresholds,
    });
    expect(beyond.evidence.find((e) => e.label === "ndcg vs production")?.status).toBe("fail");
    expect(beyond.evidence.find((e) => e.label === "p99 vs production")?.status).toBe("fail");
    expect(beyond.evidence.find((e) => e.label === "p99 vs production")?.value).toContain("+20.01");
  });

  it("a change of exactly the tolerance passes despite binary noise", () => {
    const exact = (direction: "higher" | "lower", prod: number, value: number, tol: number) =>
      evalGate({
        candidate: { m: value },
        production: { version: "p", metrics: { m: prod } },
        thresholds: [{ metric: "m", direction, maxRegression: tol }],
      }).status;
    // 0.8 - 0.1 is 0.7000000000000001 and 0.3 + 0.6 is 0.8999999999999999 in binary.
    expect(exact("higher", 0.8, 0.7, 0.1)).toBe("pass");
    expect(exact("lower", 0.3, 0.9, 0.6)).toBe("pass");
    expect(exact("higher", 0.8, 0.6999, 0.1)).toBe("fail");
    expect(exact("lower", 0.3, 0.9001, 0.6)).toBe("fail");
    for (let p = 0; p <= 100; p++) {
      for (const tol of [0.01, 0.05, 0.1, 0.25]) {
        const prod = p / 100;
        expect(exact("higher", prod, Number((prod - tol).toFixed(2)), tol)).toBe("pass");
        expect(exact("lower", prod, Number((prod + tol).toFixed(2)), tol)).toBe("pass");
      }
    }
  });

  it("a metric the version does not report fails", () => {
    const g = evalGate({ candidate: { ndcg: 0.8, p99: 100 }, production, thresholds });
    expect(g.evidence.find((e) => e.label === "ece")).toMatchObject({
      status: "fail",
      value: "not reported by this version",
    });
    const nan = evalGate({
      candidate: { ndcg: Number.NaN, ece: 0.01, p99: 1 },
      production,
      thresholds,
    });
    expect(nan.status).toBe("fail");
  });

  it("with nothing in production, or production lacking the metric, only the bounds judge", () => {
    const none = evalGate({
      candidate: { ndcg: 0.71, ece: 0.01, p99: 190 },
      production: null,
      thresholds,
    });
    expect(none.status).toBe("pass");
    expect(none.evidence.find((e) => e.label === "ndcg vs production")?.value).toBe(
      "nothing in production to compare with",
    );
    const partial = evalGate({
      candidate: { ndcg: 0.71, ece: 0.01, p99: 190 },
      production: { version: "0.9", metrics: {} },
      thresholds,
    });
    expect(partial.status).toBe("warn");
    expect(partial.evidence.find((e) => e.label === "p99 vs production")?.value).toContain(
      "0.9 does not report it",
    );
  });

  it("no thresholds configured fails: there is no bar to judge against", () => {
    expect(evalGate({ candidate: { ndcg: 1 }, production, thresholds: null }).status).toBe("fail");
    expect(evalGate({ candidate: { ndcg: 1 }, production, thresholds: [] }).summary).toContain(
      "No eval thresholds",
    );
  });

  it("a threshold without bound or regression only shows the value", () => {
    const g = evalGate({
      candidate: { extra: 3 },
      production,
      thresholds: [{ metric: "extra", direction: "higher" }],
    });
    expect(g).toMatchObject({ status: "pass", evidence: [{ label: "extra", value: "3" }] });
  });

  it("the thresholds schema refuses a metric twice and unknown keys", () => {
    expect(
      evalThresholdsSchema.safeParse([
        { metric: "a", direction: "higher" },
        { metric: "a", direction: "lower" },
      ]).success,
    ).toBe(false);
    expect(evalThresholdsSchema.safeParse([{ metric: "a", direction: "up" }]).success).toBe(false);
    expect(
      evalThresholdsSchema.safeParse([{ metric: "a", direction: "higher", extra: 1 }]).success,
    ).toBe(false);
    expect(
      evalThresholdsSchema.safeParse([{ metric: "a", direction: "higher", maxRegression: -1 }])
        .success,
    ).toBe(false);
  });

  it("a higher-is-better metric passes its bound exactly when value >= bound (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        (value, bound) => {
          const g = evalGate({
            candidate: { m: value },
            production: null,
            thresholds: [{ metric: "m", direction: "higher", bound }],
          });
          expect(g.status === "pass").toBe(value >= bound);
        },
      ),
    );
  });
});

describe("deploymentGate", () => {
  const soak = (over: Partial<SoakEvidence> = {}): SoakEvidence => ({
    requiredMinutes: 60,
    servedSince: new Date(NOW.getTime() - 90 * MIN),
    environment: "staging/us-east-1",
    ready: { ready: 2, desired: 2 },
    errorRate: { value: 0.001, limit: 0.005 },
    ...over,
  });
  const base = {
    imageDigest: DIGEST,
    resources: { gpu: 1, cpu: 8, memoryGi: 32 },
    autoscaling: [{ environment: "production/us-east-1", min: 2, max: 10 }],
    missing: [] as string[],
    plan: { present: true },
    soak: soak(),
    now: NOW,
  };
  const status = (g: Gate, label: string) => g.evidence.find((e) => e.label === label)?.status;

  it("passes a pinned, resourced, autoscaled, planned and soaked version", () => {
    const g = deploymentGate(base);
    expect(g.status).toBe("pass");
    expect(g.summary).toBe("Pinned, resourced, autoscaled, planned and soaked.");
  });

  it("fails a mutable tag, missing resources, a missing plan or a missing environment", () => {
    expect(
      status(
        deploymentGate({ ...base, imageDigest: "registry.example/model:latest" }),
        "Image pinned by digest",
      ),
    ).toBe("fail");
    expect(status(deploymentGate({ ...base, resources: null }), "Resources per replica")).toBe(
      "fail",
    );
    expect(
      status(
        deploymentGate({ ...base, resources: { gpu: 1, cpu: 0, memoryGi: 8 } }),
        "Resources per replica",
      ),
    ).toBe("fail");
    expect(status(deploymentGate({ ...base, plan: { present: false } }), "Rollout plan")).toBe(
      "fail",
    );
    const missing = deploymentGate({ ...base, missing: ["production/eu-west-1"] });
    expect(missing.status).toBe("fail");
    expect(missing.summary).toContain("Runs in production/eu-west-1");
  });

  it("autoscaling needs at least one replica and max >= min", () => {
    const g = (min: number, max: number) =>
      status(
        deploymentGate({ ...base, autoscaling: [{ environment: "e", min, max }] }),
        "Autoscaling in e",
      );
    expect(g(1, 1)).toBe("pass");
    expect(g(0, 4)).toBe("fail");
    expect(g(3, 2)).toBe("fail");
  });

  it("soak: none required passes; it must serve staging, for long enough, ready and healthy", () => {
    expect(
      status(
        deploymentGate({ ...base, soak: soak({ requiredMinutes: 0, servedSince: null }) }),
        "Staging soak",
      ),
    ).toBe("pass");
    const notServing = deploymentGate({
      ...base,
      soak: soak({ servedSince: null, environment: null }),
    });
    expect(notServing.evidence.find((e) => e.label === "Staging soak")).toMatchObject({
      status: "fail",
      value: expect.stringContaining("does not serve staging now"),
    });
    const boundary = (minutes: number) =>
      status(
        deploymentGate({
          ...base,
          soak: soak({ servedSince: new Date(NOW.getTime() - minutes * MIN) }),
        }),
        "Staging soak",
      );
    expect(boundary(60)).toBe("pass");
    expect(boundary(59.99)).toBe("fail");
    // A clock skew that puts the start in the future counts as no soak yet.
    expect(boundary(-5)).toBe("fail");
    expect(
      status(
        deploymentGate({ ...base, soak: soak({ ready: { ready: 1, desired: 2 } }) }),
        "Staging replicas ready",
      ),
    ).toBe("fail");
    expect(
      status(
        deploymentGate({ ...base, soak: soak({ ready: { ready: 0, desired: 0 } }) }),
        "Staging replicas ready",
      ),
    ).toBe("fail");
    expect(
      status(
        deploymentGate({ ...base, soak: soak({ errorRate: { value: 0.005, limit: 0.005 } }) }),
        "Staging error rate",
      ),
    ).toBe("pass");
    expect(
      status(
        deploymentGate({ ...base, soak: soak({ errorRate: { value: 0.0051, limit: 0.005 } }) }),
        "Staging error rate",
      ),
    ).toBe("fail");
  });

  it("unreadable staging metrics make the gate unknown, never a pass", () => {
    const g = deploymentGate({
      ...base,
      soak: soak({ errorRate: null, metricsError: "metrics did not answer within 5000 ms" }),
    });
    expect(g.status).toBe("unknown");
    expect(g.summary).toContain("metrics did not answer");
    expect(gatesPass([g])).toBe(false);
  });
});

describe("budgetPromotionGate", () => {
  const state = (
    exhausted: string[],
    policy: "enforce" | "advisory" = "enforce",
    atRisk: string[] = [],
  ) => ({
    policy,
    exhausted,
    atRisk,
  });
  const input = {
    sloCount: 2,
    fix: false,
    adminApproved: false,
    justification: "Fixes the 5xx from the tokenizer bump",
  };

  it("no SLOs means the budget is unknown, said plainly, as a warning", () => {
    const g = budgetPromotionGate({ ...input, state: null });
    expect(g.status).toBe("warn");
    expect(g.summary).toContain("budget is unknown");
    expect(budgetPromotionGate({ ...input, sloCount: 0, state: state([]) }).status).toBe("warn");
  });

  it("passes with room, warns when at risk", () => {
    expect(budgetPromotionGate({ ...input, state: state([]) })).toMatchObject({
      status: "pass",
      summary: "All 2 SLO budgets have room.",
    });
    expect(budgetPromotionGate({ ...input, state: state([], "enforce", ["a"]) }).status).toBe(
      "warn",
    );
  });

  it("an exhausted, enforced budget refuses non-fixes, and fixes without an admin's approval", () => {
    expect(budgetPromotionGate({ ...input, state: state(["a"]) }).status).toBe("fail");
    const fix = budgetPromotionGate({ ...input, fix: true, state: state(["a"]) });
    expect(fix.status).toBe("fail");
    expect(fix.summary).toContain("needs an admin to approve or start it");
    const admin = budgetPromotionGate({
      ...input,
      fix: true,
      adminApproved: true,
      state: state(["a"]),
    });
    expect(admin).toMatchObject({ status: "warn", override: true });
    // An admin's approval does not let a non-fix through.
    expect(budgetPromotionGate({ ...input, adminApproved: true, state: state(["a"]) }).status).toBe(
      "fail",
    );
  });

  it("an advisory policy warns instead of refusing", () => {
    const g = budgetPromotionGate({ ...input, state: state(["a"], "advisory") });
    expect(g.status).toBe("warn");
    expect(g.override).toBeUndefined();
  });
});

describe("freezes", () => {
  const freeze = (tier: "staging" | "production" | null, startMin: number, endMin: number) => ({
    name: "Year-end",
    tier,
    startsAt: new Date(NOW.getTime() + startMin * MIN),
    endsAt: new Date(NOW.getTime() + endMin * MIN),
    reason: "holidays",
  });

  it("covers [startsAt, endsAt) of its tier, or of every tier when it names none", () => {
    expect(freezeCovers(freeze("production", 0, 10), "production", NOW)).toBe(true);
    expect(freezeCovers(freeze("production", -10, 0), "production", NOW)).toBe(false);
    expect(freezeCovers(freeze("production", 1, 10), "production", NOW)).toBe(false);
    expect(freezeCovers(freeze("production", -10, 10), "staging", NOW)).toBe(false);
    expect(freezeCovers(freeze(null, -10, 10), "staging", NOW)).toBe(true);
  });

  it("blocks non-fixes while in force, lets fixes through with a warning", () => {
    const active = [freeze("production", -60, 60)];
    const blocked = freezeGate({ freezes: active, tier: "production", fix: false, now: NOW });
    expect(blocked.status).toBe("fail");
    expect(blocked.summary).toContain("only fixes");
    expect(freezeGate({ freezes: active, tier: "production", fix: true, now: NOW }).status).toBe(
      "warn",
    );
    expect(freezeGate({ freezes: active, tier: "staging", fix: false, now: NOW }).status).toBe(
      "pass",
    );
  });

  it("lists an upcoming freeze within a week without blocking", () => {
    const g = freezeGate({
      freezes: [freeze("production", 60, 120), freeze("production", 8 * 1440, 9 * 1440)],
      tier: "production",
      fix: false,
      now: NOW,
    });
    expect(g.status).toBe("pass");
    expect(g.evidence.map((e) => e.label)).toEqual(["Year-end (upcoming)"]);
  });
});

describe("approvals", () => {
  const rm: Principal = { kind: "user", role: "release_manager", teamId: "ranking" };
  const request = (over: Partial<Parameters<typeof canDecide>[2]> = {}) => ({
    requestedById: "alice",
    status: "pending" as PromotionStatus,
    modelTeamId: "ranking",
    approvals: [],
    ...over,
  });

  it("counts distinct approvers, ignoring rejections and repeats", () => {
    expect(approvalCount([])).toBe(0);
    expect(
      approvalCount([
        { approverId: "a", decision: "approve" },
        { approverId: "a", decision: "approve" },
        { approverId: "b", decision: "reject" },
        { approverId: "c", decision: "approve" },
      ]),
    ).toBe(2);
  });

  it("needs the strictest target environment's count, at least one", () => {
    expect(requiredApprovals([])).toBe(1);
    expect(requiredApprovals([{ requiredApprovals: 0 }])).toBe(1);
    expect(requiredApprovals([{ requiredApprovals: 1 }, { requiredApprovals: 2 }])).toBe(2);
  });

  it("a release manager of the model's team decides once on a pending request", () => {
    expect(canDecide(rm, "bob", request())).toEqual({ allowed: true });
  });

  it("the requester never decides, whatever their role", () => {
    const admin: Principal = { kind: "user", role: "admin", teamId: null };
    for (const p of [rm, admin]) {
      expect(canDecide(p, "alice", request())).toMatchObject({
        allowed: false,
        reason: expect.stringContaining("someone else"),
      });
    }
  });

  it("refuses other roles, other teams, tokens, closed requests and second decisions", () => {
    expect(
      canDecide({ kind: "user", role: "engineer", teamId: "ranking" }, "bob", request()).allowed,
    ).toBe(false);
    expect(canDecide({ ...rm, teamId: "assistant" } as Principal, "bob", request()).allowed).toBe(
      false,
    );
    expect(
      canDecide({ kind: "user", role: "admin", teamId: null }, "bob", request({ modelTeamId: "x" }))
        .allowed,
    ).toBe(true);
    expect(
      canDecide(
        { kind: "token", scopes: ["promotion.approve"], teamId: "ranking" },
        "bob",
        request(),
      ).allowed,
    ).toBe(true);
    expect(canDecide(null, "bob", request()).allowed).toBe(false);
    for (const status of ["approved", "started", "rejected", "withdrawn"] as const) {
      expect(canDecide(rm, "bob", request({ status }))).toMatchObject({
        allowed: false,
        reason: expect.stringContaining(status),
      });
    }
    expect(
      canDecide(rm, "bob", request({ approvals: [{ approverId: "bob", decision: "reject" }] })),
    ).toMatchObject({ allowed: false, reason: "You already decided on this request." });
  });
});

describe("promotionTransition", () => {
  const STATUSES: PromotionStatus[] = ["pending", "approved", "started", "rejected", "withdrawn"];
  const EVENTS: PromotionEvent[] = [
    "edit",
    "withdraw",
    "reject",
    "approve",
    "approve_final",
    "start",
  ];
  const expected: Record<PromotionStatus, Partial<Record<PromotionEvent, PromotionStatus>>> = {
    pending: {
      edit: "pending",
      withdraw: "withdrawn",
      reject: "rejected",
      approve: "pending",
      approve_final: "approved",
    },
    approved: { edit: "pending", withdraw: "withdrawn", start: "started" },
    started: {},
    rejected: {},
    withdrawn: {},
  };

  it.each(STATUSES.flatMap((s) => EVENTS.map((e) => [s, e] as const)))(
    "%s + %s",
    (status, event) => {
      const r = promotionTransition(status, event);
      const next = expected[status][event];
      if (next) expect(r).toEqual({ ok: true, next });
      else {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason).toMatch(/cannot|no more decisions|Only an approved/);
      }
    },
  );

  it("terminal states accept nothing", () => {
    for (const s of ["started", "rejected", "withdrawn"] as const) {
      expect(EVENTS.every((e) => !promotionTransition(s, e).ok)).toBe(true);
    }
  });
});

describe("thresholds as text", () => {
  it("reads bounds, directions and regressions, skipping blanks and comments", () => {
    const r = thresholdsFromText(
      "# the bar\nndcg@10 >= 0.69, max regression 0.01\n\np99_latency_ms <= 250\nrecall higher, max regression 0.02\nece lower",
    );
    expect(r).toEqual({
      ok: true,
      thresholds: [
        { metric: "ndcg@10", direction: "higher", bound: 0.69, maxRegression: 0.01 },
        { metric: "p99_latency_ms", direction: "lower", bound: 250 },
        { metric: "recall", direction: "higher", maxRegression: 0.02 },
        { metric: "ece", direction: "lower" },
      ],
    });
    expect(thresholdsFromText("")).toEqual({ ok: true, thresholds: [] });
  });

  it("names the line that does not parse, and refuses duplicates and negative regressions", () => {
    expect(thresholdsFromText("a >= 1\nb > 2")).toMatchObject({
      ok: false,
      error: expect.stringContaining('Line 2 ("b > 2")'),
    });
    expect(thresholdsFromText("a >= 1\na <= 3")).toMatchObject({
      ok: false,
      error: expect.stringContaining("two thresholds"),
    });
    expect(thresholdsFromText("a >= 1, max regression -1").ok).toBe(false);
    expect(thresholdsFromText("a >= ").ok).toBe(false);
  });

  it("round-trips through text (property)", () => {
    const threshold = fc.record(
      {
        metric: fc.stringMatching(/^[a-z][a-z0-9_@.]{0,20}$/),
        direction: fc.constantFrom<"higher" | "lower">("higher", "lower"),
        bound: fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
        maxRegression: fc.double({ min: 0, max: 1e3, noNaN: true, noDefaultInfinity: true }),
      },
      { requiredKeys: ["metric", "direction"] },
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(threshold, { selector: (t) => t.metric, maxLength: 8 }),
        (list) => {
          const normal = list.map((t) => ({
            ...t,
            ...(t.bound !== undefined ? { bound: t.bound === 0 ? 0 : t.bound } : {}),
            ...(t.maxRegression !== undefined
              ? { maxRegression: t.maxRegression === 0 ? 0 : t.maxRegression }
              : {}),
          }));
          expect(thresholdsFromText(thresholdsToText(normal))).toEqual({
            ok: true,
            thresholds: normal,
          });
        },
      ),
    );
  });
});
