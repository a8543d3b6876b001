import "server-only";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { db } from "@/server/db/client";
import type { Db } from "@/server/db/tx";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import type { Tier } from "@/lib/domain/models/registry";
import type { FreezeWindowView } from "@/lib/domain/promotions/gates";
import {
  describeWindow,
  formatMinute,
  occurrences,
  windowFreezes,
  type RecurringWindow,
  type WindowKind,
} from "@/lib/domain/promotions/release-windows";
import type { RecurringWindowData } from "@/lib/schemas/promotions";

const DAY = 86_400_000;

function toWindow(r: {
  name: string;
  kind: string;
  tier: Tier | null;
  timeZone: string;
  startDay: number;
  startMinute: number;
  endDay: number;
  endMinute: number;
  reason: string;
}): RecurringWindow {
  return { ...r, kind: r.kind as WindowKind };
}

/**
 * Every freeze in effect at some time in [from, to): the calendar's one-off freezes and those
 * the repeating windows make (a weekly freeze's occurrences, the hours outside a tier's
 * allowed windows). The gates, the New rollout form and the promotion page read this.
 */
export async function freezesBetween(
  client: Db,
  from: Date,
  to: Date,
): Promise<FreezeWindowView[]> {
  const [oneOff, recurring] = await Promise.all([
    client.freezeWindow.findMany({
      where: { startsAt: { lt: to }, endsAt: { gt: from } },
      orderBy: { startsAt: "asc" },
      select: { name: true, tier: true, startsAt: true, endsAt: true, reason: true },
    }),
    client.recurringWindow.findMany({ orderBy: { createdAt: "asc" } }),
  ]);
  return [...oneOff, ...windowFreezes(recurring.map(toWindow), from, to)].sort(
    (a, b) => a.startsAt.getTime() - b.startsAt.getTime(),
  );
}

/** The freezes in effect now. */
export function freezesNow(client: Db, now = clock.now()): Promise<FreezeWindowView[]> {
  return freezesBetween(client, now, new Date(now.getTime() + 1));
}

export interface RecurringWindowRow {
  id: string;
  name: string;
  kind: WindowKind;
  tier: Tier | null;
  timeZone: string;
  /** "Friday 16:00 to Monday 08:00 Europe/Berlin" */
  description: string;
  startDay: number;
  startTime: string;
  endDay: number;
  endTime: string;
  reason: string;
  /** the occurrence in effect now, or the next one */
  current: { startsAt: Date; endsAt: Date } | null;
  next: { startsAt: Date; endsAt: Date } | null;
}

/** The repeating windows, each with its occurrence now (if any) and its next one. */
export async function listRecurringWindows(
  actor: Actor | null,
  now = clock.now(),
): Promise<RecurringWindowRow[]> {
  assertCanRead(actor);
  const rows = await db().recurringWindow.findMany({ orderBy: [{ kind: "asc" }, { name: "asc" }] });
  return rows.map((r) => {
    const w = toWindow(r);
    const coming = occurrences(w, now, new Date(now.getTime() + 15 * DAY));
    const current = coming.find((o) => o.startsAt.getTime() <= now.getTime()) ?? null;
    const next = coming.find((o) => o.startsAt.getTime() > now.getTime()) ?? null;
    return {
      id: r.id,
      name: r.name,
      kind: w.kind,
      tier: r.tier,
      timeZone: r.timeZone,
      description: describeWindow(w),
      startDay: r.startDay,
      startTime: formatMinute(r.startMinute),
      endDay: r.endDay,
      endTime: formatMinute(r.endMinute),
      reason: r.reason,
      current,
      next,
    };
  });
}

/** Adds a repeating window; the same window submitted twice is added once. */
export async function createRecurringWindow(
  actor: Actor | null,
  meta: RequestMeta,
  input: RecurringWindowData,
): Promise<{ id: string; created: boolean }> {
  assertAllowed(actor, "settings.manage");
  const data = {
    name: input.name,
    kind: input.kind,
    tier: input.tier === "all" ? null : input.tier,
    timeZone: input.timeZone,
    startDay: input.startDay,
    startMinute: input.startTime,
    endDay: input.endDay,
    endMinute: input.endTime,
    reason: input.reason,
  };
  return db().$transaction(async (tx) => {
    await advisoryLock(tx, LOCKS.freezeCalendar());
    const same = await tx.recurringWindow.findFirst({ where: data, select: { id: true } });
    if (same) return { id: same.id, created: false };
    const created = await tx.recurringWindow.create({
      data: { ...data, createdById: actor.id, createdAt: clock.now() },
      select: { id: true },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "release_window.create",
      targetType: "release_window",
      targetId: created.id,
      outcome: "allowed",
      after: { ...data, description: describeWindow(toWindow(data)) },
      reason: input.reason || null,
    });
    return { id: created.id, created: true };
  });
}

/** Removes a repeating window (removing it twice is harmless). */
export async function deleteRecurringWindow(
  actor: Actor | null,
  meta: RequestMeta,
  id: string,
): Promise<{ deleted: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const row = await tx.recurringWindow.findUnique({ where: { id } });
    if (!row) return { deleted: false };
    const { count } = await tx.recurringWindow.deleteMany({ where: { id } });
    if (count === 0) return { deleted: false };
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "release_window.delete",
      targetType: "release_window",
      targetId: id,
      outcome: "allowed",
      before: { name: row.name, kind: row.kind, description: describeWindow(toWindow(row)) },
    });
    return { deleted: true };
  });
}
