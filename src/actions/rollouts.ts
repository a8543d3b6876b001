"use server";

import { defineAction } from "@/actions/safe-action";
import {
  retryRolloutSchema,
  rollbackSchema,
  rolloutCommandSchema,
  startRolloutSchema,
} from "@/lib/schemas/rollouts";
import { commandRollout } from "@/server/rollouts/command";
import { retryRollout } from "@/server/rollouts/retry";
import { rollBackDeployment } from "@/server/rollouts/roll-back";
import { startRollout } from "@/server/rollouts/start";

const target = (i: { rolloutId: string }) => ({ type: "rollout", id: i.rolloutId });

export const startRolloutAction = defineAction({
  name: "rollout.start",
  permission: "rollout.drive",
  input: startRolloutSchema,
  target: (i) => ({ type: "model", id: i.model }),
  run: ({ actor, meta, input }) => startRollout(actor, meta, input),
  revalidate: ["/rollouts", "/"],
});

export const pauseRolloutAction = defineAction({
  name: "rollout.pause",
  permission: "rollout.operate",
  input: rolloutCommandSchema,
  target,
  run: ({ actor, meta, input }) => commandRollout(actor, meta, { ...input, command: "pause" }),
  revalidate: ["/rollouts"],
});

export const resumeRolloutAction = defineAction({
  name: "rollout.resume",
  permission: "rollout.operate",
  input: rolloutCommandSchema,
  target,
  run: ({ actor, meta, input }) => commandRollout(actor, meta, { ...input, command: "resume" }),
  revalidate: ["/rollouts"],
});

export const abortRolloutAction = defineAction({
  name: "rollout.abort",
  permission: "rollout.operate",
  input: rolloutCommandSchema,
  target,
  run: ({ actor, meta, input }) => commandRollout(actor, meta, { ...input, command: "abort" }),
  revalidate: ["/rollouts"],
});

export const promoteRolloutAction = defineAction({
  name: "rollout.promote",
  permission: "rollout.drive",
  input: rolloutCommandSchema,
  target,
  run: ({ actor, meta, input }) => commandRollout(actor, meta, { ...input, command: "promote" }),
  revalidate: ["/rollouts"],
});

export const promoteFullRolloutAction = defineAction({
  name: "rollout.promote_full",
  permission: "rollout.drive",
  input: rolloutCommandSchema,
  target,
  run: ({ actor, meta, input }) =>
    commandRollout(actor, meta, { ...input, command: "promote_full" }),
  revalidate: ["/rollouts"],
});

export const retryRolloutAction = defineAction({
  name: "rollout.retry",
  permission: "rollout.drive",
  input: retryRolloutSchema,
  target,
  run: ({ actor, meta, input }) => retryRollout(actor, meta, input),
  revalidate: ["/rollouts"],
});

export const rollBackDeploymentAction = defineAction({
  name: "rollout.rollback",
  permission: "rollout.operate",
  input: rollbackSchema,
  target: (i) => ({ type: "model", id: `${i.model}@${i.environment}` }),
  run: ({ actor, meta, input }) => rollBackDeployment(actor, meta, input),
  revalidate: ["/rollouts", "/models"],
});
