import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  analysisOutcome,
  judgeInterval,
  MARGINAL_SCORE,
  type IntervalVerdict,
  type MetricResult,
  type MetricSample,
} from "@/lib/domain/rollouts/analysis";
import {
  DEFAULT_THRESHOLDS,
  defaultPlan,
  planSchema,
  weightBefore,
  type AnalysisThresholds,
  type PlanStep,
} from "@/lib/domain/rollouts/plan";
import {
  ACTIVE,
  availableCommands,
  canRetry,
  ROLLOUT_STATUSES,
  TERMINAL,
  transition,
  type RolloutCommand,
  type RolloutState,
  type RolloutStatus,
  type UserCommand,
} from "@/lib/domain/rollouts/state-machine";

// ---------------------------------------------------------------------------------------------
// State machine
// ---------------------------------------------------------------------------------------------

type CommandType = RolloutCommand["type"];

/**
 * One of each command, keyed by type so that a command added to RolloutCommand and missing here
 * is a type error; step_applied carries a valid weight.
 */
const COMMAND_OF: { [K in CommandType]: Extract<RolloutCommand, { type: K }> } = {
  pause: { type: "pause" },
  resume: { type: "resume" },
  promote: { type: "promote" },
  promote_full: { type: "promote_full" },
  abort: { type: "abort" },
  rollback: { type: "rollback" },
  pause_step: { type: "pause_step" },
  start: { type: "start" },
  step_applied: { type: "step_applied", weight: 50 },
  analysis_started: { type: "analysis_started" },
  analysis_passed: { type: "analysis_passed" },
  analysis_failed: { type: "analysis_failed" },
  slo_burn: { type: "slo_burn" },
  outside_change: { type: "outside_change" },
  platform_unknown: { type: "platform_unknown" },
  reconciled: { type: "reconciled" },
};
const COMMANDS: readonly RolloutCommand[] = Object.values(COMMAND_OF);

/** The state each status is tested from: the second of four steps, at 25%. */
const at = (status: RolloutStatus): RolloutState => ({ status, step: 1, stepCount: 4, weight: 25 });

const PROGRESSING: Partial<RolloutState> = { status: "progressing" };
const PAUSED: Partial<RolloutState> = { status: "paused" };
const DEGRADED: Partial<RolloutState> = { status: "degraded" };
const ANALYZING: Partial<RolloutState> = { status: "analyzing" };
/** the next step, at the weight already in force */
const NEXT_STEP: Partial<RolloutState> = { status: "progressing", step: 2, weight: 25 };
const COMPLETED: Partial<RolloutState> = { status: "completed", step: 4, weight: 100 };
const ABORTED: Partial<RolloutState> = { status: "aborted", weight: 0 };
const ROLLED_BACK: Partial<RolloutState> = { status: "rolled_back", weight: 0 };

/**
 * The allowed (status, command) pairs and the change each makes to `at(status)`; every pair
 * not listed must be refused.
 */
const ALLOWED: Record<RolloutStatus, Partial<Record<CommandType, Partial<RolloutState>>>> = {
  pending: { start: PROGRESSING, abort: ABORTED, rollback: ROLLED_BACK },
  progressing: {
    pause: PAUSED,
    promote: NEXT_STEP,
    promote_full: COMPLETED,
    abort: ABORTED,
    rollback: ROLLED_BACK,
    pause_step: PAUSED,
    step_applied: { status: "progressing", step: 2, weight: 50 },
    analysis_started: ANALYZING,
    slo_burn: PAUSED,
    outside_change: PAUSED,
    platform_unknown: DEGRADED,
  },
  paused: {
    resume: PROGRESSING,
    promote: NEXT_STEP,
    promote_full: COMPLETED,
    abort: ABORTED,
    rollback: ROLLED_BACK,
    platform_unknown: DEGRADED,
  },
  analyzing: {
    pause: PAUSED,
    promote: NEXT_STEP,
    promote_full: COMPLETED,
    abort: ABORTED,
    rollback: ROLLED_BACK,
    analysis_passed: NEXT_STEP,
    analysis_failed: ABORTED,
    slo_burn: PAUSED,
    outside_change: PAUSED,
    platform_unknown: DEGRADED,
  },
  degraded: {
    abort: ABORTED,
    rollback: ROLLED_BACK,
    reconciled: PROGRESSING,
    outside_change: PAUSED,
  },
  aborted: {},
  rolled_back: {},
  completed: {},
};

const IS_USER_COMMAND: Record<UserCommand, true> = {
  pause: true,
  resume: true,
  promote: true,
  promote_full: true,
  abort: true,
  rollback: true,
};
const USER_COMMANDS = Object.keys(IS_USER_COMMAND) as UserCommand[];

const AVAILABLE: Record<RolloutStatus, UserCommand[]> = {
  pending: ["abort", "rollback"],
  progressing: ["pause", "promote", "promote_full", "abort", "rollback"],
  paused: ["resume", "promote", "promote_full", "abort", "rollback"],
  analyzing: ["pause", "promote", "promote_full", "abort", "rollback"],
  degraded: ["abort", "rollback"],
  aborted: [],
  rolled_back: [],
  completed: [],
};

function expectRefused(s: RolloutState, c: RolloutCommand): string {
  const r = transition(s, c);
  expect(r.ok).toBe(false);
  if (r.ok) return "";
  expect(r.reason.trim().length).toBeGreaterThan(0);
  return r.reason;
}

function expectState(s: RolloutState, c: RolloutCommand): RolloutState {
  const r = transition(s, c);
  expect(r).toMatchObject({ ok: true });
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.state;
}

describe("rollout statuses", () => {
  it("splits every status into active or terminal, never both", () => {
    expect([...ACTIVE, ...TERMINAL].sort()).toEqual([...ROLLOUT_STATUSES].sort());
    expect(ACTIVE.filter((s) => TERMINAL.includes(s))).toEqual([]);
    expect([...TERMINAL].sort()).toEqual(["aborted", "completed", "rolled_back"]);
  });
});

describe("transition: every status × command", () => {
  const cases = ROLLOUT_STATUSES.flatMap((status) =>
    COMMANDS.map((command) => [status, command.type, command] as const),
  );

  it("covers every pair", () => {
    expect(new Set(COMMANDS.map((c) => c.type)).size).toBe(COMMANDS.length);
    expect(cases).toHaveLength(ROLLOUT_STATUSES.length * COMMANDS.length);
  });

  it.each(cases)("%s + %s", (status, type, command) => {
    const from = Object.freeze(at(status));
    const patch = ALLOWED[status][type];
    const r = transition(from, command);
    if (patch === undefined) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.trim()).not.toBe("");
    } else {
      expect(r).toEqual({ ok: true, state: { ...at(status), ...patch } });
    }
    // the input is never changed
    expect(from).toEqual(at(status));
  });
});

describe("transition: edge cases", () => {
  const last = (status: RolloutStatus, weight = 50): RolloutState => ({
    status,
    step: 3,
    stepCount: 4,
    weight,
  });

  it.each(["progressing", "paused", "analyzing"] as const)(
    "promote on the last step completes at 100%% (from %s)",
    (status) => {
      expect(expectState(last(status), { type: "promote" })).toEqual({
        status: "completed",
        step: 4,
        stepCount: 4,
        weight: 100,
      });
    },
  );

  it("step_applied on the last step completes at 100%, whatever weight was applied", () => {
    expect(expectState(last("progressing"), { type: "step_applied", weight: 50 })).toEqual({
      status: "completed",
      step: 4,
      stepCount: 4,
      weight: 100,
    });
  });

  it("analysis_passed on the last step completes at 100%", () => {
    expect(expectState(last("analyzing"), { type: "analysis_passed" })).toEqual({
      status: "completed",
      step: 4,
      stepCount: 4,
      weight: 100,
    });
  });

  it("a one-step rollout completes on its first step", () => {
    const s: RolloutState = { status: "progressing", step: 0, stepCount: 1, weight: 0 };
    expect(expectState(s, { type: "step_applied", weight: 30 })).toEqual({
      status: "completed",
      step: 1,
      stepCount: 1,
      weight: 100,
    });
    expect(expectState(s, { type: "promote" })).toMatchObject({ status: "completed", step: 1 });
  });

  it.each([101, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, 1000])(
    "refuses step_applied with weight %s",
    (weight) => {
      const reason = expectRefused(at("progressing"), { type: "step_applied", weight });
      expect(reason).toContain(`${weight}%`);
    },
  );

  it.each([0, 1, 99, 100])("accepts step_applied with the boundary weight %s", (weight) => {
    expect(expectState(at("progressing"), { type: "step_applied", weight })).toEqual({
      status: "progressing",
      step: 2,
      stepCount: 4,
      weight,
    });
  });

  it.each(ACTIVE)("abort from %s sets the weight to 0", (status) => {
    expect(expectState({ ...at(status), weight: 80 }, { type: "abort" })).toEqual({
      status: "aborted",
      step: 1,
      stepCount: 4,
      weight: 0,
    });
  });

  it.each(ACTIVE)("rollback from %s sets the weight to 0", (status) => {
    expect(expectState({ ...at(status), weight: 80 }, { type: "rollback" })).toEqual({
      status: "rolled_back",
      step: 1,
      stepCount: 4,
      weight: 0,
    });
  });

  it("analysis_failed aborts at weight 0", () => {
    expect(expectState({ ...at("analyzing"), weight: 60 }, { type: "analysis_failed" })).toEqual({
      ...at("analyzing"),
      status: "aborted",
      weight: 0,
    });
  });

  it("says a paused rollout is already paused", () => {
    expect(expectRefused(at("paused"), { type: "pause" })).toMatch(/already paused/);
  });

  it.each(TERMINAL)("%s refuses every command, with a reason", (status) => {
    const s: RolloutState =
      status === "completed"
        ? { status, step: 4, stepCount: 4, weight: 100 }
        : { status, step: 2, stepCount: 4, weight: 0 };
    for (const c of [...COMMANDS, { type: "step_applied" as const, weight: 100 }]) {
      expectRefused(s, c);
    }
  });

  it("points an aborted rollout at retry or roll back", () => {
    expect(expectRefused(at("aborted"), { type: "resume" })).toMatch(/Retry it or roll back/);
    expect(expectRefused(at("completed"), { type: "resume" })).not.toMatch(/Retry/);
  });
});

describe("canRetry", () => {
  it.each(ROLLOUT_STATUSES)("%s", (status) => {
    const r = canRetry(status);
    if (status === "aborted") {
      expect(r).toEqual({ ok: true });
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.trim()).not.toBe("");
    }
  });
});

describe("availableCommands", () => {
  it.each(ROLLOUT_STATUSES)("%s", (status) => {
    const s = at(status);
    expect([...availableCommands(s)].sort()).toEqual([...AVAILABLE[status]].sort());
    // consistent with transition
    for (const type of USER_COMMANDS) {
      expect(availableCommands(s).includes(type)).toBe(transition(s, { type }).ok);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// State machine properties
// ---------------------------------------------------------------------------------------------

const SIMPLE_COMMANDS = COMMANDS.filter((c) => c.type !== "step_applied");

const commandArb: fc.Arbitrary<RolloutCommand> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SIMPLE_COMMANDS) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("step_applied" as const),
      weight: fc.oneof(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.double(),
      ),
    }),
  },
);

/** A valid state to start from: any status, 1..10 steps. */
const stateArb: fc.Arbitrary<RolloutState> = fc.integer({ min: 1, max: 10 }).chain((stepCount) =>
  fc.oneof(
    fc.record({
      status: fc.constantFrom(...ACTIVE),
      step: fc.integer({ min: 0, max: stepCount - 1 }),
      stepCount: fc.constant(stepCount),
      weight: fc.integer({ min: 0, max: 100 }),
    }),
    fc.record({
      status: fc.constantFrom<RolloutStatus>("aborted", "rolled_back"),
      step: fc.integer({ min: 0, max: stepCount - 1 }),
      stepCount: fc.constant(stepCount),
      weight: fc.constant(0),
    }),
    fc.constant<RolloutState>({ status: "completed", step: stepCount, stepCount, weight: 100 }),
  ),
);

function checkInvariants(s: RolloutState, stepCount: number) {
  expect(ROLLOUT_STATUSES).toContain(s.status);
  expect(s.stepCount).toBe(stepCount);
  expect(Number.isInteger(s.weight)).toBe(true);
  expect(s.weight).toBeGreaterThanOrEqual(0);
  expect(s.weight).toBeLessThanOrEqual(100);
  expect(Number.isInteger(s.step)).toBe(true);
  expect(s.step).toBeGreaterThanOrEqual(0);
  expect(s.step).toBeLessThanOrEqual(stepCount);
  if (s.status === "completed") {
    expect(s.weight).toBe(100);
    expect(s.step).toBe(stepCount);
  } else {
    expect(s.step).toBeLessThan(stepCount);
  }
}

describe("transition properties", () => {
  it("keeps weight and step in range over any command sequence", () => {
    fc.assert(
      fc.property(stateArb, fc.array(commandArb, { maxLength: 40 }), (start, commands) => {
        let s = start;
        checkInvariants(s, start.stepCount);
        for (const c of commands) {
          const r = transition(s, c);
          if (!r.ok) {
            expect(r.reason.trim()).not.toBe("");
            continue;
          }
          expect(r.state.step).toBeGreaterThanOrEqual(s.step);
          s = r.state;
          checkInvariants(s, start.stepCount);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("never changes a rollout once it is completed, aborted or rolled back", () => {
    fc.assert(
      fc.property(stateArb, fc.array(commandArb, { maxLength: 40 }), (start, commands) => {
        let s = start;
        let final: RolloutState | null = TERMINAL.includes(s.status) ? s : null;
        for (const c of commands) {
          const r = transition(s, c);
          if (final !== null) {
            expect(r.ok).toBe(false);
            // every further command is refused, not only this one
            for (const other of COMMANDS) expect(transition(s, other).ok).toBe(false);
            expect(availableCommands(s)).toEqual([]);
            continue;
          }
          if (r.ok) {
            s = r.state;
            if (TERMINAL.includes(s.status)) final = s;
          }
        }
        if (final !== null) expect(s).toEqual(final);
      }),
      { numRuns: 500 },
    );
  });

  it("completed always means every step ran at 100%", () => {
    fc.assert(
      fc.property(stateArb, commandArb, (s, c) => {
        const r = transition(s, c);
        if (r.ok && r.state.status === "completed") {
          expect(r.state.weight).toBe(100);
          expect(r.state.step).toBe(s.stepCount);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------

const T = DEFAULT_THRESHOLDS;

/** A healthy side: limits under the defaults are 1.5% errors, 150/600 ms, PSI 0.2, 87% accuracy. */
const sample = (over: Partial<MetricSample> = {}): MetricSample => ({
  requests: 1000,
  errorRate: 0.01,
  latencyP50Ms: 100,
  latencyP99Ms: 400,
  driftPsi: 0.05,
  accuracy: 0.9,
  ...over,
});

const NO_TRAFFIC: MetricSample = {
  requests: 0,
  errorRate: null,
  latencyP50Ms: null,
  latencyP99Ms: null,
  driftPsi: null,
  accuracy: null,
};

const verdicts = (metrics: MetricResult[]) =>
  Object.fromEntries(metrics.map((m) => [m.metric, m.verdict]));

describe("judgeInterval", () => {
  it("passes with score 100 when every metric is within its limit", () => {
    const r = judgeInterval(sample(), sample(), T);
    expect(r.verdict).toBe("pass");
    expect(r.score).toBe(100);
    expect(r.metrics.map((m) => m.metric)).toEqual([
      "error_rate",
      "latency_p50",
      "latency_p99",
      "prediction_drift_psi",
      "online_accuracy",
    ]);
    expect(r.metrics.every((m) => m.verdict === "pass")).toBe(true);
    expect(r.reason).toBe("All 5 metrics within their limits.");
  });

  it("reports each metric's limit", () => {
    const r = judgeInterval(sample(), sample(), T);
    const limits = Object.fromEntries(r.metrics.map((m) => [m.metric, m.limit]));
    expect(limits.error_rate).toBeCloseTo(0.015, 12);
    expect(limits.latency_p50).toBeCloseTo(150, 9);
    expect(limits.latency_p99).toBeCloseTo(600, 9);
    expect(limits.prediction_drift_psi).toBe(0.2);
    expect(limits.online_accuracy).toBeCloseTo(0.87, 12);
  });

  it("is inconclusive below minRequests", () => {
    const r = judgeInterval(sample({ requests: T.minRequests - 1 }), sample(), T);
    expect(r).toMatchObject({ verdict: "inconclusive", score: null, metrics: [] });
    expect(r.reason).toContain(`${T.minRequests}`);
  });

  it("judges an interval with exactly minRequests canary requests", () => {
    const r = judgeInterval(sample({ requests: T.minRequests }), sample(), T);
    expect(r.verdict).toBe("pass");
    expect(r.score).toBe(100);
  });

  it("is inconclusive, never a pass, with zero canary traffic", () => {
    expect(judgeInterval(NO_TRAFFIC, sample(), T)).toMatchObject({
      verdict: "inconclusive",
      score: null,
    });
    // even with the smallest minimum allowed
    expect(judgeInterval(NO_TRAFFIC, sample(), { ...T, minRequests: 1 })).toMatchObject({
      verdict: "inconclusive",
      score: null,
    });
    // zero requests but healthy-looking numbers: still not judged
    expect(judgeInterval(sample({ requests: 0 }), sample(), T).verdict).toBe("inconclusive");
  });

  it("is inconclusive when no metric has data on both sides", () => {
    const empty = { ...NO_TRAFFIC, requests: 500 };
    const r = judgeInterval(empty, sample(), T);
    expect(r.verdict).toBe("inconclusive");
    expect(r.score).toBeNull();
    expect(r.metrics.every((m) => m.verdict === "no_data")).toBe(true);
    // a baseline without traffic gives nothing to compare against
    expect(judgeInterval(sample(), NO_TRAFFIC, T)).toMatchObject({
      verdict: "inconclusive",
      score: null,
    });
  });

  it("fails on an error-rate failure even when the other 4 metrics pass", () => {
    const r = judgeInterval(sample({ errorRate: 0.05 }), sample(), T);
    expect(r.verdict).toBe("fail");
    expect(r.score).toBe(80);
    expect(verdicts(r.metrics)).toMatchObject({
      error_rate: "fail",
      latency_p50: "pass",
      latency_p99: "pass",
      prediction_drift_psi: "pass",
      online_accuracy: "pass",
    });
    expect(r.reason).toContain("Canary errors");
  });

  it.each<[string, Partial<MetricSample>]>([
    ["latency_p50", { latencyP50Ms: 151 }],
    ["latency_p99", { latencyP99Ms: 601 }],
    ["prediction_drift_psi", { driftPsi: 0.21 }],
    ["online_accuracy", { accuracy: 0.86 }],
  ])("is marginal with score 80 when only %s fails", (metric, over) => {
    const r = judgeInterval(sample(over), sample(), T);
    expect(r.verdict).toBe("marginal");
    expect(r.score).toBe(80);
    expect(r.metrics.filter((m) => m.verdict === "fail").map((m) => m.metric)).toEqual([metric]);
  });

  it("fails with score 60 when 3 of 5 pass", () => {
    const r = judgeInterval(sample({ driftPsi: 0.5, latencyP99Ms: 900 }), sample(), T);
    expect(r.verdict).toBe("fail");
    expect(r.score).toBe(60);
  });

  it("fails with score 0 when everything fails", () => {
    const r = judgeInterval(
      sample({ errorRate: 0.5, latencyP50Ms: 999, latencyP99Ms: 9999, driftPsi: 3, accuracy: 0.1 }),
      sample(),
      T,
    );
    expect(r).toMatchObject({ verdict: "fail", score: 0 });
  });

  it("marks a metric with null on either side no_data and leaves it out of the score", () => {
    const canaryNull = judgeInterval(sample({ accuracy: null }), sample(), T);
    expect(verdicts(canaryNull.metrics).online_accuracy).toBe("no_data");
    expect(canaryNull.metrics.find((m) => m.metric === "online_accuracy")?.limit).toBeNull();
    expect(canaryNull).toMatchObject({ verdict: "pass", score: 100 });
    expect(canaryNull.reason).toBe("All 4 metrics within their limits.");

    const baselineNull = judgeInterval(sample(), sample({ driftPsi: null }), T);
    expect(verdicts(baselineNull.metrics).prediction_drift_psi).toBe("no_data");
    expect(baselineNull).toMatchObject({ verdict: "pass", score: 100 });

    // 3 of 4 judged pass: 75, exactly the marginal floor
    const threeOfFour = judgeInterval(sample({ accuracy: null, driftPsi: 0.5 }), sample(), T);
    expect(threeOfFour).toMatchObject({ verdict: "marginal", score: MARGINAL_SCORE });

    // 2 of 3 judged pass: 67, below it
    const twoOfThree = judgeInterval(
      sample({ accuracy: null, driftPsi: null, latencyP99Ms: 900 }),
      sample(),
      T,
    );
    expect(twoOfThree).toMatchObject({ verdict: "fail", score: 67 });

    // a null error rate is not a critical failure
    const noErrors = judgeInterval(sample({ errorRate: null }), sample(), T);
    expect(verdicts(noErrors.metrics).error_rate).toBe("no_data");
    expect(noErrors).toMatchObject({ verdict: "pass", score: 100 });
  });

  it("passes a canary exactly at each limit (exactly representable values)", () => {
    const t: AnalysisThresholds = {
      ...T,
      maxErrorRateIncrease: 0.25,
      maxLatencyRatio: 2,
      maxDriftPsi: 0.5,
      maxAccuracyDrop: 0.25,
    };
    const baseline = sample({
      errorRate: 0.25,
      latencyP50Ms: 100,
      latencyP99Ms: 300,
      accuracy: 0.75,
    });
    const atLimit = sample({
      errorRate: 0.5,
      latencyP50Ms: 200,
      latencyP99Ms: 600,
      driftPsi: 0.5,
      accuracy: 0.5,
    });
    const r = judgeInterval(atLimit, baseline, t);
    expect(r).toMatchObject({ verdict: "pass", score: 100 });

    // and just past each limit fails that metric
    const past: [Partial<MetricSample>, MetricResult["metric"]][] = [
      [{ errorRate: 0.5001 }, "error_rate"],
      [{ latencyP50Ms: 200.1 }, "latency_p50"],
      [{ latencyP99Ms: 600.1 }, "latency_p99"],
      [{ driftPsi: 0.5001 }, "prediction_drift_psi"],
      [{ accuracy: 0.4999 }, "online_accuracy"],
    ];
    for (const [over, metric] of past) {
      const res = judgeInterval({ ...atLimit, ...over }, baseline, t);
      expect(verdicts(res.metrics)[metric]).toBe("fail");
    }
  });

  it("passes a canary exactly at each default limit", () => {
    const r = judgeInterval(
      sample({
        errorRate: 0.015,
        latencyP50Ms: 150,
        latencyP99Ms: 600,
        driftPsi: 0.2,
        accuracy: 0.87,
      }),
      sample(),
      T,
    );
    expect(verdicts(r.metrics)).toEqual({
      error_rate: "pass",
      latency_p50: "pass",
      latency_p99: "pass",
      prediction_drift_psi: "pass",
      online_accuracy: "pass",
    });
    expect(r).toMatchObject({ verdict: "pass", score: 100 });
  });

  // 0.03 + 0.005 is 0.034999999999999996 in floating point, so a canary at exactly
  // 3.5% errors against a 3% baseline is over the computed limit.
  it.each([
    [0.03, 0.035],
    [0.009, 0.014],
    [0.045, 0.05],
  ])(
    "passes a canary error rate exactly 0.5 points over a baseline of %s (%s)",
    (baseline, canary) => {
      const r = judgeInterval(sample({ errorRate: canary }), sample({ errorRate: baseline }), T);
      expect(verdicts(r.metrics).error_rate).toBe("pass");
      expect(r.verdict).toBe("pass");
    },
  );

  it("is consistent for any samples", () => {
    const value = (max: number) =>
      fc.option(fc.double({ min: 0, max, noNaN: true }), { nil: null });
    const sampleArb: fc.Arbitrary<MetricSample> = fc.record({
      requests: fc.integer({ min: 0, max: 100 }),
      errorRate: value(1),
      latencyP50Ms: value(1000),
      latencyP99Ms: value(5000),
      driftPsi: value(1),
      accuracy: value(1),
    });
    fc.assert(
      fc.property(sampleArb, sampleArb, (canary, baseline) => {
        const r = judgeInterval(canary, baseline, T);
        if (canary.requests < T.minRequests) {
          expect(r.verdict).toBe("inconclusive");
          return;
        }
        const judged = r.metrics.filter((m) => m.verdict !== "no_data");
        const passed = judged.filter((m) => m.verdict === "pass");
        for (const m of r.metrics) {
          expect(m.verdict === "no_data").toBe(m.canary === null || m.baseline === null);
        }
        if (judged.length === 0) {
          expect(r).toMatchObject({ verdict: "inconclusive", score: null });
          return;
        }
        expect(r.score).toBe(Math.round((passed.length / judged.length) * 100));
        if (verdicts(r.metrics).error_rate === "fail") expect(r.verdict).toBe("fail");
        expect(r.verdict === "pass").toBe(passed.length === judged.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe("analysisOutcome", () => {
  /** failure limit and consecutive limit far enough apart to test each alone */
  const FAILS_AT_3 = { ...T, failureLimit: 2, consecutiveFailureLimit: 10 };
  const THREE_IN_A_ROW = { ...T, failureLimit: 10, consecutiveFailureLimit: 3 };

  it("fails only when failures exceed failureLimit", () => {
    expect(analysisOutcome(["fail", "pass", "fail", "pass"], FAILS_AT_3, false)).toEqual({
      outcome: "running",
      failures: 2,
      consecutive: 1, // the longest run of failures so far
    });
    expect(analysisOutcome(["fail", "pass", "fail", "pass", "fail"], FAILS_AT_3, false)).toEqual({
      outcome: "failed",
      failures: 3,
      consecutive: 1,
    });
    // exactly at the limit when time is up: passed
    expect(analysisOutcome(["fail", "pass", "fail", "pass"], FAILS_AT_3, true).outcome).toBe(
      "passed",
    );
  });

  it("with failureLimit 0 fails on the first failure", () => {
    expect(
      analysisOutcome(["pass", "fail"], { ...FAILS_AT_3, failureLimit: 0 }, false).outcome,
    ).toBe("failed");
  });

  it("fails when consecutiveFailureLimit intervals fail in a row", () => {
    expect(analysisOutcome(["pass", "fail", "fail"], THREE_IN_A_ROW, false)).toEqual({
      outcome: "running",
      failures: 2,
      consecutive: 2,
    });
    expect(analysisOutcome(["pass", "fail", "fail", "fail"], THREE_IN_A_ROW, false)).toEqual({
      outcome: "failed",
      failures: 3,
      consecutive: 3,
    });
  });

  it("applies the default limits (more than 1 failure, or 2 in a row)", () => {
    expect(analysisOutcome(["fail", "pass", "pass"], T, true).outcome).toBe("passed");
    expect(analysisOutcome(["fail", "pass", "fail"], T, false).outcome).toBe("failed");
    expect(analysisOutcome(["pass", "fail", "fail"], T, false).outcome).toBe("failed");
  });

  it("counts marginal intervals as failures", () => {
    expect(analysisOutcome(["marginal", "marginal", "marginal"], THREE_IN_A_ROW, false)).toEqual({
      outcome: "failed",
      failures: 3,
      consecutive: 3,
    });
    expect(analysisOutcome(["marginal", "pass", "fail", "marginal"], FAILS_AT_3, false)).toEqual({
      outcome: "failed",
      failures: 3,
      consecutive: 2,
    });
  });

  it("resets the consecutive count on a pass", () => {
    expect(
      analysisOutcome(["fail", "fail", "pass", "fail", "fail"], THREE_IN_A_ROW, false),
    ).toEqual({ outcome: "running", failures: 4, consecutive: 2 });
  });

  it("neither counts nor resets on an inconclusive interval", () => {
    expect(
      analysisOutcome(
        ["fail", "inconclusive", "fail", "inconclusive", "fail"],
        THREE_IN_A_ROW,
        false,
      ),
    ).toEqual({ outcome: "failed", failures: 3, consecutive: 3 });
    expect(analysisOutcome(["inconclusive", "inconclusive"], T, false)).toEqual({
      outcome: "running",
      failures: 0,
      consecutive: 0,
    });
  });

  it("is inconclusive when time is up with no judged interval", () => {
    expect(analysisOutcome([], T, true)).toEqual({
      outcome: "inconclusive",
      failures: 0,
      consecutive: 0,
    });
    expect(analysisOutcome(["inconclusive", "inconclusive", "inconclusive"], T, true).outcome).toBe(
      "inconclusive",
    );
  });

  it("passes when time is up with judged intervals within the limits", () => {
    expect(analysisOutcome(["pass"], T, true).outcome).toBe("passed");
    expect(analysisOutcome(["inconclusive", "fail", "pass", "inconclusive"], T, true).outcome).toBe(
      "passed",
    );
  });

  it("keeps running while time is not up", () => {
    expect(analysisOutcome([], T, false).outcome).toBe("running");
    expect(analysisOutcome(["pass", "pass", "pass"], T, false).outcome).toBe("running");
  });

  // The analysis "fails as soon as" a run of failures is too long: a later pass must not
  // undo that. The code only looks at the trailing run of failures.
  it("stays failed after a too-long run of failures, even if a pass follows", () => {
    expect(analysisOutcome(["fail", "fail", "fail", "pass"], THREE_IN_A_ROW, false).outcome).toBe(
      "failed",
    );
    expect(analysisOutcome(["fail", "fail", "fail", "pass"], THREE_IN_A_ROW, true).outcome).toBe(
      "failed",
    );
  });

  it("once failed, stays failed whatever intervals follow", () => {
    const verdictArb = fc.constantFrom<IntervalVerdict>("pass", "marginal", "fail", "inconclusive");
    const thresholdsArb = fc.record({
      failureLimit: fc.integer({ min: 0, max: 6 }),
      consecutiveFailureLimit: fc.integer({ min: 1, max: 6 }),
    });
    fc.assert(
      fc.property(
        thresholdsArb,
        fc.array(verdictArb, { maxLength: 20 }),
        fc.array(verdictArb, { maxLength: 20 }),
        fc.boolean(),
        (limits, before, after, timeUp) => {
          const t = { ...T, ...limits };
          fc.pre(analysisOutcome(before, t, false).outcome === "failed");
          expect(analysisOutcome([...before, ...after], t, timeUp).outcome).toBe("failed");
        },
      ),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

const env = (name: string, tier: "staging" | "production") => ({ name, tier });

function issuesOf(input: unknown) {
  const r = planSchema.safeParse(input);
  expect(r.success).toBe(false);
  return r.success ? [] : r.error.issues;
}

const messagesOf = (input: unknown) => issuesOf(input).map((i) => i.message);

const validPlan = () =>
  defaultPlan([env("staging", "staging"), env("production/us", "production")]);

describe("defaultPlan", () => {
  it("runs staging first, then the first production environment, then the rest", () => {
    const plan = defaultPlan([
      env("production/us-west-2", "production"),
      env("staging/b", "staging"),
      env("production/eu-west-1", "production"),
      env("staging/a", "staging"),
      env("production/ap-south-1", "production"),
    ]);
    expect(plan.waves).toEqual([
      ["staging/a", "staging/b"],
      ["production/ap-south-1"],
      ["production/eu-west-1", "production/us-west-2"],
    ]);
  });

  it("with only production environments, starts with the first one", () => {
    expect(
      defaultPlan([
        env("production/us", "production"),
        env("production/eu", "production"),
        env("production/ap", "production"),
      ]).waves,
    ).toEqual([["production/ap"], ["production/eu", "production/us"]]);
  });

  it("with one production environment, has no third wave", () => {
    expect(defaultPlan([env("staging", "staging"), env("production", "production")]).waves).toEqual(
      [["staging"], ["production"]],
    );
    expect(defaultPlan([env("production", "production")]).waves).toEqual([["production"]]);
  });

  it("is a canary plan with rising weights ending at 100% and the default thresholds", () => {
    const plan = validPlan();
    expect(plan.strategy).toBe("canary");
    expect(plan.thresholds).toEqual(DEFAULT_THRESHOLDS);
    const weights = plan.steps.flatMap((s) => (s.kind === "set_weight" ? [s.weight] : []));
    expect(weights).toEqual([10, 25, 50, 100]);
  });

  it("is accepted by planSchema", () => {
    const plan = validPlan();
    expect(planSchema.parse(plan)).toEqual(plan);
  });

  it("is accepted by planSchema for any set of environments with distinct names", () => {
    const envsArb = fc.uniqueArray(
      fc.record({
        name: fc.string({ minLength: 1, maxLength: 12 }),
        tier: fc.constantFrom<"staging" | "production">("staging", "production"),
      }),
      { minLength: 1, maxLength: 12, selector: (e) => e.name },
    );
    fc.assert(
      fc.property(envsArb, (envs) => {
        const plan = defaultPlan(envs);
        expect(planSchema.safeParse(plan).success).toBe(true);
        // every environment in exactly one wave, staging before production
        expect(plan.waves.flat().sort()).toEqual(envs.map((e) => e.name).sort());
        const tierOf = new Map(envs.map((e) => [e.name, e.tier]));
        const tiers = plan.waves.flat().map((n) => tierOf.get(n));
        expect(tiers).toEqual([...tiers].sort((a, b) => (a === b ? 0 : a === "staging" ? -1 : 1)));
      }),
    );
  });
});

describe("planSchema", () => {
  it("fills in the default thresholds", () => {
    const { strategy, steps, waves } = validPlan();
    expect(planSchema.parse({ strategy, steps, waves }).thresholds).toEqual(DEFAULT_THRESHOLDS);
  });

  it("refuses lowering weights, naming the step", () => {
    const issues = issuesOf({
      ...validPlan(),
      steps: [
        { kind: "set_weight", weight: 50 },
        { kind: "pause" },
        { kind: "set_weight", weight: 25 },
      ],
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toBe("Step 3 lowers the weight from 50% to 25%: weights must rise.");
    expect(issues[0]?.path).toEqual(["steps", 2, "weight"]);
  });

  it("refuses a blue-green plan with a weight below 100", () => {
    expect(
      messagesOf({
        ...validPlan(),
        strategy: "blue_green",
        steps: [
          { kind: "set_weight", weight: 50 },
          { kind: "set_weight", weight: 100 },
        ],
      }),
    ).toEqual(["A blue-green plan switches all traffic at once: its only weight is 100%."]);
  });

  it("accepts a blue-green plan that switches at 100%", () => {
    const plan = {
      ...validPlan(),
      strategy: "blue_green" as const,
      steps: [{ kind: "pause" as const }, { kind: "set_weight" as const, weight: 100 }],
    };
    expect(planSchema.safeParse(plan).success).toBe(true);
  });

  it("refuses an environment in two waves", () => {
    expect(
      messagesOf({ ...validPlan(), waves: [["staging"], ["production/us", "staging"]] }),
    ).toEqual(["staging is in two waves."]);
  });

  it("refuses empty steps", () => {
    expect(messagesOf({ ...validPlan(), steps: [] })).toEqual(["A plan needs at least one step."]);
  });

  it("refuses empty waves", () => {
    expect(messagesOf({ ...validPlan(), waves: [] })).toEqual(["A plan needs at least one wave."]);
    expect(messagesOf({ ...validPlan(), waves: [["staging"], []] })).toEqual([
      "A wave needs at least one environment.",
    ]);
  });

  it.each([0, -60])("refuses a pause of %s seconds", (durationSec) => {
    expect(messagesOf({ ...validPlan(), steps: [{ kind: "pause", durationSec }] })).toEqual([
      "Pause durations must be positive.",
    ]);
  });

  it("accepts a pause without a duration (wait for a human)", () => {
    expect(planSchema.safeParse({ ...validPlan(), steps: [{ kind: "pause" }] }).success).toBe(true);
  });

  it("refuses a non-positive analysis duration or interval", () => {
    expect(
      messagesOf({
        ...validPlan(),
        steps: [{ kind: "analysis", durationSec: 0, intervalSec: 30 }],
      }),
    ).toEqual(["Analysis durations must be positive."]);
    expect(
      messagesOf({
        ...validPlan(),
        steps: [{ kind: "analysis", durationSec: 60, intervalSec: 0 }],
      }),
    ).toEqual(["Analysis intervals must be positive."]);
  });

  it.each([0, 101, -5])("refuses a weight of %s", (weight) => {
    const issues = issuesOf({ ...validPlan(), steps: [{ kind: "set_weight", weight }] });
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]?.path).toEqual(["steps", 0, "weight"]);
  });

  it("refuses a fractional weight", () => {
    expect(messagesOf({ ...validPlan(), steps: [{ kind: "set_weight", weight: 2.5 }] })).toContain(
      "Weights are whole percents.",
    );
  });

  it.each([1, 100])("accepts a weight of %s", (weight) => {
    expect(
      planSchema.safeParse({ ...validPlan(), steps: [{ kind: "set_weight", weight }] }).success,
    ).toBe(true);
  });
});

describe("weightBefore", () => {
  const steps: PlanStep[] = validPlan().steps;

  it.each([
    [0, 0],
    [1, 10],
    [2, 10],
    [3, 25],
    [4, 25],
    [5, 50],
    [6, 50],
    [7, 100],
    [50, 100],
  ])("before step %s the weight is %s", (index, weight) => {
    expect(weightBefore(steps, index)).toBe(weight);
  });

  it("is 0 with no weight steps yet", () => {
    expect(weightBefore([{ kind: "pause" }, { kind: "set_weight", weight: 40 }], 1)).toBe(0);
    expect(weightBefore([], 3)).toBe(0);
  });
});
