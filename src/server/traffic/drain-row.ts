import "server-only";
import type { DrainModel } from "@/lib/domain/traffic/drain";
import type { Prisma } from "@/server/db/client";

/** The columns of a drain every use case reads. */
export const drainSelect = {
  id: true,
  region: true,
  kind: true,
  scopeKind: true,
  scopeName: true,
  phase: true,
  paused: true,
  pauseReason: true,
  steps: true,
  stepSeconds: true,
  stepIndex: true,
  stepAppliedAt: true,
  prepared: true,
  waitingSince: true,
  headroom: true,
  models: true,
  blockedReason: true,
  nextAttemptAt: true,
  acknowledged: true,
  reason: true,
  createdByEmail: true,
  createdAt: true,
  updatedAt: true,
  endedAt: true,
  version: true,
} as const satisfies Prisma.RegionDrainSelect;

export type DrainRow = Prisma.RegionDrainGetPayload<{ select: typeof drainSelect }>;

/** The drain's models, as the start recorded them (server-written JSON). */
export function drainModels(row: Pick<DrainRow, "models">): DrainModel[] {
  return Array.isArray(row.models) ? (row.models as unknown as DrainModel[]) : [];
}

export function modelsJson(models: DrainModel[]): Prisma.InputJsonValue {
  // server-written, plain JSON
  return models as unknown as Prisma.InputJsonValue;
}
