import "server-only";
import type { z } from "zod";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { decryptSecret } from "@/server/notifications/secrets";
import { notifyIncident } from "@/server/notifications/subjects";
import { lockIncidentRow } from "@/server/incidents/open-incident";
import { incidentTransition } from "@/lib/domain/incidents/lifecycle";
import { verifyPagerDutySignature } from "@/lib/domain/notifications/delivery";
import { incidentNumberOfDedupKey } from "@/lib/domain/notifications/events";
import { pagerDutyWebhookSchema } from "@/lib/schemas/notifications";

export type InboundOutcome = "acknowledged" | "unchanged" | "ignored";

/**
 * PagerDuty → Flightdeck: an incident acknowledged in PagerDuty is acknowledged here, once. The
 * request is authenticated by its signature under the channel's inbound secret (refused and
 * audited otherwise); it names our incident by the dedup key Flightdeck sent. Events about
 * incidents Flightdeck did not trigger, and other event types, are accepted and ignored.
 */
export async function receivePagerDutyWebhook(
  channelId: string,
  rawBody: string,
  signature: string | null,
  meta: RequestMeta,
): Promise<{ outcome: InboundOutcome; incident: number | null }> {
  const channel = await db().notificationChannel.findUnique({
    where: { id: channelId },
    select: { id: true, name: true, kind: true, inboundSecret: true, enabled: true },
  });
  if (!channel || channel.kind !== "pagerduty" || !channel.inboundSecret || !channel.enabled) {
    throw new AppError("NOT_FOUND", "No PagerDuty channel takes acknowledgements at this address.");
  }
  if (!verifyPagerDutySignature(signature, decryptSecret(channel.inboundSecret), rawBody)) {
    await appendAudit(db(), {
      actorRole: "integration",
      actorEmail: null,
      action: "notification.pagerduty.inbound",
      targetType: "notification_channel",
      targetId: channel.id,
      outcome: "denied",
      reason: "The X-PagerDuty-Signature does not match the channel's signing secret.",
      requestId: meta.requestId,
      clientIp: meta.clientIp,
    });
    throw new AppError("UNAUTHENTICATED", "The X-PagerDuty-Signature does not match.");
  }
  let body: z.infer<typeof pagerDutyWebhookSchema>;
  try {
    body = pagerDutyWebhookSchema.parse(JSON.parse(rawBody));
  } catch {
    throw new AppError("INVALID_INPUT", "The body is not a PagerDuty V3 webhook event.");
  }
  const number = incidentNumberOfDedupKey(body.event.data.incident_key);
  if (body.event.event_type !== "incident.acknowledged" || number === null) {
    return { outcome: "ignored", incident: number };
  }
  // a responder's name as PagerDuty sends it, without the NUL PostgreSQL text cannot hold
  const agent = body.event.agent?.summary?.replace(/\u0000/g, "").trim() || null;
  const who = `PagerDuty${agent ? ` (${agent})` : ""}`;
  return db().$transaction(async (tx) => {
    const found = await tx.incident.findUnique({ where: { number }, select: { id: true } });
    if (!found) return { outcome: "ignored" as const, incident: number };
    // Only an incident this channel triggered: another source in the same PagerDuty account
    // could send an event under our dedup key, and PagerDuty would sign its webhook too.
    const triggered = await tx.notificationDelivery.findFirst({
      where: {
        channelId: channel.id,
        subjectKey: `incident:${found.id}`,
        status: "delivered",
        event: { type: "incident.opened" },
      },
      select: { id: true },
    });
    if (!triggered) return { outcome: "ignored" as const, incident: number };
    const row = await lockIncidentRow(tx, found.id);
    const now = clock.now();
    const step = incidentTransition(row, "acknowledge", now);
    if (!step.ok) return { outcome: "unchanged" as const, incident: number };
    await tx.incident.update({
      where: { id: row.id },
      data: { status: step.next, ...step.timestamps, version: { increment: 1 } },
    });
    await tx.incidentEvent.create({
      data: {
        incidentId: row.id,
        at: now,
        kind: "status",
        message: `Acknowledged in PagerDuty by ${agent ?? "a responder"}`,
        actor: who,
      },
    });
    await notifyIncident(tx, row.id, "incident.acknowledged", { actor: who });
    await appendAudit(tx, {
      actorRole: "integration",
      actorEmail: null,
      action: "incident.transition",
      targetType: "incident",
      targetId: row.id,
      outcome: "allowed",
      reason: `${who}, through the channel "${channel.name}"`,
      before: { status: row.status },
      after: {
        number,
        event: "acknowledge",
        status: step.next,
        pagerDutyEvent: body.event.id ?? null,
      },
      requestId: meta.requestId,
      clientIp: meta.clientIp,
    });
    return { outcome: "acknowledged" as const, incident: number };
  });
}
