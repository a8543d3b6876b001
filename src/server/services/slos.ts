import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/pagination";
import { errorBudget, type BudgetResult } from "@/lib/domain/slo";
import { assertCanRead } from "@/server/services/access";

export interface SloRow {
  id: string;
  name: string;
  description: string;
  model: string;
  teamName: string;
  sliKind: string;
  objective: number;
  windowDays: number;
  budget: BudgetResult;
}

const DAY = 24 * 3600 * 1000;

/** SLOs with their attainment over the window (whole UTC days, today's partial day included). */
export async function listSlos(actor: Actor | null, query: ListQuery): Promise<Page<SloRow>> {
  assertCanRead(actor);
  const total = await db().slo.count();
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const slos = await db().slo.findMany({
    orderBy: { name: "asc" },
    skip,
    take,
    select: {
      id: true,
      name: true,
      description: true,
      sliKind: true,
      objective: true,
      windowDays: true,
      model: { select: { name: true } },
      team: { select: { name: true } },
    },
  });
  const budgets = await windowBudgets(slos);
  const rows = slos.map((s) => ({
    id: s.id,
    name: s.name,
    description: s.description,
    model: s.model.name,
    teamName: s.team.name,
    sliKind: s.sliKind,
    objective: s.objective,
    windowDays: s.windowDays,
    budget: budgets.get(s.id) ?? { status: "no_data" as const },
  }));
  return toPage(rows, total, page, PAGE_SIZE);
}

/**
 * Error budget of each SLO over its rolling window, summed in the database from the daily
 * rollups: one grouped query per distinct window length, never a scan of raw minutes.
 */
export async function windowBudgets(
  slos: { id: string; objective: number; windowDays: number }[],
): Promise<Map<string, BudgetResult>> {
  const todayStart = Math.floor(Date.now() / DAY) * DAY;
  const byWindow = new Map<number, typeof slos>();
  for (const s of slos) byWindow.set(s.windowDays, [...(byWindow.get(s.windowDays) ?? []), s]);
  const out = new Map<string, BudgetResult>();
  await Promise.all(
    [...byWindow].map(async ([windowDays, group]) => {
      const sums = await db().sliBucket.groupBy({
        by: ["sloId"],
        where: {
          sloId: { in: group.map((s) => s.id) },
          resolution: "day",
          start: { gte: new Date(todayStart - (windowDays - 1) * DAY) },
        },
        _sum: { good: true, total: true },
      });
      const bySlo = new Map(sums.map((r) => [r.sloId, r._sum]));
      for (const s of group) {
        const sum = bySlo.get(s.id);
        out.set(
          s.id,
          errorBudget({
            good: Number(sum?.good ?? 0),
            total: Number(sum?.total ?? 0),
            objective: s.objective,
          }),
        );
      }
    }),
  );
  return out;
}
