import "server-only";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { lockRow } from "@/server/db/tx";
import { randomUUID } from "node:crypto";
import { db } from "@/server/db/client";
import { type Actor } from "@/server/auth/session";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import { appendAudit } from "@/server/db/audit";
import { AppError } from "@/server/errors";
import type { RequestMeta } from "@/server/http/request-meta";
import { auditActor } from "@/server/access/audit-log";
import { fleetPlatform } from "@/server/fleet/platform";
import { PlatformError, withTimeout, type TrainingJobState } from "@/lib/platform/types";
import type { ResumeTrainingData } from "@/lib/schemas/training";
import { RESUME_CALL_TIMEOUT_MS, resumeOutcome, resumeState } from "@/lib/domain/training/resume";

export interface ResumeResult {
  status: string;
  resumedFromStep: number | null;
  /** true when this request changed nothing: done already, or another request is doing it */
  alreadyResumed: boolean;
}

/**
 * Restarts a failed training job from its last checkpoint. The platform call cannot share a
 * transaction with our record, so the change is written in three steps: an intent (the job row
 * and an audit event) before the call, then the call, then the outcome. A call that ends
 * without an answer (a timeout, a crash) leaves the intent marked "outcome unknown" on the job;
 * the next resume reads the platform first, records a restart that did happen, and asks again
 * only if it did not. A second click while a call is in flight changes nothing.
 */
export async function resumeTrainingJob(
  actor: Actor | null,
  meta: RequestMeta,
  input: ResumeTrainingData,
): Promise<ResumeResult> {
  assertCanRead(actor);
  const audit = { ...auditActor(actor, meta), targetType: "training_job", targetId: input.jobId };
  const intentId = randomUUID();

  const claim = await db().$transaction(async (tx) => {
    await lockRow(tx, "TrainingJob", input.jobId);
    const job = await tx.trainingJob.findUnique({
      where: { id: input.jobId },
      select: {
        id: true,
        name: true,
        teamId: true,
        status: true,
        version: true,
        restarts: true,
        resumeRequestedAt: true,
        resumeRestartsBefore: true,
        resumeOutcomeUnknown: true,
      },
    });
    if (!job) throw new AppError("NOT_FOUND", "That training job does not exist.");
    assertAllowed(actor, "training.operate", job.teamId);
    const now = clock.now();
    const state = resumeState(
      { requestedAt: job.resumeRequestedAt, outcomeUnknown: job.resumeOutcomeUnknown },
      now,
    );
    if (state === "in_flight") return { mode: "in_flight" as const, job };
    if (state === null && job.status !== "failed") {
      if (job.version !== input.version) return { mode: "done" as const, job };
      throw new AppError("CONFLICT", `${job.name} is ${job.status}; only a failed job can resume.`);
    }
    // A retry keeps the restart count of the first attempt: that is what proves it ran.
    const restartsBefore =
      state === "unknown" ? (job.resumeRestartsBefore ?? job.restarts) : job.restarts;
    await tx.trainingJob.update({
      where: { id: job.id },
      data: {
        resumeIntentId: intentId,
        resumeRequestedAt: now,
        resumeRestartsBefore: restartsBefore,
        resumeOutcomeUnknown: false,
        version: { increment: 1 },
      },
    });
    await appendAudit(tx, {
      ...audit,
      action: "training.resume_requested",
      outcome: "allowed",
      before: { status: job.status, restarts: job.restarts },
      after: { status: "resume requested", restartsBefore },
      reason:
        state === "unknown"
          ? "Retry of a resume whose outcome was unknown: the platform is checked first."
          : null,
    });
    return {
      mode: state === "unknown" ? ("check" as const) : ("call" as const),
      job,
      restartsBefore,
    };
  });
  if (claim.mode === "in_flight" || claim.mode === "done") {
    return { status: claim.job.status, resumedFromStep: null, alreadyResumed: true };
  }
  const { job, restartsBefore } = claim;
  const intent = { jobId: job.id, intentId, restartsBefore, audit };

  if (claim.mode === "check") {
    const seen = await platformJob(job.name).catch(async (error: unknown) => {
      await markOutcomeUnknown(intent, `The platform could not be read: ${message(error)}`);
      throw unavailable();
    });
    const outcome = resumeOutcome(restartsBefore, seen);
    if (outcome === "applied" && seen) {
      return recordResumed(intent, seen, "The platform shows the restart: recorded on retry.");
    }
    if (outcome !== "not_applied") {
      await dropIntent(
        intent,
        outcome === "missing"
          ? `The platform no longer has ${job.name}.`
          : `The platform shows ${job.name} ${seen?.status ?? ""} without a restart: nothing to resume.`,
      );
      throw new AppError("CONFLICT", `${job.name} has nothing to resume on the platform.`);
    }
  }

  let resumed: TrainingJobState;
  try {
    resumed = await withTimeout(
      "resume training job",
      RESUME_CALL_TIMEOUT_MS,
      fleetPlatform().resumeFromCheckpoint(job.name),
    );
  } catch (error) {
    if (!(error instanceof PlatformError)) {
      // A timeout or any other failure after the request left: it may have run.
      await markOutcomeUnknown(
        intent,
        `The platform did not confirm the restart (${message(error)}).`,
      );
      throw unavailable();
    }
    // Refused, so nothing ran here; but the job may have been resumed by someone else.
    const seen = await platformJob(job.name).catch(() => null);
    if (seen && resumeOutcome(restartsBefore, seen) === "applied") {
      return recordResumed(intent, seen, "Already restarted on the platform.");
    }
    await dropIntent(intent, `The platform refused the restart: ${error.message}`);
    throw new AppError("INVALID_INPUT", error.message);
  }
  return recordResumed(intent, resumed, null);
}

interface Intent {
  jobId: string;
  intentId: string;
  restartsBefore: number;
  audit: ReturnType<typeof auditActor> & { targetType: string; targetId: string };
}

const clearedIntent = {
  resumeIntentId: null,
  resumeRequestedAt: null,
  resumeRestartsBefore: null,
  resumeOutcomeUnknown: false,
} as const;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const unavailable = () =>
  new AppError(
    "UNAVAILABLE",
    "The platform did not confirm the restart; it may still happen. The job shows the outcome as unknown: resume it again to check and finish.",
  );

async function platformJob(name: string): Promise<TrainingJobState | null> {
  const { data } = await withTimeout(
    "read training jobs",
    RESUME_CALL_TIMEOUT_MS,
    fleetPlatform().jobs(),
  );
  return data.find((j) => j.name === name) ?? null;
}

/**
 * Records the restart and clears the intent, audited, once: a request whose intent another
 * one took over (or already recorded) changes nothing.
 */
async function recordResumed(
  intent: Intent,
  state: TrainingJobState,
  reason: string | null,
): Promise<ResumeResult> {
  return db().$transaction(async (tx) => {
    // Wait for a fleet sync in flight, so its older snapshot cannot overwrite this change.
    await advisoryLock(tx, LOCKS.fleetSync());
    const changed = await tx.trainingJob.updateMany({
      where: { id: intent.jobId, resumeIntentId: intent.intentId },
      data: {
        status: state.status,
        stepsDone: state.stepsDone,
        restarts: state.restarts,
        failureReason: state.failureReason,
        ...clearedIntent,
        version: { increment: 1 },
      },
    });
    if (changed.count === 0) {
      return { status: state.status, resumedFromStep: null, alreadyResumed: true };
    }
    await appendAudit(tx, {
      ...intent.audit,
      action: "training.resume",
      outcome: "allowed",
      before: { status: "failed", restarts: intent.restartsBefore },
      after: {
        status: state.status,
        restarts: state.restarts,
        fromCheckpointStep: state.lastCheckpointStep,
      },
      reason,
    });
    return {
      status: state.status,
      resumedFromStep: state.lastCheckpointStep,
      alreadyResumed: false,
    };
  });
}

/** The call may have run: the job says so until a retry finds out. */
async function markOutcomeUnknown(intent: Intent, reason: string): Promise<void> {
  await db().$transaction(async (tx) => {
    const changed = await tx.trainingJob.updateMany({
      where: { id: intent.jobId, resumeIntentId: intent.intentId },
      data: { resumeOutcomeUnknown: true, version: { increment: 1 } },
    });
    if (changed.count === 0) return;
    await appendAudit(tx, {
      ...intent.audit,
      action: "training.resume_unknown",
      outcome: "allowed",
      after: { status: "outcome unknown", restartsBefore: intent.restartsBefore },
      reason,
    });
  });
}

/** Nothing ran: the intent goes, and the refusal is on the record. */
async function dropIntent(intent: Intent, reason: string): Promise<void> {
  await db().$transaction(async (tx) => {
    const changed = await tx.trainingJob.updateMany({
      where: { id: intent.jobId, resumeIntentId: intent.intentId },
      data: { ...clearedIntent, version: { increment: 1 } },
    });
    if (changed.count === 0) return;
    await appendAudit(tx, {
      ...intent.audit,
      action: "training.resume",
      outcome: "denied",
      reason,
    });
  });
}
