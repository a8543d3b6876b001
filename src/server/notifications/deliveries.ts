import "server-only";
import { clock } from "@/lib/clock";
import { db, type Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import type { DeliveryQuery, RedeliverData } from "@/lib/schemas/notifications";
import type { NotificationEventType, NotificationPayload } from "@/lib/domain/notifications/events";

export interface DeliveryRow {
  id: string;
  eventId: string;
  type: NotificationEventType;
  summary: string;
  subjectName: string;
  subjectPath: string;
  channel: string;
  channelKind: string;
  status: "pending" | "delivered" | "dead";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  nextAttemptAt: Date | null;
}

/** The delivery log, newest first, filtered by status and channel, a page at a time. */
export async function listDeliveries(
  actor: Actor | null,
  query: DeliveryQuery,
): Promise<Page<DeliveryRow>> {
  assertAllowed(actor, "settings.manage");
  const where: Prisma.NotificationDeliveryWhereInput = {
    ...(query.status ? { status: query.status } : {}),
    ...(query.channel ? { channelId: query.channel } : {}),
  };
  const total = await db().notificationDelivery.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const rows = await db().notificationDelivery.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { seq: "desc" }],
    skip,
    take,
    select: {
      id: true,
      status: true,
      attempts: true,
      lastStatus: true,
      lastError: true,
      createdAt: true,
      deliveredAt: true,
      nextAttemptAt: true,
      channel: { select: { name: true, kind: true } },
      event: { select: { id: true, type: true, payload: true } },
    },
  });
  return toPage(
    rows.map((d) => {
      const p = d.event.payload as unknown as NotificationPayload;
      return {
        id: d.id,
        eventId: d.event.id,
        type: d.event.type as NotificationEventType,
        summary: p.summary,
        subjectName: p.subject.name,
        subjectPath: p.subject.path,
        channel: d.channel.name,
        channelKind: d.channel.kind,
        status: d.status as DeliveryRow["status"],
        attempts: d.attempts,
        lastStatus: d.lastStatus,
        lastError: d.lastError,
        createdAt: d.createdAt,
        deliveredAt: d.deliveredAt,
        nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
      };
    }),
    total,
    page,
    PAGE_SIZE,
  );
}

/**
 * Sends a delivery again with the same event id (receivers deduplicate on it): a dead one after
 * the receiver is fixed, or a delivered one someone lost. A pending one is already being tried,
 * so a double click changes nothing.
 */
export async function redeliver(
  actor: Actor | null,
  meta: RequestMeta,
  input: RedeliverData,
): Promise<{ queued: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const d = await tx.notificationDelivery.findUnique({
      where: { id: input.deliveryId },
      select: {
        id: true,
        status: true,
        attempts: true,
        eventId: true,
        channelId: true,
        subjectKey: true,
        channel: { select: { kind: true } },
        event: { select: { type: true } },
      },
    });
    if (!d) throw new AppError("NOT_FOUND", "That delivery does not exist.");
    if (d.status === "pending") return { queued: false };
    // A PagerDuty trigger sent again after the incident was resolved would open a new PagerDuty
    // incident and page on-call for one that is over.
    if (d.channel.kind === "pagerduty" && d.event.type === "incident.opened") {
      const incident = await tx.incident.findUnique({
        where: { id: d.subjectKey.replace(/^incident:/, "") },
        select: { number: true, status: true },
      });
      if (!incident || ["resolved", "closed", "cancelled"].includes(incident.status)) {
        throw new AppError(
          "CONFLICT",
          `INC-${incident?.number ?? "?"} is ${incident?.status ?? "gone"}: sending its PagerDuty trigger again would page on-call for an incident that is over.`,
        );
      }
    }
    const changed = await tx.notificationDelivery.updateMany({
      where: { id: d.id, status: d.status },
      data: {
        status: "pending",
        attempts: 0,
        nextAttemptAt: clock.now(),
        leaseOwner: null,
        leaseUntil: null,
        deliveredAt: null,
      },
    });
    if (changed.count === 0) return { queued: false };
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "notification.redeliver",
      targetType: "notification_channel",
      targetId: d.channelId,
      outcome: "allowed",
      before: { status: d.status, attempts: d.attempts },
      after: { delivery: d.id, event: d.eventId, status: "pending" },
    });
    return { queued: true };
  });
}
