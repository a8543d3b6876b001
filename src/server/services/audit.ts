import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/pagination";
import { assertCanRead } from "@/server/services/access";

export interface AuditRow {
  id: string;
  at: Date;
  actorEmail: string | null;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  outcome: string;
  reason: string | null;
}

export async function listAuditEvents(
  actor: Actor | null,
  query: ListQuery,
): Promise<Page<AuditRow>> {
  assertCanRead(actor);
  const total = await db().auditEvent.count();
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const rows = await db().auditEvent.findMany({
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip,
    take,
    select: {
      id: true,
      at: true,
      actorEmail: true,
      actorRole: true,
      action: true,
      targetType: true,
      targetId: true,
      outcome: true,
      reason: true,
    },
  });
  return toPage(rows, total, page, PAGE_SIZE);
}
