/**
 * The rollout state machine. Every change to a rollout, by a user or by the engine, is a
 * command checked here; a refused command says why in words an on-call engineer can act on.
 * `completed`, `aborted` and `rolled_back` are terminal: retrying or rolling back starts a new
 * rollout, so the history of each one never changes.
 */
export const ROLLOUT_STATUSES = [
  "pending",
  "progressing",
  "paused",
  "analyzing",
  "degraded",
  "aborted",
  "rolled_back",
  "completed",
] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

export const TERMINAL: readonly RolloutStatus[] = ["completed", "aborted", "rolled_back"];
export const ACTIVE: readonly RolloutStatus[] = [
  "pending",
  "progressing",
  "paused",
  "analyzing",
  "degraded",
];

export interface RolloutState {
  status: RolloutStatus;
  /** index of the step being run; equals stepCount once every step ran */
  step: number;
  stepCount: number;
  /** percent of traffic on the new version */
  weight: number;
}

export type RolloutCommand =
  // users
  | { type: "pause" }
  | { type: "resume" }
  | { type: "promote" }
  | { type: "promote_full" }
  | { type: "abort" }
  /** an active rollout rolled back to an earlier version (another rollout applies it) */
  | { type: "rollback" }
  // the engine
  /** a pause step was reached */
  | { type: "pause_step" }
  | { type: "start" }
  | { type: "step_applied"; weight: number }
  | { type: "analysis_started" }
  | { type: "analysis_passed" }
  | { type: "analysis_failed" }
  | { type: "slo_burn" }
  /** the platform object was changed outside Flightdeck: stop advancing rather than fight it */
  | { type: "outside_change" }
  | { type: "platform_unknown" }
  | { type: "reconciled" };

export type UserCommand = Extract<
  RolloutCommand,
  { type: "pause" | "resume" | "promote" | "promote_full" | "abort" | "rollback" }
>["type"];

export type Transition = { ok: true; state: RolloutState } | { ok: false; reason: string };

const refuse = (reason: string): Transition => ({ ok: false, reason });

const WORDS: Record<RolloutStatus, string> = {
  pending: "waiting for its wave",
  progressing: "progressing",
  paused: "paused",
  analyzing: "running analysis",
  degraded: "being verified against the platform",
  aborted: "aborted",
  rolled_back: "rolled back",
  completed: "completed",
};

function advance(s: RolloutState, weight: number): RolloutState {
  const step = Math.min(s.stepCount, s.step + 1);
  if (step >= s.stepCount) return { ...s, step: s.stepCount, status: "completed", weight: 100 };
  return { ...s, step, status: "progressing", weight };
}

export function transition(s: RolloutState, c: RolloutCommand): Transition {
  if (TERMINAL.includes(s.status)) {
    return refuse(
      `This rollout is ${WORDS[s.status]}; nothing more can happen to it.${
        s.status === "aborted" ? " Retry it or roll back, which starts a new rollout." : ""
      }`,
    );
  }
  const is = (...states: RolloutStatus[]) => states.includes(s.status);
  switch (c.type) {
    case "start":
      return is("pending")
        ? { ok: true, state: { ...s, status: "progressing" } }
        : refuse(`Only a pending rollout starts; this one is ${WORDS[s.status]}.`);
    case "pause":
      if (is("paused")) return refuse("This rollout is already paused.");
      return is("progressing", "analyzing")
        ? { ok: true, state: { ...s, status: "paused" } }
        : refuse(`A rollout that is ${WORDS[s.status]} cannot be paused.`);
    case "resume":
      return is("paused")
        ? { ok: true, state: { ...s, status: "progressing" } }
        : refuse(`Only a paused rollout can be resumed; this one is ${WORDS[s.status]}.`);
    case "promote":
      return is("progressing", "paused", "analyzing")
        ? { ok: true, state: advance(s, s.weight) }
        : refuse(`A rollout that is ${WORDS[s.status]} cannot be promoted.`);
    case "promote_full":
      return is("progressing", "paused", "analyzing")
        ? { ok: true, state: { ...s, status: "completed", step: s.stepCount, weight: 100 } }
        : refuse(`A rollout that is ${WORDS[s.status]} cannot be promoted.`);
    case "abort":
      return { ok: true, state: { ...s, status: "aborted", weight: 0 } };
    case "rollback":
      return { ok: true, state: { ...s, status: "rolled_back", weight: 0 } };
    case "pause_step":
      return is("progressing")
        ? { ok: true, state: { ...s, status: "paused" } }
        : refuse(`A pause step cannot begin while ${WORDS[s.status]}.`);
    case "step_applied":
      if (!Number.isInteger(c.weight) || c.weight < 0 || c.weight > 100) {
        return refuse(`A weight of ${c.weight}% is not a whole percent from 0 to 100.`);
      }
      return is("progressing")
        ? { ok: true, state: advance(s, c.weight) }
        : refuse(`A step cannot finish while ${WORDS[s.status]}.`);
    case "analysis_started":
      return is("progressing")
        ? { ok: true, state: { ...s, status: "analyzing" } }
        : refuse(`Analysis cannot start while ${WORDS[s.status]}.`);
    case "analysis_passed":
      return is("analyzing")
        ? { ok: true, state: advance(s, s.weight) }
        : refuse("No analysis is running.");
    case "analysis_failed":
      return is("analyzing")
        ? { ok: true, state: { ...s, status: "aborted", weight: 0 } }
        : refuse("No analysis is running.");
    case "slo_burn":
      return is("progressing", "analyzing")
        ? { ok: true, state: { ...s, status: "paused" } }
        : refuse(`A rollout that is ${WORDS[s.status]} is not advancing.`);
    case "outside_change":
      return is("progressing", "analyzing", "degraded")
        ? { ok: true, state: { ...s, status: "paused" } }
        : refuse(`A rollout that is ${WORDS[s.status]} is not advancing.`);
    case "platform_unknown":
      return is("progressing", "analyzing", "paused")
        ? { ok: true, state: { ...s, status: "degraded" } }
        : refuse(`A rollout that is ${WORDS[s.status]} has no platform write in flight.`);
    case "reconciled":
      return is("degraded")
        ? { ok: true, state: { ...s, status: "progressing" } }
        : refuse("Nothing is being verified.");
  }
}

/** Whether a user may retry (a new attempt of the same version): only after an abort. */
export function canRetry(status: RolloutStatus): { ok: true } | { ok: false; reason: string } {
  return status === "aborted"
    ? { ok: true }
    : {
        ok: false,
        reason: `Only an aborted rollout can be retried; this one is ${WORDS[status]}.`,
      };
}

/** The user commands a rollout accepts now, for showing only the buttons that can work. */
export function availableCommands(s: RolloutState): UserCommand[] {
  const all: UserCommand[] = ["pause", "resume", "promote", "promote_full", "abort", "rollback"];
  return all.filter((type) => transition(s, { type }).ok);
}
