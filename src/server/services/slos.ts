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

/**
 * Attainment over each SLO's window from the daily rollups (never raw minutes), one grouped
 * query for the whole page. Whole UTC days; the current partial day is included.
 */
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
  const longestWindow = Math.max(1, ...slos.map((s) => s.windowDays));
  const todayStart = Math.floor(Date.now() / DAY) * DAY;
  const since = new Date(todayStart - (longestWindow - 1) * DAY);
  const buckets = await db().sliBucket.findMany({
    where: { sloId: { in: slos.map((s) => s.id) }, resolution: "day", start: { gte: since } },
    select: { sloId: true, start: true, good: true, total: true },
  });
  const rows = slos.map((s) => {
    const from = todayStart - (s.windowDays - 1) * DAY;
    let good = 0;
    let totalEvents = 0;
    for (const b of buckets) {
      if (b.sloId === s.id && b.start.getTime() >= from) {
        good += Number(b.good);
        totalEvents += Number(b.total);
      }
    }
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      model: s.model.name,
      teamName: s.team.name,
      sliKind: s.sliKind,
      objective: s.objective,
      windowDays: s.windowDays,
      budget: errorBudget({ good, total: totalEvents, objective: s.objective }),
    };
  });
  return toPage(rows, total, page, PAGE_SIZE);
}
