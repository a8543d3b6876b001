import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyIncidentTransition,
  availableIncidentEvents,
  compareSeverity,
  INCIDENT_EVENTS,
  INCIDENT_STATUSES,
  incidentTransition,
  MILESTONES,
  OPEN_INCIDENT_STATUSES,
  SEVERITIES,
  TERMINAL_INCIDENT_STATUSES,
  type IncidentEvent,
  type IncidentLifecycle,
  type IncidentStatus,
  type MilestonePatch,
  type Severity,
} from "@/lib/domain/incidents/lifecycle";
import {
  draftPostmortem,
  needsPostmortem,
  POSTMORTEM_BUDGET_SHARE,
  postmortemComplete,
  postmortemDraftSchema,
  postmortemSchema,
  type PostmortemDraft,
  type PostmortemInput,
} from "@/lib/domain/incidents/postmortem";

const T0 = new Date("2026-11-29T10:00:00Z");
const MIN = 60_000;
const t = (minutes: number) => new Date(T0.getTime() + minutes * MIN);
/** The time events in the table happen: after every timestamp of the non-terminal fixtures. */
const AT = t(180);

/** An incident in each status, with the timestamps that status has when reached normally. */
function incidentIn(status: IncidentStatus, severity: Severity = "SEV3"): IncidentLifecycle {
  const base: IncidentLifecycle = {
    status,
    severity,
    detectedAt: T0,
    acknowledgedAt: null,
    mitigatedAt: null,
    resolvedAt: null,
    closedAt: null,
  };
  switch (status) {
    case "triage":
      return base;
    case "investigating":
      return { ...base, acknowledgedAt: t(5) };
    case "mitigated":
      return { ...base, acknowledgedAt: t(5), mitigatedAt: t(30) };
    case "resolved":
      return { ...base, acknowledgedAt: t(5), mitigatedAt: t(30), resolvedAt: t(90) };
    case "closed":
      return {
        ...base,
        acknowledgedAt: t(5),
        mitigatedAt: t(30),
        resolvedAt: t(90),
        closedAt: t(2 * 24 * 60),
      };
    case "cancelled":
      return { ...base, closedAt: t(10) };
  }
}

/**
 * The allowed (status, event) pairs: the next status and the timestamps written when the event
 * happens at AT. Every pair not listed must be refused.
 */
const ALLOWED: Record<
  IncidentStatus,
  Partial<Record<IncidentEvent, { next: IncidentStatus; timestamps: MilestonePatch }>>
> = {
  triage: {
    acknowledge: { next: "investigating", timestamps: { acknowledgedAt: AT } },
    investigate: { next: "investigating", timestamps: { acknowledgedAt: AT } },
    mitigate: { next: "mitigated", timestamps: { acknowledgedAt: AT, mitigatedAt: AT } },
    resolve: {
      next: "resolved",
      timestamps: { acknowledgedAt: AT, mitigatedAt: AT, resolvedAt: AT },
    },
    cancel: { next: "cancelled", timestamps: { closedAt: AT } },
  },
  investigating: {
    mitigate: { next: "mitigated", timestamps: { mitigatedAt: AT } },
    resolve: { next: "resolved", timestamps: { mitigatedAt: AT, resolvedAt: AT } },
    cancel: { next: "cancelled", timestamps: { closedAt: AT } },
  },
  mitigated: {
    investigate: { next: "investigating", timestamps: { mitigatedAt: null } },
    resolve: { next: "resolved", timestamps: { resolvedAt: AT } },
    cancel: { next: "cancelled", timestamps: { closedAt: AT } },
  },
  resolved: {
    close: { next: "closed", timestamps: { closedAt: AT } },
    reopen: { next: "investigating", timestamps: { mitigatedAt: null, resolvedAt: null } },
  },
  closed: {},
  cancelled: {},
};

/** A word of each status that a refusal from it must contain. */
const NAMED: Record<IncidentStatus, string> = {
  triage: "triage",
  investigating: "investigat",
  mitigated: "mitigated",
  resolved: "resolved",
  closed: "closed",
  cancelled: "cancelled",
};

function refusal(incident: IncidentLifecycle, event: IncidentEvent, at = AT, context = {}) {
  const r = incidentTransition(incident, event, at, context);
  if (r.ok) throw new Error(`${event} from ${incident.status} was accepted`);
  return r.reason;
}

describe("incident statuses", () => {
  it("splits the statuses into open, resolved and terminal", () => {
    expect([...OPEN_INCIDENT_STATUSES, "resolved", ...TERMINAL_INCIDENT_STATUSES].sort()).toEqual(
      [...INCIDENT_STATUSES].sort(),
    );
    expect(TERMINAL_INCIDENT_STATUSES).toEqual(["closed", "cancelled"]);
  });

  it("orders severities most severe first", () => {
    expect([...SEVERITIES].reverse().sort(compareSeverity)).toEqual([
      "SEV1",
      "SEV2",
      "SEV3",
      "SEV4",
    ]);
    expect(compareSeverity("SEV1", "SEV2")).toBeLessThan(0);
    expect(compareSeverity("SEV3", "SEV3")).toBe(0);
  });
});

describe("incidentTransition: every status × event", () => {
  const cases = INCIDENT_STATUSES.flatMap((status) =>
    INCIDENT_EVENTS.map((event) => [status, event] as const),
  );

  it("covers every pair", () => {
    expect(cases).toHaveLength(6 * 7);
  });

  it.each(cases)("%s + %s", (status, event) => {
    const from = Object.freeze(incidentIn(status));
    const expected = ALLOWED[status][event];
    const r = incidentTransition(from, event, AT);
    if (expected === undefined) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain(NAMED[status]);
    } else {
      expect(r).toEqual({ ok: true, ...expected });
    }
    expect(from).toEqual(incidentIn(status));
  });

  it.each(INCIDENT_STATUSES)(
    "availableIncidentEvents(%s) lists exactly the allowed events",
    (s) => {
      expect(availableIncidentEvents(incidentIn(s), AT)).toEqual(
        INCIDENT_EVENTS.filter((e) => ALLOWED[s][e] !== undefined),
      );
    },
  );
});

describe("incidentTransition: reasons", () => {
  it("explains what to do instead", () => {
    expect(refusal(incidentIn("investigating"), "acknowledge")).toBe(
      "This incident is being investigated; it was acknowledged at 2026-11-29T10:05:00.000Z.",
    );
    expect(refusal(incidentIn("resolved"), "investigate")).toContain("Reopen it");
    expect(refusal(incidentIn("mitigated"), "reopen")).toContain("mark it investigating");
    expect(refusal(incidentIn("mitigated"), "close")).toBe(
      "Only a resolved incident can be closed; this one is mitigated. Resolve it first, or cancel it if it was not a real incident.",
    );
    expect(refusal(incidentIn("resolved"), "cancel")).toContain("not yet resolved");
    expect(refusal(incidentIn("closed"), "reopen")).toBe(
      "This incident is closed; it cannot be reopened. If the problem is back, declare a new incident and link this one.",
    );
    expect(refusal(incidentIn("cancelled"), "resolve")).toBe(
      "This incident is cancelled; it cannot be resolved.",
    );
    expect(refusal(incidentIn("mitigated"), "mitigate")).toBe(
      "This incident is already mitigated.",
    );
  });

  it("an incident in investigating that was never acknowledged says so plainly", () => {
    const legacy = { ...incidentIn("investigating"), acknowledgedAt: null };
    expect(refusal(legacy, "acknowledge")).toBe(
      "This incident is being investigated; only an incident in triage can be acknowledged.",
    );
  });
});

describe("incidentTransition: timestamps", () => {
  it("never overwrites acknowledgedAt, and fills it in when it is missing", () => {
    for (const event of ["mitigate", "resolve"] as const) {
      const r = incidentTransition(incidentIn("investigating"), event, AT);
      expect(r.ok && "acknowledgedAt" in r.timestamps).toBe(false);
      const legacy = { ...incidentIn("investigating"), acknowledgedAt: null };
      const filled = incidentTransition(legacy, event, AT);
      expect(filled.ok && filled.timestamps.acknowledgedAt).toEqual(AT);
    }
    const reopened = incidentTransition(incidentIn("resolved"), "reopen", AT);
    expect(reopened.ok && "acknowledgedAt" in reopened.timestamps).toBe(false);
  });

  it("refuses an event dated before the latest timestamp, and accepts one at it", () => {
    const resolved = incidentIn("resolved");
    expect(refusal(resolved, "close", t(89))).toBe(
      "This incident cannot be closed at 2026-11-29T11:29:00.000Z: that is before it was resolved (2026-11-29T11:30:00.000Z).",
    );
    expect(incidentTransition(resolved, "close", t(90))).toMatchObject({ ok: true });
    expect(refusal(incidentIn("triage"), "acknowledge", t(-1))).toContain("before it was detected");
    expect(incidentTransition(incidentIn("triage"), "acknowledge", T0)).toMatchObject({
      ok: true,
      timestamps: { acknowledgedAt: T0 },
    });
  });

  it("refuses an invalid time", () => {
    expect(refusal(incidentIn("triage"), "acknowledge", new Date(Number.NaN))).toBe(
      "The time of this change is not a valid date.",
    );
  });

  it("a recurrence after mitigation, mitigated again, records the later mitigation", () => {
    let s = incidentIn("mitigated");
    for (const [event, at] of [
      ["investigate", t(40)],
      ["mitigate", t(50)],
      ["resolve", t(60)],
    ] as const) {
      const r = incidentTransition(s, event, at);
      if (!r.ok) throw new Error(r.reason);
      s = applyIncidentTransition(s, r);
    }
    expect(s).toMatchObject({
      status: "resolved",
      acknowledgedAt: t(5),
      mitigatedAt: t(50),
      resolvedAt: t(60),
    });
  });

  it("applyIncidentTransition keeps the caller's other fields", () => {
    const row = { ...incidentIn("triage"), id: "inc_1", title: "5xx on ranker-xl" };
    const r = incidentTransition(row, "acknowledge", AT);
    if (!r.ok) throw new Error(r.reason);
    expect(applyIncidentTransition(row, r)).toEqual({
      ...row,
      status: "investigating",
      acknowledgedAt: AT,
    });
  });

  /** What each status implies about the timestamps, when reached through transitions. */
  function consistent(s: IncidentLifecycle): void {
    const set = (m: (typeof MILESTONES)[number]) => s[m] !== null;
    const expected: Record<
      IncidentStatus,
      Partial<Record<(typeof MILESTONES)[number], boolean>>
    > = {
      triage: { acknowledgedAt: false, mitigatedAt: false, resolvedAt: false, closedAt: false },
      investigating: {
        acknowledgedAt: true,
        mitigatedAt: false,
        resolvedAt: false,
        closedAt: false,
      },
      mitigated: { acknowledgedAt: true, mitigatedAt: true, resolvedAt: false, closedAt: false },
      resolved: { acknowledgedAt: true, mitigatedAt: true, resolvedAt: true, closedAt: false },
      closed: { acknowledgedAt: true, mitigatedAt: true, resolvedAt: true, closedAt: true },
      cancelled: { resolvedAt: false, closedAt: true },
    };
    for (const [m, want] of Object.entries(expected[s.status])) {
      expect(set(m as (typeof MILESTONES)[number]), `${s.status}: ${m}`).toBe(want);
    }
    const order = [s.detectedAt, ...MILESTONES.map((m) => s[m])].filter(
      (d): d is Date => d !== null,
    );
    for (let i = 1; i < order.length; i++) {
      expect(order[i]!.getTime()).toBeGreaterThanOrEqual(order[i - 1]!.getTime());
    }
  }

  it("property: any run of events keeps timestamps ordered, never moved back, ack fixed", () => {
    const step = fc.record({
      event: fc.constantFrom(...INCIDENT_EVENTS),
      // mostly forward in time, sometimes backwards (which must be refused)
      minutes: fc.integer({ min: -30, max: 120 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...SEVERITIES),
        fc.array(step, { maxLength: 25 }),
        (severity, steps) => {
          let s = incidentIn("triage", severity);
          let clock = T0.getTime();
          const complete = completePostmortem();
          for (const { event, minutes } of steps) {
            clock += minutes * MIN;
            const at = new Date(clock);
            const before = s;
            const r = incidentTransition(s, event, at, { postmortem: complete });
            if (!r.ok) {
              expect(r.reason.trim()).not.toBe("");
              continue;
            }
            s = applyIncidentTransition(s, r);
            for (const m of MILESTONES) {
              const was = before[m];
              const now = s[m];
              if (now === null) {
                // only a return to investigating clears, and never the acknowledgement
                if (was !== null) {
                  expect(["mitigatedAt", "resolvedAt"]).toContain(m);
                  expect(s.status).toBe("investigating");
                }
              } else if (was !== null) {
                expect(now).toBe(was);
              } else {
                expect(now.getTime()).toBe(at.getTime());
              }
            }
            if (before.acknowledgedAt) expect(s.acknowledgedAt).toBe(before.acknowledgedAt);
            consistent(s);
          }
        },
      ),
    );
  });
});

function completePostmortem(overrides: Partial<PostmortemInput> = {}): PostmortemDraft {
  return postmortemDraftSchema.parse({
    summary: "A ranker-xl canary raised 5xx in us-east-1 until it was rolled back.",
    impact: "1.2% of ranking requests failed for 38 minutes; 23% of the availability budget.",
    timeline: [{ at: "2026-11-29T10:00:00Z", text: "Burn-rate page fired", source: "auto" }],
    contributingFactors: ["Canary analysis ignored the feature-store error class."],
    followUps: [
      {
        action: "Add feature-store errors to analysis",
        owner: "Ana@Example.com",
        dueDate: "2026-12-15",
      },
    ],
    ...overrides,
  });
}

describe("the postmortem gate on close", () => {
  const resolved = (severity: Severity) => incidentIn("resolved", severity);
  const share = (s: number) => [{ slo: "ranker-xl-availability", share: s }];

  it.each(["SEV1", "SEV2"] as const)("a %s incident needs a complete postmortem", (sev) => {
    expect(refusal(resolved(sev), "close")).toBe(
      `This incident is resolved but cannot be closed yet: it needs a complete postmortem (it is a ${sev} incident). None has been started.`,
    );
    const incomplete = completePostmortem({ contributingFactors: [], summary: " " });
    expect(refusal(resolved(sev), "close", AT, { postmortem: incomplete })).toBe(
      `This incident is resolved but cannot be closed yet: it needs a complete postmortem (it is a ${sev} incident). Still missing: Write a summary. Name at least one contributing factor.`,
    );
    expect(
      incidentTransition(resolved(sev), "close", AT, { postmortem: completePostmortem() }),
    ).toEqual({ ok: true, next: "closed", timestamps: { closedAt: AT } });
    expect(availableIncidentEvents(resolved(sev), AT)).toEqual(["reopen"]);
  });

  it.each(["SEV3", "SEV4"] as const)(
    "a %s incident closes without one at up to 20%% budget",
    (sev) => {
      expect(incidentTransition(resolved(sev), "close", AT)).toMatchObject({ ok: true });
      expect(
        incidentTransition(resolved(sev), "close", AT, { budgetConsumedShares: share(0.2) }),
      ).toMatchObject({ ok: true });
      expect(
        refusal(resolved(sev), "close", AT, { budgetConsumedShares: share(0.2 + 1e-9) }),
      ).toContain("it consumed just over 20% of ranker-xl-availability's error budget");
      expect(
        refusal(resolved(sev), "close", AT, {
          budgetConsumedShares: [...share(0.1), { slo: "ranker-xl-latency", share: 0.42 }],
        }),
      ).toContain("(it consumed 42.0% of ranker-xl-latency's error budget)");
      expect(
        incidentTransition(resolved(sev), "close", AT, {
          budgetConsumedShares: share(0.5),
          postmortem: completePostmortem(),
        }),
      ).toMatchObject({ ok: true });
    },
  );

  it("the gate applies only to close: cancelling a SEV1 needs no postmortem", () => {
    expect(incidentTransition(incidentIn("triage", "SEV1"), "cancel", AT)).toMatchObject({
      ok: true,
      next: "cancelled",
    });
  });
});

describe("needsPostmortem", () => {
  const needs = (severity: Severity, shares: number[]) =>
    needsPostmortem({
      severity,
      budgetConsumedShares: shares.map((share, i) => ({ slo: `slo-${i}`, share })),
    });

  it("requires one for SEV1 and SEV2 whatever the budget", () => {
    expect(needs("SEV1", [])).toEqual({ required: true, reasons: ["it is a SEV1 incident"] });
    expect(needs("SEV2", [0])).toEqual({ required: true, reasons: ["it is a SEV2 incident"] });
    expect(needs("SEV3", [])).toEqual({ required: false, reasons: [] });
    expect(needs("SEV4", [0.05, 0.19])).toEqual({ required: false, reasons: [] });
  });

  it("requires one above 20% of any budget, not at exactly 20%", () => {
    expect(POSTMORTEM_BUDGET_SHARE).toBe(0.2);
    expect(needs("SEV4", [0.2]).required).toBe(false);
    expect(needs("SEV4", [0.2000001]).reasons).toEqual([
      "it consumed just over 20% of slo-0's error budget",
    ]);
    expect(needs("SEV4", [0.2004]).reasons).toEqual([
      "it consumed just over 20% of slo-0's error budget",
    ]);
    expect(needs("SEV4", [0.2006]).reasons).toEqual(["it consumed 20.1% of slo-0's error budget"]);
    expect(needs("SEV3", [0.1, 1.5]).reasons).toEqual([
      "it consumed 150.0% of slo-1's error budget",
    ]);
    expect(needs("SEV2", [0.3]).reasons).toEqual([
      "it is a SEV2 incident",
      "it consumed 30.0% of slo-0's error budget",
    ]);
  });

  it("ignores shares that are not numbers", () => {
    expect(needs("SEV3", [Number.NaN, Number.POSITIVE_INFINITY]).required).toBe(false);
  });

  it("property: required exactly when SEV1/SEV2 or some share is above 20%", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SEVERITIES),
        fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { maxLength: 5 }),
        (sev, shares) => {
          expect(needs(sev, shares).required).toBe(
            sev === "SEV1" || sev === "SEV2" || shares.some((s) => s > 0.2),
          );
        },
      ),
    );
  });
});

describe("postmortem schemas", () => {
  it("a draft may be empty; the finished schema lists everything missing", () => {
    const empty = postmortemDraftSchema.parse({});
    expect(empty).toEqual({
      summary: "",
      impact: "",
      timeline: [],
      contributingFactors: [],
      followUps: [],
    });
    expect(postmortemComplete(empty)).toEqual({
      complete: false,
      reasons: [
        "Write a summary.",
        "Describe the impact on users and SLOs.",
        "Add at least one timeline entry.",
        "Name at least one contributing factor.",
        "Add at least one follow-up action.",
      ],
    });
    const parsed = postmortemSchema.safeParse({});
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toEqual([
      "summary",
      "impact",
      "timeline",
      "contributingFactors",
      "followUps",
    ]);
  });

  it("a complete postmortem passes both, with the owner's email lowercased", () => {
    const pm = completePostmortem();
    expect(postmortemComplete(pm)).toEqual({ complete: true });
    const parsed = postmortemSchema.parse(pm);
    expect(parsed.followUps[0]?.owner).toBe("ana@example.com");
    expect(parsed.timeline[0]?.at).toEqual(T0);
  });

  it("names each follow-up and timeline entry that is unfinished", () => {
    const pm = completePostmortem({
      timeline: [
        { at: T0, text: "Paged" },
        { at: t(5), text: "   " },
      ],
      contributingFactors: ["Stale runbook", ""],
      followUps: [
        { action: "", owner: "not an email", dueDate: null },
        { action: "Fix the runbook", owner: "ops@example.com", dueDate: "2026-12-01" },
      ],
    });
    expect(postmortemComplete(pm)).toEqual({
      complete: false,
      reasons: [
        "Timeline entry 2 has no text.",
        "Contributing factor 2 is empty; fill it in or remove it.",
        "Follow-up 1 needs an action.",
        "Follow-up 1 needs an owner's email address.",
        "Follow-up 1 needs a due date.",
      ],
    });
    expect(postmortemSchema.safeParse(pm).error?.issues.map((i) => i.path.join("."))).toEqual([
      "timeline.1.text",
      "contributingFactors.1",
      "followUps.0.action",
      "followUps.0.owner",
      "followUps.0.dueDate",
    ]);
  });

  it("rejects malformed dates even in a draft", () => {
    const bad = (input: PostmortemInput) => postmortemDraftSchema.safeParse(input).success;
    expect(bad({ followUps: [{ action: "a", owner: "", dueDate: "2026-02-30" }] })).toBe(false);
    expect(bad({ followUps: [{ action: "a", owner: "", dueDate: "next week" }] })).toBe(false);
    expect(bad({ timeline: [{ at: "yesterday", text: "x" }] })).toBe(false);
    expect(bad({ timeline: [{ at: new Date(Number.NaN), text: "x" }] })).toBe(false);
    expect(bad({ timeline: [{ at: "2026-11-29T10:00:00+01:00", text: "x" }] })).toBe(true);
  });
});

describe("draftPostmortem", () => {
  it("fills the timeline from milestones and events, oldest first, once each", () => {
    const pm = draftPostmortem({
      incident: incidentIn("resolved"),
      events: [
        { at: t(90), message: "Status: resolved", actor: "engineer@example.com" },
        { at: t(5), message: "Acknowledged" },
        { at: T0, message: "Burn-rate page fired", actor: null },
        { at: t(12), message: "Rolled back ranker-xl 2.4.0" },
        { at: t(20), message: "  " },
      ],
    });
    expect(pm.timeline.map((e) => [e.at.getTime() - T0.getTime(), e.text])).toEqual([
      [0, "Detected"],
      [0, "Burn-rate page fired"],
      [5 * MIN, "Acknowledged"],
      [12 * MIN, "Rolled back ranker-xl 2.4.0"],
      [30 * MIN, "Mitigated"],
      [90 * MIN, "Resolved"],
      [90 * MIN, "Status: resolved (engineer@example.com)"],
    ]);
    expect(pm.timeline.every((e) => e.source === "auto")).toBe(true);
    expect(postmortemComplete(pm).complete).toBe(false);
    expect(postmortemDraftSchema.parse(pm)).toEqual(pm);
  });

  it("stays savable: long notes are cut to the entry limit, and past 500 entries the milestones stay", () => {
    const long = draftPostmortem({
      incident: incidentIn("resolved"),
      events: [{ at: t(1), message: "x".repeat(5000), actor: "engineer@example.com" }],
    });
    const note = long.timeline.find((e) => e.text.startsWith("x"));
    expect(note?.text).toHaveLength(2000);
    expect(note?.text.endsWith("…")).toBe(true);
    expect(postmortemDraftSchema.safeParse(long).success).toBe(true);

    const busy = draftPostmortem({
      incident: incidentIn("resolved"),
      events: Array.from({ length: 700 }, (_, i) => ({ at: t(i / 10), message: `step ${i}` })),
    });
    expect(busy.timeline).toHaveLength(500);
    const texts = busy.timeline.map((e) => e.text);
    for (const milestone of ["Detected", "Acknowledged", "Mitigated", "Resolved"]) {
      expect(texts).toContain(milestone);
    }
    expect(texts).toContain("step 0");
    expect(texts).not.toContain("step 699");
    expect(postmortemDraftSchema.safeParse(busy).success).toBe(true);
  });
});
