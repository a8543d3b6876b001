import "server-only";
import { randomUUID } from "node:crypto";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { log } from "@/lib/telemetry/log";
import { notificationAttempts } from "@/lib/telemetry/metrics";
import { decryptSecret } from "@/server/notifications/secrets";
import type { ChannelKind, NotificationPayload } from "@/lib/domain/notifications/events";
import {
  judgeAttempt,
  SIGNATURE_HEADER,
  signWebhook,
  type AttemptVerdict,
} from "@/lib/domain/notifications/delivery";
import {
  pagerDutyEvent,
  slackMessage,
  webhookBody,
  type EventEnvelope,
} from "@/lib/domain/notifications/messages";

/** PagerDuty's Events API v2, unless a channel names another (the EU service region's). */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";
/** A receiver has this long to answer. */
const SEND_TIMEOUT_MS = 10_000;
/** A worker holds a delivery this long; one that died loses it and another sends it again. */
const LEASE_MS = 60_000;
/** Subjects sent at once by one worker; each subject's deliveries go one after another. */
const CONCURRENCY = 4;
/** Heads claimed per pass. */
const BATCH = 50;

/** Flightdeck's public URL, from which messages' links are built. */
export function publicUrl(): string {
  return process.env.AUTH_URL || `http://localhost:${process.env.PORT || "3000"}`;
}

interface Claimed {
  id: string;
  channelId: string;
  subjectKey: string;
}

const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;

/**
 * Claims the first pending delivery of each (channel, subject) queue that is due and not held
 * by a live worker: only a queue's head is ever sent, so a subject's events arrive in order,
 * and a failing one holds back the rest of its subject (not other subjects) until it is
 * delivered or dead. The UPDATE re-checks the lease, so two workers never claim the same row.
 */
async function claimHeads(now: Date): Promise<Claimed[]> {
  const until = new Date(now.getTime() + LEASE_MS);
  return db().$queryRaw<Claimed[]>`
    WITH heads AS (
      SELECT DISTINCT ON (d."channelId", d."subjectKey")
             d."id", d."nextAttemptAt", d."leaseUntil", d."seq"
      FROM "NotificationDelivery" d
      WHERE d."status" = 'pending'
      ORDER BY d."channelId", d."subjectKey", d."seq"
    ), due AS (
      SELECT h."id" FROM heads h
      JOIN "NotificationDelivery" d ON d."id" = h."id"
      JOIN "NotificationChannel" c ON c."id" = d."channelId"
      WHERE c."enabled" AND h."nextAttemptAt" <= ${now}
        AND (h."leaseUntil" IS NULL OR h."leaseUntil" <= ${now})
      ORDER BY h."seq"
      LIMIT ${BATCH}
    )
    UPDATE "NotificationDelivery" d
    SET "leaseOwner" = ${owner}, "leaseUntil" = ${until}
    FROM due
    WHERE d."id" = due."id" AND d."status" = 'pending'
      AND (d."leaseUntil" IS NULL OR d."leaseUntil" <= ${now})
    RETURNING d."id", d."channelId", d."subjectKey"`;
}

/** The next pending delivery of the same queue, claimed if it is due. */
async function claimNext(q: Claimed, now: Date): Promise<Claimed | null> {
  const until = new Date(now.getTime() + LEASE_MS);
  const rows = await db().$queryRaw<Claimed[]>`
    UPDATE "NotificationDelivery" d
    SET "leaseOwner" = ${owner}, "leaseUntil" = ${until}
    WHERE d."id" = (
        SELECT n."id" FROM "NotificationDelivery" n
        WHERE n."status" = 'pending' AND n."channelId" = ${q.channelId}
          AND n."subjectKey" = ${q.subjectKey}
        ORDER BY n."seq" LIMIT 1)
      AND d."status" = 'pending'
      AND d."nextAttemptAt" <= ${now}
      AND (d."leaseUntil" IS NULL OR d."leaseUntil" <= ${now})
    RETURNING d."id", d."channelId", d."subjectKey"`;
  return rows[0] ?? null;
}

/**
 * Renews this worker's lease just before it sends, if it still holds it: a head claimed in a
 * batch may wait its turn behind other subjects, and one whose lease ran out meanwhile belongs
 * to whichever worker claimed it since. Null: not ours any more, send nothing.
 */
async function renewLease(id: string, now: Date): Promise<boolean> {
  const until = new Date(now.getTime() + LEASE_MS);
  const renewed = await db().$executeRaw`
    UPDATE "NotificationDelivery" SET "leaseUntil" = ${until}
    WHERE "id" = ${id} AND "leaseOwner" = ${owner} AND "status" = 'pending'
      AND "leaseUntil" > ${now}`;
  return renewed === 1;
}

interface Request {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** The HTTP request a delivery makes, or a reason it cannot be made. */
function requestFor(
  channel: { kind: string; endpoint: string | null; secret: string },
  envelope: EventEnvelope,
  now: Date,
): Request | { refused: string } | { unreadable: string } {
  const base = publicUrl();
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Flightdeck-Notifications/1",
  };
  const kind = channel.kind as ChannelKind;
  const secret = decryptSecret(channel.secret);
  if (kind === "slack") {
    return { url: secret, body: JSON.stringify(slackMessage(envelope, base)), headers };
  }
  if (kind === "pagerduty") {
    const event = pagerDutyEvent(envelope, secret, base);
    if (!event) return { refused: "PagerDuty receives incident events only" };
    return {
      url: channel.endpoint ?? PAGERDUTY_EVENTS_URL,
      body: JSON.stringify(event),
      headers,
    };
  }
  const body = JSON.stringify(webhookBody(envelope, base));
  const t = Math.floor(now.getTime() / 1000);
  return {
    url: channel.endpoint ?? "",
    body,
    headers: {
      ...headers,
      "x-flightdeck-event-id": envelope.id,
      "x-flightdeck-event-type": envelope.payload.type,
      "x-flightdeck-timestamp": String(t),
      [SIGNATURE_HEADER.toLowerCase()]: signWebhook(secret, t, body),
    },
  };
}

async function send(
  req: Request,
): Promise<{ status: number | null; detail: string; retryAfter: number | null }> {
  try {
    const res = await fetch(req.url, {
      method: "POST",
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    const text = (await res.text().catch(() => "")).replace(/\s+/g, " ").trim().slice(0, 200);
    const retryAfter = Number(res.headers.get("retry-after"));
    return {
      status: res.status,
      detail: text,
      retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const detail =
      e.name === "TimeoutError"
        ? `no answer within ${SEND_TIMEOUT_MS / 1000} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    // A Slack channel's URL is its secret: never into the error shown and logged.
    return {
      status: null,
      detail: detail.split(req.url).join("<the channel's URL>"),
      retryAfter: null,
    };
  }
}

/** Sends one claimed delivery and records the outcome, if this worker still holds it. */
async function attempt(id: string): Promise<AttemptVerdict["kind"] | "lost"> {
  if (!(await renewLease(id, clock.now()))) return "lost";
  const d = await db().notificationDelivery.findUnique({
    where: { id },
    select: {
      attempts: true,
      leaseOwner: true,
      status: true,
      event: { select: { id: true, occurredAt: true, payload: true } },
      channel: { select: { kind: true, endpoint: true, secret: true } },
    },
  });
  if (!d || d.leaseOwner !== owner || d.status !== "pending") return "lost";
  const envelope: EventEnvelope = {
    id: d.event.id,
    occurredAt: d.event.occurredAt,
    payload: d.event.payload as unknown as NotificationPayload,
  };
  const attempts = d.attempts + 1;
  let verdict: AttemptVerdict;
  let status: number | null = null;
  let request: Request | { refused: string } | { unreadable: string };
  try {
    request = requestFor(d.channel, envelope, clock.now());
  } catch (error) {
    // The secret cannot be decrypted (the key changed): tried again with backoff, so restoring
    // the key within the attempts delivers everything.
    request = { unreadable: (error as Error).message };
  }
  if ("refused" in request) {
    verdict = { kind: "dead", error: request.refused };
  } else if ("unreadable" in request) {
    verdict = judgeAttempt({
      status: null,
      detail: request.unreadable,
      attempts,
      now: clock.now(),
    });
  } else {
    const answer = await send(request);
    status = answer.status;
    verdict = judgeAttempt({
      status: answer.status,
      detail: answer.detail,
      attempts,
      now: clock.now(),
      retryAfterSeconds: answer.retryAfter,
    });
  }
  const now = clock.now();
  const written = await db().notificationDelivery.updateMany({
    where: { id, leaseOwner: owner, status: "pending" },
    data: {
      attempts,
      lastStatus: status,
      leaseOwner: null,
      leaseUntil: null,
      ...(verdict.kind === "delivered"
        ? { status: "delivered", deliveredAt: now, lastError: null }
        : verdict.kind === "retry"
          ? { lastError: verdict.error, nextAttemptAt: verdict.at }
          : { status: "dead", lastError: verdict.error }),
    },
  });
  if (written.count === 0) return "lost";
  notificationAttempts.inc({ kind: d.channel.kind, outcome: verdict.kind });
  if (verdict.kind !== "delivered") {
    log().warn(
      { delivery: id, event: envelope.id, channelKind: d.channel.kind, error: verdict.error },
      verdict.kind === "dead" ? "Notification dead" : "Notification delivery failed; retrying",
    );
  }
  return verdict.kind;
}

export interface DeliveryReport {
  delivered: number;
  retrying: number;
  dead: number;
}

/**
 * One pass of the notification worker: each due queue head is sent, then the rest of its
 * subject's queue while deliveries succeed. Several workers may run it at once; each delivery
 * is sent under one lease. A worker killed after a receiver accepted a message but before it
 * recorded that sends it again after the lease: receivers deduplicate on the event id, which a
 * redelivery keeps.
 */
export async function deliverNotifications(): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, retrying: 0, dead: 0 };
  const queues = await claimHeads(clock.now());
  const work = async (first: Claimed) => {
    let current: Claimed | null = first;
    while (current) {
      const outcome = await attempt(current.id);
      if (outcome === "delivered") report.delivered += 1;
      else if (outcome === "retry") report.retrying += 1;
      else if (outcome === "dead") report.dead += 1;
      // A failure holds the subject's later events back; a dead one lets them go on.
      if (outcome !== "delivered" && outcome !== "dead") return;
      current = await claimNext(current, clock.now());
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, queues.length) }, async () => {
      while (next < queues.length) {
        const q = queues[next++];
        if (q) await work(q);
      }
    }),
  );
  return report;
}
