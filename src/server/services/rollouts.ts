import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/pagination";
import { assertCanRead } from "@/server/services/access";
import { environmentWhere } from "@/server/db/filters";

export interface RolloutRow {
  id: string;
  model: string;
  fromVersion: string | null;
  toVersion: string;
  environment: string;
  strategy: string;
  status: string;
  currentStep: number;
  stepCount: number;
  currentWeight: number;
  reason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export async function listRollouts(
  actor: Actor | null,
  query: ListQuery,
): Promise<Page<RolloutRow>> {
  assertCanRead(actor);
  const where = { environment: environmentWhere(query) };
  const total = await db().rollout.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const rollouts = await db().rollout.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    skip,
    take,
    select: {
      id: true,
      strategy: true,
      status: true,
      currentStep: true,
      currentWeight: true,
      reason: true,
      createdAt: true,
      finishedAt: true,
      model: { select: { name: true } },
      fromVersion: { select: { version: true } },
      toVersion: { select: { version: true } },
      environment: { select: { name: true } },
      _count: { select: { steps: true } },
    },
  });
  const rows = rollouts.map((r) => ({
    id: r.id,
    model: r.model.name,
    fromVersion: r.fromVersion?.version ?? null,
    toVersion: r.toVersion.version,
    environment: r.environment.name,
    strategy: r.strategy,
    status: r.status,
    currentStep: r.currentStep,
    stepCount: r._count.steps,
    currentWeight: r.currentWeight,
    reason: r.reason,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  }));
  return toPage(rows, total, page, PAGE_SIZE);
}
