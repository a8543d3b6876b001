import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/pagination";
import { assertCanRead } from "@/server/services/access";

export interface IncidentRow {
  id: string;
  number: number;
  title: string;
  severity: string;
  status: string;
  model: string | null;
  regionCode: string | null;
  commander: string | null;
  detectedAt: Date;
  resolvedAt: Date | null;
}

export async function listIncidents(
  actor: Actor | null,
  query: ListQuery,
): Promise<Page<IncidentRow>> {
  assertCanRead(actor);
  const where = query.region ? { regionCode: query.region } : {};
  const total = await db().incident.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const incidents = await db().incident.findMany({
    where,
    orderBy: [{ detectedAt: "desc" }, { number: "desc" }],
    skip,
    take,
    select: {
      id: true,
      number: true,
      title: true,
      severity: true,
      status: true,
      regionCode: true,
      commander: true,
      detectedAt: true,
      resolvedAt: true,
      model: { select: { name: true } },
    },
  });
  const rows = incidents.map((i) => ({ ...i, model: i.model?.name ?? null }));
  return toPage(rows, total, page, PAGE_SIZE);
}
