import { analysisOutcome, type IntervalVerdict } from "./analysis";
import type { AnalysisThresholds } from "./plan";
import type { RolloutCommand } from "./state-machine";

/**
 * The rollout engine's decisions, one step at a time, as pure rules: given what the engine has
 * read (the rollout, the earlier waves, the analysis intervals so far, the time), what it does
 * next. The engine (server/rollouts/engine.ts) gathers those facts, applies the decision in its
 * transaction and makes the platform match.
 */
export type StepDecision =
  /**
   * nothing is due yet; `until`: when it falls due by time alone (a timed pause's end, the next
   * analysis interval). Without it, only a change can make it due (someone's command, an earlier
   * wave finishing, an SLO burning, the platform object changing).
   */
  | { do: "wait"; until?: Date }
  /** a state-machine command, the event message it records, and what else the row keeps */
  | {
      do: "transition";
      command: RolloutCommand;
      message: string;
      /** shown on the rollout (why it stopped or paused) */
      reason?: string;
      /** a timed pause ends by itself at this time (null: until someone acts) */
      pausedUntil?: Date | null;
      /** nothing to make the platform do (the rollout never reached it) */
      platformSynced?: boolean;
    };

const wait: StepDecision = { do: "wait" };

export interface EarlierWave {
  wave: number;
  environment: string;
  status: string;
}

/**
 * A later wave starts when every rollout of the earlier waves completed, and not at all once
 * one of them was aborted or rolled back.
 */
export function waveGate(earlier: readonly EarlierWave[]): "go" | StepDecision {
  const failed = earlier.find((e) => e.status === "aborted" || e.status === "rolled_back");
  if (failed) {
    return {
      do: "transition",
      command: { type: "abort" },
      message: `Not started: wave ${failed.wave + 1} did not complete (${failed.environment} was ${failed.status.replace("_", " ")}).`,
      reason: `Wave ${failed.wave + 1} did not complete.`,
      platformSynced: true,
    };
  }
  return earlier.some((e) => e.status !== "completed") ? wait : "go";
}

/** Starting on the platform object found for it, or aborting when nothing serves the model there. */
export function startDecision(input: {
  model: string;
  environment: string;
  wave: number;
  /** the cluster of the object found, or null */
  cluster: string | null;
}): StepDecision {
  if (input.cluster === null) {
    return {
      do: "transition",
      command: { type: "abort" },
      message: `No ${input.model} deployment in ${input.environment} to roll out to.`,
      reason: `Nothing serves ${input.model} in ${input.environment}.`,
      platformSynced: true,
    };
  }
  return {
    do: "transition",
    command: { type: "start" },
    message: `Started in ${input.environment} on ${input.cluster}${input.wave > 0 ? ` (wave ${input.wave + 1})` : ""}.`,
  };
}

/** A paused rollout resumes by itself when its timed pause is over. */
export function pausedDecision(pausedUntil: Date | null, now: Date): StepDecision {
  if (pausedUntil && pausedUntil.getTime() <= now.getTime()) {
    return {
      do: "transition",
      command: { type: "resume" },
      message: "Timed pause ended.",
      pausedUntil: null,
    };
  }
  return pausedUntil ? { do: "wait", until: pausedUntil } : wait;
}

/** A weight step is applied at once. */
export function weightStepDecision(weight: number | null): StepDecision {
  const w = weight ?? 100;
  return {
    do: "transition",
    command: { type: "step_applied", weight: w },
    message: `Canary weight set to ${w}%.`,
  };
}

/**
 * A pause step pauses the rollout (for a while, or until someone promotes) the first time it is
 * reached; once the pause is over (time up, resumed or promoted) the rollout moves on.
 */
export function pauseStepDecision(input: {
  /** the step already paused the rollout once */
  reached: boolean;
  durationSec: number | null;
  currentWeight: number;
  now: Date;
}): StepDecision {
  if (!input.reached) {
    const until = input.durationSec
      ? new Date(input.now.getTime() + input.durationSec * 1000)
      : null;
    return {
      do: "transition",
      command: { type: "pause_step" },
      message: until
        ? `Pausing for ${input.durationSec} s before the next step.`
        : "Paused until someone promotes.",
      pausedUntil: until,
    };
  }
  return {
    do: "transition",
    command: { type: "step_applied", weight: input.currentWeight },
    message: "Pause over.",
  };
}

/** Seconds between analysis intervals: as the plan says, else a third of the step. */
export function intervalOf(step: {
  durationSec: number | null;
  intervalSec: number | null;
}): number {
  return Math.max(1, step.intervalSec ?? Math.round((step.durationSec ?? 30) / 3));
}

export interface AnalysisStepInput {
  /** the rollout's status: "progressing" opens the analysis window, "analyzing" judges it */
  status: string;
  step: {
    index: number;
    durationSec: number | null;
    intervalSec: number | null;
    /** when the window opened */
    startedAt: Date | null;
  };
  /** the intervals judged in this window so far, oldest first */
  runs: readonly { at: Date; verdict: IntervalVerdict; reason: string }[];
  thresholds: AnalysisThresholds;
  toVersion: string;
  fromVersion: string | null;
  now: Date;
}

export type AnalysisDecision =
  StepDecision | { do: "open_window"; message: string } | { do: "sample"; intervalSec: number };

/**
 * An analysis step: the first time (or after a pause) it opens a full window; while it runs,
 * an interval is sampled once its time has come (and at the end, until the window has all of
 * its intervals: duration / interval of them), and the intervals so far decide: too many
 * failures abort (all traffic back to stable), a window that ends with judged intervals passes,
 * one that ends with none pauses as inconclusive (never a pass).
 */
export function analysisDecision(input: AnalysisStepInput): AnalysisDecision {
  const { step, now } = input;
  const intervalSec = intervalOf(step);
  if (input.status === "progressing") {
    return {
      do: "open_window",
      message: `Analysis started: ${input.toVersion} against ${input.fromVersion ?? "the stable version"}, every ${intervalSec} s for ${step.durationSec ?? 0} s.`,
    };
  }
  const started = step.startedAt ?? now;
  const last = input.runs.at(-1)?.at ?? started;
  if (now.getTime() - last.getTime() >= intervalSec * 1000) return { do: "sample", intervalSec };
  const timeUp = now.getTime() - started.getTime() >= (step.durationSec ?? 0) * 1000;
  // A window judges all of its intervals: one sampled late (the engine came by after its time)
  // must not leave the last one out, or one failed interval of two would pass.
  const intervals = Math.max(1, Math.floor((step.durationSec ?? 0) / intervalSec));
  if (timeUp && input.runs.length < intervals) return { do: "sample", intervalSec };
  const outcome = analysisOutcome(
    input.runs.map((r) => r.verdict),
    input.thresholds,
    timeUp,
  );
  const lastReason = input.runs.at(-1)?.reason ?? "";
  switch (outcome.outcome) {
    case "failed": {
      const reason = `Analysis failed at step ${step.index + 1} (${outcome.failures} failed interval${outcome.failures === 1 ? "" : "s"}): ${lastReason} All traffic returned to ${input.fromVersion ?? "the stable version"}.`;
      return { do: "transition", command: { type: "analysis_failed" }, message: reason, reason };
    }
    case "passed":
      return {
        do: "transition",
        command: { type: "analysis_passed" },
        message: `Analysis passed: ${lastReason}`,
      };
    case "inconclusive": {
      const reason =
        "Analysis inconclusive: too little canary traffic to judge. Promote to continue, or abort.";
      return { do: "transition", command: { type: "pause" }, message: reason, reason };
    }
    default: {
      // the next interval's time, or the window's end if that comes first
      const next = Math.min(
        last.getTime() + intervalSec * 1000,
        started.getTime() + (step.durationSec ?? 0) * 1000,
      );
      return { do: "wait", until: new Date(Math.max(next, now.getTime())) };
    }
  }
}

/**
 * When the engine next looks at an active rollout it just drove: when its wait falls due by
 * time, and no later than `recheckMs` from now, which bounds how late the engine notices what it
 * is not told about (a change made to the platform object outside Flightdeck, an SLO starting to
 * burn). A command, or a rollout that still has work, is due at once whatever this says.
 */
export function nextLook(until: Date | null | undefined, now: Date, recheckMs: number): Date {
  const cap = now.getTime() + recheckMs;
  return new Date(until ? Math.max(now.getTime(), Math.min(until.getTime(), cap)) : cap);
}
