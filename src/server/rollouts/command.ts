import "server-only";
import { clock } from "@/lib/clock";
import { auditActor } from "@/server/access/audit-log";
import type { Tx } from "@/server/db/tx";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import {
  transition,
  type RolloutStatus,
  type UserCommand,
} from "@/lib/domain/rollouts/state-machine";
import type { RolloutCommand, RolloutCommandData } from "@/lib/schemas/rollouts";
import { applyStartedRollouts } from "@/server/rollouts/apply-now";
import { releaseProcessOverride } from "@/server/rollouts/release-process";
import { lockRollout } from "@/server/rollouts/rollout-row";
import { notifyRolloutChange } from "@/server/notifications/subjects";

const COMMAND_PERMISSION = {
  pause: "rollout.operate",
  resume: "rollout.operate",
  abort: "rollout.operate",
  promote: "rollout.drive",
  promote_full: "rollout.drive",
} as const;

const COMMAND_WORDS: Record<UserCommand, string> = {
  pause: "paused",
  resume: "resumed",
  promote: "promoted to the next step",
  promote_full: "promoted to 100%, skipping the remaining steps and analysis",
  abort: "aborted: all traffic back on the stable version",
  rollback: "rolled back",
};

/** A repeat of the same change by the same person (a double-click): answered, not applied again. */
async function alreadyApplied(
  tx: Tx,
  actor: Actor,
  action: string,
  rolloutId: string,
  fromVersion: number,
) {
  const previous = await tx.auditEvent.findFirst({
    where: {
      action,
      targetId: rolloutId,
      actorEmail: actor.email,
      outcome: "allowed",
      after: { path: ["fromVersion"], equals: fromVersion },
    },
    select: { id: true },
  });
  return previous !== null;
}

/** Whether a person's command was applied to the rollout at or after the version they saw. */
async function personDecidedSince(tx: Tx, rolloutId: string, seenVersion: number) {
  const commands = await tx.auditEvent.findMany({
    where: {
      targetType: "rollout",
      targetId: rolloutId,
      outcome: "allowed",
      action: { in: Object.keys(COMMAND_PERMISSION).map((c) => `rollout.${c}`) },
    },
    select: { after: true },
  });
  return commands.some((c) => {
    const from = (c.after as { fromVersion?: unknown } | null)?.fromVersion;
    return typeof from === "number" && from >= seenVersion;
  });
}

export interface CommandResult {
  status: string;
  version: number;
  alreadyApplied: boolean;
}

/** Pause, resume, promote, promote to 100% or abort one rollout, as the user saw it. */
export async function commandRollout(
  actor: Actor | null,
  meta: RequestMeta,
  input: RolloutCommandData & { command: RolloutCommand },
): Promise<CommandResult> {
  assertCanRead(actor);
  if (input.command === "promote_full" && (input.reason ?? "").length < 3) {
    throw new AppError(
      "INVALID_INPUT",
      "Promoting to 100% skips the remaining steps and analysis: say why (at least 3 characters).",
    );
  }
  const action = `rollout.${input.command}`;
  const result = await db().$transaction(async (tx) => {
    const r = await lockRollout(tx, input.rolloutId);
    assertAllowed(actor, COMMAND_PERMISSION[input.command], r.model.teamId);
    if (input.command === "promote_full") {
      const role = actor.kind === "user" ? actor.role : null;
      if (role !== "release_manager" && role !== "admin") {
        throw new AppError(
          "FORBIDDEN",
          "Only a release manager may promote to 100% and skip analysis.",
        );
      }
    }
    if (
      r.version !== input.version &&
      (await alreadyApplied(tx, actor, action, r.id, input.version))
    ) {
      return { status: r.status, version: r.version, alreadyApplied: true };
    }
    // An abort only sends traffic back to the stable version, which the engine's own progress
    // since the page loaded (a step applied, a pause ended) does not make any less wanted: it is
    // refused as stale only when a person decided something meanwhile.
    const stale =
      r.version !== input.version &&
      (input.command !== "abort" || (await personDecidedSince(tx, r.id, input.version)));
    if (stale) {
      throw new AppError(
        "CONFLICT",
        `This rollout changed since you loaded it (it is now ${r.status.replace("_", " ")}, step ${Math.min(r.currentStep + 1, r._count.steps)} of ${r._count.steps}). Check it and try again.`,
      );
    }
    const next = transition(
      {
        status: r.status as RolloutStatus,
        step: r.currentStep,
        stepCount: r._count.steps,
        weight: r.currentWeight,
      },
      { type: input.command },
    );
    if (!next.ok) throw new AppError("CONFLICT", next.reason);
    const processOverride =
      input.command === "promote_full"
        ? await releaseProcessOverride(tx, actor, "promote_full", [r.environment.name], {
            fix: true,
            reason: input.reason ?? null,
          })
        : null;
    const now = clock.now();
    const stepChanged = next.state.step !== r.currentStep;
    if (stepChanged) {
      await tx.rolloutStep.updateMany({
        where: {
          rolloutId: r.id,
          index: { gte: r.currentStep, lt: next.state.step },
          status: { in: ["pending", "running"] },
        },
        data: { status: "skipped", finishedAt: now },
      });
    }
    if (next.state.status === "aborted") {
      await tx.rolloutStep.updateMany({
        where: { rolloutId: r.id, status: "running" },
        data: { status: "failed", finishedAt: now },
      });
    }
    const updated = await tx.rollout.update({
      where: { id: r.id },
      data: {
        status: next.state.status,
        currentStep: next.state.step,
        currentWeight: next.state.weight,
        version: { increment: 1 },
        platformSynced: false,
        pausedUntil: null,
        // a blocked rollout is tried at once after a person's command, not after its backoff
        nextAttemptAt: null,
        // Someone decided after a change made outside Flightdeck: resuming or promoting re-applies
        // Flightdeck's plan to the object, aborting sends traffic back; only a pause keeps waiting.
        ...(input.command !== "pause" ? { outsideChange: null } : {}),
        ...(processOverride ? { processOverride } : {}),
        ...(stepChanged ? { stepStartedAt: now } : {}),
        ...(next.state.status === "completed" || next.state.status === "aborted"
          ? { finishedAt: now }
          : {}),
        ...(input.command === "abort" ||
        input.command === "promote_full" ||
        input.command === "pause"
          ? {
              reason: input.reason
                ? `${COMMAND_WORDS[input.command]} by ${actor.email}: ${input.reason}`
                : `${COMMAND_WORDS[input.command]} by ${actor.email}`,
            }
          : {}),
      },
      select: { status: true, version: true },
    });
    await tx.rolloutEvent.create({
      data: {
        rolloutId: r.id,
        at: now,
        kind: input.command,
        message: `${actor.email} ${COMMAND_WORDS[input.command]}${input.reason ? `: ${input.reason}` : "."}`,
        actor: actor.email,
      },
    });
    await notifyRolloutChange(
      tx,
      r.id,
      { status: r.status, weight: r.currentWeight, kind: r.kind },
      next.state.status,
      { actor: actor.email, reason: input.reason ?? null },
    );
    if (processOverride) {
      await tx.rolloutEvent.create({
        data: {
          rolloutId: r.id,
          at: now,
          kind: "policy_override",
          message: processOverride,
          actor: actor.email,
        },
      });
    }
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action,
      targetType: "rollout",
      targetId: r.id,
      outcome: "allowed",
      reason: input.reason ?? null,
      before: { status: r.status, step: r.currentStep, weight: r.currentWeight },
      after: {
        fromVersion: input.version,
        status: next.state.status,
        step: next.state.step,
        weight: next.state.weight,
        ...(processOverride ? { processOverride } : {}),
      },
    });
    return { status: updated.status, version: updated.version, alreadyApplied: false };
  });
  if (!result.alreadyApplied) applyStartedRollouts([input.rolloutId]);
  return result;
}
