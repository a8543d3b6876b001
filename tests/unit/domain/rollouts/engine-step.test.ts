import { describe, expect, it } from "vitest";
import {
  analysisDecision,
  intervalOf,
  nextLook,
  pauseStepDecision,
  pausedDecision,
  startDecision,
  waveGate,
  weightStepDecision,
  type AnalysisStepInput,
} from "@/lib/domain/rollouts/engine-step";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/rollouts/plan";

const now = new Date("2026-12-04T10:00:00Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe("waveGate", () => {
  it("goes when every earlier rollout completed, and with no earlier wave", () => {
    expect(waveGate([])).toBe("go");
    expect(waveGate([{ wave: 0, environment: "staging/us-east-1", status: "completed" }])).toBe(
      "go",
    );
  });
  it("waits while one is still under way", () => {
    expect(
      waveGate([
        { wave: 0, environment: "a", status: "completed" },
        { wave: 0, environment: "b", status: "analyzing" },
      ]),
    ).toEqual({ do: "wait" });
  });
  it.each(["aborted", "rolled_back"])("aborts, saying why, when one was %s", (status) => {
    expect(
      waveGate([
        { wave: 0, environment: "staging/us-east-1", status: "completed" },
        { wave: 1, environment: "production/us-east-1", status },
      ]),
    ).toEqual({
      do: "transition",
      command: { type: "abort" },
      message: `Not started: wave 2 did not complete (production/us-east-1 was ${status.replace("_", " ")}).`,
      reason: "Wave 2 did not complete.",
      platformSynced: true,
    });
  });
});

describe("startDecision", () => {
  it("starts on the object found, naming the cluster and a later wave", () => {
    expect(
      startDecision({ model: "m", environment: "production/eu-west-1", wave: 2, cluster: "c1" }),
    ).toEqual({
      do: "transition",
      command: { type: "start" },
      message: "Started in production/eu-west-1 on c1 (wave 3).",
    });
    expect(startDecision({ model: "m", environment: "e", wave: 0, cluster: "c1" })).toMatchObject({
      message: "Started in e on c1.",
    });
  });
  it("aborts, with nothing for the platform to do, when nothing serves the model there", () => {
    expect(startDecision({ model: "m", environment: "e", wave: 0, cluster: null })).toEqual({
      do: "transition",
      command: { type: "abort" },
      message: "No m deployment in e to roll out to.",
      reason: "Nothing serves m in e.",
      platformSynced: true,
    });
  });
});

describe("pausedDecision", () => {
  it("resumes when a timed pause is over, at the boundary too", () => {
    expect(pausedDecision(now, now)).toMatchObject({
      command: { type: "resume" },
      pausedUntil: null,
    });
    expect(pausedDecision(ago(1), now)).toMatchObject({ command: { type: "resume" } });
  });
  it("waits for a pause still running (until its end), or one without an end", () => {
    const end = new Date(now.getTime() + 1);
    expect(pausedDecision(end, now)).toEqual({ do: "wait", until: end });
    expect(pausedDecision(null, now)).toEqual({ do: "wait" });
  });
});

describe("weight and pause steps", () => {
  it("sets a weight step's weight, 100% when it names none", () => {
    expect(weightStepDecision(25)).toMatchObject({
      command: { type: "step_applied", weight: 25 },
      message: "Canary weight set to 25%.",
    });
    expect(weightStepDecision(null)).toMatchObject({ command: { weight: 100 } });
  });
  it("pauses the first time, for a while or until promoted", () => {
    expect(pauseStepDecision({ reached: false, durationSec: 60, currentWeight: 10, now })).toEqual({
      do: "transition",
      command: { type: "pause_step" },
      message: "Pausing for 60 s before the next step.",
      pausedUntil: new Date(now.getTime() + 60_000),
    });
    expect(
      pauseStepDecision({ reached: false, durationSec: null, currentWeight: 10, now }),
    ).toMatchObject({ message: "Paused until someone promotes.", pausedUntil: null });
  });
  it("moves on at the same weight once the pause is over", () => {
    expect(pauseStepDecision({ reached: true, durationSec: 60, currentWeight: 10, now })).toEqual({
      do: "transition",
      command: { type: "step_applied", weight: 10 },
      message: "Pause over.",
    });
  });
});

describe("analysisDecision", () => {
  const base = (over: Partial<AnalysisStepInput> = {}): AnalysisStepInput => ({
    status: "analyzing",
    step: { index: 1, durationSec: 120, intervalSec: 30, startedAt: ago(65) },
    runs: [],
    thresholds: DEFAULT_THRESHOLDS,
    toVersion: "2.0.0",
    fromVersion: "1.0.0",
    now,
    ...over,
  });
  const run = (s: number, verdict: "pass" | "fail" | "marginal" | "inconclusive") => ({
    at: ago(s),
    verdict,
    reason: `${verdict} at -${s}s`,
  });

  it("opens a full window the first time, and again after a pause", () => {
    expect(analysisDecision(base({ status: "progressing" }))).toEqual({
      do: "open_window",
      message: "Analysis started: 2.0.0 against 1.0.0, every 30 s for 120 s.",
    });
    expect(analysisDecision(base({ status: "progressing", fromVersion: null }))).toMatchObject({
      message: "Analysis started: 2.0.0 against the stable version, every 30 s for 120 s.",
    });
  });

  it("samples when an interval is due, counting from the window's start or the last run", () => {
    expect(analysisDecision(base({ runs: [] }))).toEqual({ do: "sample", intervalSec: 30 });
    expect(analysisDecision(base({ runs: [run(30, "pass")] }))).toEqual({
      do: "sample",
      intervalSec: 30,
    });
    // the next interval is due 30 s after the last run, 1 s from now
    expect(analysisDecision(base({ runs: [run(29, "pass")] }))).toEqual({
      do: "wait",
      until: ago(-1),
    });
  });

  it("waits until the next interval or the window's end, whichever comes first", () => {
    // window of 120 s opened 65 s ago, last run 10 s ago: the next interval in 20 s
    expect(analysisDecision(base({ runs: [run(10, "pass")] }))).toEqual({
      do: "wait",
      until: ago(-20),
    });
    // window of 70 s opened 65 s ago: it ends in 5 s, before the interval (20 s)
    expect(
      analysisDecision(
        base({
          runs: [run(35, "pass"), run(10, "pass")],
          step: { index: 1, durationSec: 70, intervalSec: 30, startedAt: ago(65) },
        }),
      ),
    ).toEqual({ do: "wait", until: ago(-5) });
  });

  it("aborts once too many intervals failed, with the last reason and where traffic went", () => {
    const d = analysisDecision(base({ runs: [run(50, "fail"), run(20, "fail"), run(1, "fail")] }));
    expect(d).toEqual({
      do: "transition",
      command: { type: "analysis_failed" },
      message:
        "Analysis failed at step 2 (3 failed intervals): fail at -1s All traffic returned to 1.0.0.",
      reason:
        "Analysis failed at step 2 (3 failed intervals): fail at -1s All traffic returned to 1.0.0.",
    });
  });

  it("passes when the window ends with judged intervals, never before", () => {
    const runs = [run(90, "pass"), run(60, "pass"), run(30, "pass"), run(1, "pass")];
    expect(
      analysisDecision(
        base({ runs, step: { index: 1, durationSec: 120, intervalSec: 30, startedAt: ago(119) } }),
      ),
    ).toEqual({ do: "wait", until: ago(-1) });
    expect(
      analysisDecision(
        base({ runs, step: { index: 1, durationSec: 120, intervalSec: 30, startedAt: ago(120) } }),
      ),
    ).toEqual({
      do: "transition",
      command: { type: "analysis_passed" },
      message: "Analysis passed: pass at -1s",
    });
  });

  it("samples every interval of the window before judging it, even when one came late", () => {
    // 6 s every 3 s is two intervals; the first was taken late (at 4 s), so at the window's end
    // the second is not due by spacing. One failed interval of one must not pass: sample again.
    const late = base({
      runs: [{ at: ago(2), verdict: "fail", reason: "errors" }],
      step: { index: 1, durationSec: 6, intervalSec: 3, startedAt: ago(6) },
    });
    expect(analysisDecision(late)).toEqual({ do: "sample", intervalSec: 3 });
    const judged = base({
      runs: [
        { at: ago(2), verdict: "fail", reason: "errors" },
        { at: ago(0), verdict: "fail", reason: "errors again" },
      ],
      step: { index: 1, durationSec: 6, intervalSec: 3, startedAt: ago(6) },
    });
    expect(analysisDecision(judged)).toMatchObject({ command: { type: "analysis_failed" } });
  });

  it("pauses as inconclusive when the window ends without a judged interval", () => {
    const runs = [run(60, "inconclusive"), run(1, "inconclusive")];
    expect(
      analysisDecision(
        base({ runs, step: { index: 1, durationSec: 60, intervalSec: 30, startedAt: ago(61) } }),
      ),
    ).toMatchObject({
      command: { type: "pause" },
      reason:
        "Analysis inconclusive: too little canary traffic to judge. Promote to continue, or abort.",
    });
  });

  it("spaces intervals as the plan says, else a third of the step, never under a second", () => {
    expect(intervalOf({ durationSec: 120, intervalSec: 20 })).toBe(20);
    expect(intervalOf({ durationSec: 120, intervalSec: null })).toBe(40);
    expect(intervalOf({ durationSec: null, intervalSec: null })).toBe(10);
    expect(intervalOf({ durationSec: 1, intervalSec: null })).toBe(1);
    expect(intervalOf({ durationSec: 60, intervalSec: 0 })).toBe(1);
  });
});

describe("nextLook", () => {
  const recheck = 5_000;
  it("looks when the wait falls due, if that is sooner than the recheck", () => {
    expect(nextLook(ago(-2), now, recheck)).toEqual(ago(-2));
  });
  it("looks again after the recheck when the wait ends later or only a change can end it", () => {
    expect(nextLook(ago(-60), now, recheck)).toEqual(ago(-5));
    expect(nextLook(null, now, recheck)).toEqual(ago(-5));
    expect(nextLook(undefined, now, recheck)).toEqual(ago(-5));
  });
  it("looks at once when the wait is already over, never in the past", () => {
    expect(nextLook(ago(3), now, recheck)).toEqual(now);
    expect(nextLook(now, now, recheck)).toEqual(now);
  });
  it("looks at the recheck exactly at the boundary, and at once with no recheck", () => {
    expect(nextLook(ago(-5), now, recheck)).toEqual(ago(-5));
    expect(nextLook(ago(-1), now, 0)).toEqual(now);
  });
});
