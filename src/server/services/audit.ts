import "server-only";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/services/context";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import type { AuditFilter } from "@/lib/schemas/audit";
import { pageWindow, toPage, type Page } from "@/lib/domain/pagination";
import { assertCanRead } from "@/server/services/access";
import { auditWhere } from "@/server/db/filters";
import { anonymousRefusals, type RefusalEvent } from "@/server/services/anonymous-refusals";

export interface AuditRow {
  id: string;
  at: Date;
  actorEmail: string | null;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  outcome: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  requestId: string | null;
  clientIp: string | null;
}

const auditSelect = {
  id: true,
  at: true,
  actorEmail: true,
  actorRole: true,
  action: true,
  targetType: true,
  targetId: true,
  outcome: true,
  before: true,
  after: true,
  reason: true,
  requestId: true,
  clientIp: true,
} as const;

export async function listAuditEvents(
  actor: Actor | null,
  query: { page: number; filter?: Partial<AuditFilter> },
): Promise<Page<AuditRow>> {
  assertCanRead(actor);
  const where = auditWhere(query.filter ?? {});
  const total = await db().auditEvent.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const rows = await db().auditEvent.findMany({
    where,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip,
    take,
    select: auditSelect,
  });
  return toPage(rows, total, page, PAGE_SIZE);
}

const CSV_COLUMNS = [
  "at",
  "actorEmail",
  "actorRole",
  "action",
  "targetType",
  "targetId",
  "outcome",
  "reason",
  "requestId",
  "clientIp",
  "before",
  "after",
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  // Quote every cell that needs it; neutralise spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The filtered audit log as CSV, newest first, read in keyset-paginated batches so an export
 * of millions of rows streams in constant memory.
 */
export async function* auditCsv(
  actor: Actor | null,
  filter: Partial<AuditFilter>,
): AsyncGenerator<string> {
  assertCanRead(actor);
  const where = auditWhere(filter);
  yield `${CSV_COLUMNS.join(",")}\n`;
  let cursor: { id: string } | undefined;
  for (;;) {
    const batch = await db().auditEvent.findMany({
      where,
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: 1000,
      ...(cursor ? { cursor, skip: 1 } : {}),
      select: auditSelect,
    });
    if (batch.length === 0) return;
    yield batch.map((row) => `${CSV_COLUMNS.map((c) => csvCell(row[c])).join(",")}\n`).join("");
    const last = batch[batch.length - 1];
    if (!last || batch.length < 1000) return;
    cursor = { id: last.id };
  }
}

/**
 * Records a refused attempt. Denials have no transaction to join: they changed nothing.
 * Anonymous ones are sampled (see anonymous-refusals.ts): anyone can send them for free.
 */
export async function recordDenial(
  actor: Actor | null,
  meta: RequestMeta,
  event: RefusalEvent,
): Promise<void> {
  if (!actor) {
    await anonymousRefusals().record(meta, event);
    return;
  }
  await appendAudit(db(), {
    actorId: actor.kind === "user" ? actor.id : null,
    actorEmail: actor.email,
    actorRole: actor.kind === "token" ? "token" : actor.role,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId ?? null,
    outcome: "denied",
    reason: event.reason,
    requestId: meta.requestId,
    clientIp: meta.clientIp,
  });
}

/** The audit fields that identify who acted and from where. */
export function auditActor(actor: Actor, meta: RequestMeta) {
  return {
    actorId: actor.kind === "user" ? actor.id : null,
    actorEmail: actor.email,
    actorRole: actor.kind === "token" ? "token" : actor.role,
    requestId: meta.requestId,
    clientIp: meta.clientIp,
  };
}
