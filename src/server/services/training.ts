import "server-only";
import { db } from "@/server/db/client";
import { principalOf, type Actor } from "@/server/auth/session";
import { authorize } from "@/lib/domain/policy";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/pagination";
import { assertAllowed, assertCanRead } from "@/server/services/access";
import { appendAudit } from "@/server/db/audit";
import { AppError } from "@/server/errors";
import type { RequestMeta } from "@/server/services/context";
import { auditActor } from "@/server/services/audit";
import { fleetPlatform } from "@/server/services/platform";
import { OutcomeUnknownError, PlatformError, withTimeout } from "@/lib/platform/types";
import type { ResumeTrainingData } from "@/lib/schemas/training";
import { clusterWhere } from "@/server/db/filters";

export interface TrainingJobRow {
  id: string;
  name: string;
  model: string;
  teamName: string;
  cluster: string;
  status: string;
  gpuType: string;
  gpuCount: number;
  stepsDone: number;
  stepsTotal: number;
  restarts: number;
  gpuHoursUsed: number;
  gpuHoursLost: number;
  failureReason: string | null;
  lastCheckpoint: { step: number; createdAt: Date } | null;
  startedAt: Date;
  version: number;
  /** whether this user may resume it from its last checkpoint (it failed, and their team's) */
  canResume: boolean;
}

export async function listTrainingJobs(
  actor: Actor | null,
  query: ListQuery,
): Promise<Page<TrainingJobRow>> {
  assertCanRead(actor);
  const where = { cluster: clusterWhere(query) };
  const total = await db().trainingJob.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const jobs = await db().trainingJob.findMany({
    where,
    orderBy: [{ startedAt: "desc" }, { name: "asc" }],
    skip,
    take,
    select: {
      id: true,
      name: true,
      status: true,
      gpuType: true,
      gpuCount: true,
      stepsDone: true,
      stepsTotal: true,
      restarts: true,
      gpuHoursUsed: true,
      gpuHoursLost: true,
      failureReason: true,
      startedAt: true,
      version: true,
      teamId: true,
      model: { select: { name: true } },
      team: { select: { name: true } },
      cluster: { select: { name: true } },
      checkpoints: { orderBy: { step: "desc" }, take: 1, select: { step: true, createdAt: true } },
    },
  });
  const rows = jobs.map((j) => ({
    id: j.id,
    name: j.name,
    model: j.model.name,
    teamName: j.team.name,
    cluster: j.cluster.name,
    status: j.status,
    gpuType: j.gpuType,
    gpuCount: j.gpuCount,
    stepsDone: j.stepsDone,
    stepsTotal: j.stepsTotal,
    restarts: j.restarts,
    gpuHoursUsed: j.gpuHoursUsed,
    gpuHoursLost: j.gpuHoursLost,
    failureReason: j.failureReason,
    lastCheckpoint: j.checkpoints[0] ?? null,
    startedAt: j.startedAt,
    version: j.version,
    canResume:
      j.status === "failed" && authorize(principalOf(actor), "training.operate", j.teamId).allowed,
  }));
  return toPage(rows, total, page, PAGE_SIZE);
}

/**
 * Restarts a failed training job from its last checkpoint through the platform, then records
 * the new state and the audit event in one transaction. Repeating it (a double-click, a retry)
 * finds the job no longer failed and changes nothing.
 */
export async function resumeTrainingJob(
  actor: Actor | null,
  meta: RequestMeta,
  input: ResumeTrainingData,
): Promise<{ status: string; resumedFromStep: number | null; alreadyResumed: boolean }> {
  assertCanRead(actor);
  const job = await db().trainingJob.findUnique({
    where: { id: input.jobId },
    select: { id: true, name: true, teamId: true, status: true, version: true, restarts: true },
  });
  if (!job) throw new AppError("NOT_FOUND", "That training job does not exist.");
  assertAllowed(actor, "training.operate", job.teamId);
  if (job.status !== "failed") {
    if (job.version !== input.version) {
      return { status: job.status, resumedFromStep: null, alreadyResumed: true };
    }
    throw new AppError("CONFLICT", `${job.name} is ${job.status}; only a failed job can resume.`);
  }
  let resumed;
  try {
    resumed = await withTimeout(
      "resume training job",
      10_000,
      fleetPlatform().resumeFromCheckpoint(job.name),
    );
  } catch (error) {
    if (error instanceof OutcomeUnknownError) {
      // The restart may have happened: record the attempt, so it is never lost from the log.
      await appendAudit(db(), {
        ...auditActor(actor, meta),
        action: "training.resume",
        targetType: "training_job",
        targetId: job.id,
        outcome: "allowed",
        before: { status: job.status, restarts: job.restarts },
        after: { status: "unknown" },
        reason: "The platform did not confirm the restart; the next sync shows whether it ran.",
      });
      throw new AppError(
        "UNAVAILABLE",
        "The platform did not confirm the restart. It may still happen; check the job again in a minute.",
      );
    }
    if (error instanceof PlatformError) {
      // The platform already moved on (another replica or user resumed it): nothing to do.
      if (/only a failed job/.test(error.message)) {
        return { status: "queued", resumedFromStep: null, alreadyResumed: true };
      }
      throw new AppError("INVALID_INPUT", error.message);
    }
    throw error;
  }
  return db().$transaction(async (tx) => {
    // Wait for a fleet sync in flight, so its older snapshot cannot overwrite this change.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('flightdeck:fleet-sync'))`;
    await tx.trainingJob.update({
      where: { id: job.id },
      data: {
        status: resumed.status,
        stepsDone: resumed.stepsDone,
        restarts: resumed.restarts,
        failureReason: null,
        version: { increment: 1 },
      },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "training.resume",
      targetType: "training_job",
      targetId: job.id,
      outcome: "allowed",
      before: { status: job.status, restarts: job.restarts },
      after: {
        status: resumed.status,
        restarts: resumed.restarts,
        fromCheckpointStep: resumed.lastCheckpointStep,
      },
    });
    return {
      status: resumed.status,
      resumedFromStep: resumed.lastCheckpointStep,
      alreadyResumed: false,
    };
  });
}
