import "server-only";
import { clock } from "@/lib/clock";
import { db, type Prisma } from "@/server/db/client";
import { principalOf, type Actor } from "@/server/auth/session";
import { authorize } from "@/lib/domain/access/policy";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import { assertCanRead } from "@/server/access/authorize";
import { clusterWhere } from "@/server/db/filters";
import { resumeState, type ResumeState } from "@/lib/domain/training/resume";

/** A job's own fields, as the Training list and a job's page both show them. */
export const JOB_FIELDS = {
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
  resumeRequestedAt: true,
  resumeOutcomeUnknown: true,
  model: { select: { name: true } },
  team: { select: { name: true } },
} as const;

/** A job's row as selected with JOB_FIELDS and its cluster's name. */
type SelectedJob = Prisma.TrainingJobGetPayload<{
  select: typeof JOB_FIELDS & { cluster: { select: { name: true } } };
}>;

/** What the Training list and a job's page both show of a job. */
export interface TrainingJob {
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
  startedAt: Date;
  version: number;
  /** a resume in flight, or one whose outcome is unknown until someone resumes again */
  resume: ResumeState | null;
  /**
   * whether this user may resume it from its last checkpoint (it failed, or a resume's outcome
   * is unknown, and it is their team's)
   */
  canResume: boolean;
}

/**
 * What the Training list and a job's page both show of a job: its own fields, its resume in
 * flight and whether this person may resume it.
 */
export function jobRow(actor: Actor, j: SelectedJob, now: Date): TrainingJob {
  const resume = resumeState(
    { requestedAt: j.resumeRequestedAt, outcomeUnknown: j.resumeOutcomeUnknown },
    now,
  );
  return {
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
    startedAt: j.startedAt,
    version: j.version,
    resume,
    canResume:
      (resume === "unknown" || (resume === null && j.status === "failed")) &&
      authorize(principalOf(actor), "training.operate", j.teamId).allowed,
  };
}

export interface TrainingJobRow extends TrainingJob {
  lastCheckpoint: { step: number; createdAt: Date } | null;
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
      ...JOB_FIELDS,
      cluster: { select: { name: true } },
      checkpoints: { orderBy: { step: "desc" }, take: 1, select: { step: true, createdAt: true } },
    },
  });
  const now = clock.now();
  const rows = jobs.map((j) => ({
    ...jobRow(actor, j, now),
    lastCheckpoint: j.checkpoints[0] ?? null,
  }));
  return toPage(rows, total, page, PAGE_SIZE);
}
