import "server-only";
import { db, type Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { principalOf, type Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import type { AuditFilter } from "@/lib/schemas/audit-log";
import { countLimit, pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import { assertCanRead } from "@/server/access/authorize";
import { auditWhere } from "@/server/db/filters";
import { anonymousRefusals, type RefusalEvent } from "@/server/access/anonymous-refusals";
import {
  auditActorName,
  seesAuditPersonalData,
  withoutEmails,
} from "@/lib/domain/access/audit-visibility";

export interface AuditRow {
  id: string;
  at: Date;
  /** who acted, by name: a user's name, "token:<name>", "system" or "anonymous" */
  actor: string;
  /** admins only; null for everyone else */
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
  /** admins only; null for everyone else */
  clientIp: string | null;
}

const auditSelect = {
  id: true,
  at: true,
  actorId: true,
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

type AuditRecord = Prisma.AuditEventGetPayload<{ select: typeof auditSelect }>;

/**
 * The filter's conditions. The actor filter matches users' names and token names for everyone,
 * and email addresses only for admins: otherwise it would reveal them a letter at a time.
 */
async function auditScope(
  filter: Partial<AuditFilter>,
  personal: boolean,
): Promise<Prisma.AuditEventWhereInput> {
  const { actor: who, ...rest } = filter;
  const where = auditWhere(rest);
  if (!who) return where;
  const named = await db().user.findMany({
    where: { name: { contains: who, mode: "insensitive" } },
    select: { id: true },
    take: 1_000,
  });
  const matches: Prisma.AuditEventWhereInput[] = [
    { actorId: { in: named.map((u) => u.id) } },
    { actorEmail: { startsWith: "token:", contains: who, mode: "insensitive" } },
    ...(personal ? [{ actorEmail: { contains: who, mode: "insensitive" as const } }] : []),
  ];
  return { AND: [where, { OR: matches }] };
}

/** Names the actors, and leaves out emails and client addresses unless `personal`. */
async function presentRows(rows: AuditRecord[], personal: boolean): Promise<AuditRow[]> {
  const ids = [...new Set(rows.flatMap((r) => (r.actorId ? [r.actorId] : [])))];
  const users = ids.length
    ? await db().user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })
    : [];
  const names = new Map(users.map((u) => [u.id, u.name]));
  return rows.map(({ actorId, ...r }) => {
    const actor = auditActorName({ ...r, actorId }, names);
    if (personal) return { ...r, actor };
    return {
      ...r,
      actor,
      actorEmail: null,
      clientIp: null,
      targetId: withoutEmails(r.targetId),
      before: withoutEmails(r.before),
      after: withoutEmails(r.after),
      reason: withoutEmails(r.reason),
    };
  });
}

/**
 * The audit log grows without end (a million events on the large fleet): a page counts its
 * events only this far (a few milliseconds instead of 80), and says "more than" beyond.
 */
export const AUDIT_COUNT_LIMIT = 10_000;

export async function listAuditEvents(
  actor: Actor | null,
  query: { page: number; filter?: Partial<AuditFilter> },
): Promise<Page<AuditRow>> {
  assertCanRead(actor);
  const personal = seesAuditPersonalData(principalOf(actor));
  const where = await auditScope(query.filter ?? {}, personal);
  const limit = countLimit(query.page, PAGE_SIZE, AUDIT_COUNT_LIMIT);
  const total = await db().auditEvent.count({ where, take: limit });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const rows = await db().auditEvent.findMany({
    where,
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip,
    take,
    select: auditSelect,
  });
  const result = toPage(await presentRows(rows, personal), total, page, PAGE_SIZE);
  return total >= limit ? { ...result, totalIsLowerBound: true } : result;
}

/** Admins' export keeps its columns; everyone else's names the actor instead of the email. */
const ADMIN_CSV_COLUMNS = [
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
] as const satisfies readonly (keyof AuditRow)[];

const CSV_COLUMNS = [
  "at",
  "actor",
  "actorRole",
  "action",
  "targetType",
  "targetId",
  "outcome",
  "reason",
  "requestId",
  "before",
  "after",
] as const satisfies readonly (keyof AuditRow)[];

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
 * of millions of rows streams in constant memory. The same visibility as the page.
 */
export async function* auditCsv(
  actor: Actor | null,
  filter: Partial<AuditFilter>,
): AsyncGenerator<string> {
  assertCanRead(actor);
  const personal = seesAuditPersonalData(principalOf(actor));
  const columns: readonly (keyof AuditRow)[] = personal ? ADMIN_CSV_COLUMNS : CSV_COLUMNS;
  const where = await auditScope(filter, personal);
  // Times stay UTC whatever zone the reader shows times in; the header says so.
  yield `${columns.map((c) => (c === "at" ? "at (UTC+00:00)" : c)).join(",")}\n`;
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
    const rows = await presentRows(batch, personal);
    yield rows.map((row) => `${columns.map((c) => csvCell(row[c])).join(",")}\n`).join("");
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
    ...auditActor(actor, meta),
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId ?? null,
    outcome: "denied",
    reason: event.reason,
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
