import "server-only";
import { clock } from "@/lib/clock";
import type { Tx } from "@/server/db/tx";
import { pagerDutyEligible, type NotificationPayload } from "@/lib/domain/notifications/events";

export interface NotifyInput {
  payload: NotificationPayload;
  /** the ordering unit: one subject's events reach a channel in the order they happened */
  subjectKey: string;
  teamId: string | null;
  modelId: string | null;
  environmentId: string | null;
  occurredAt?: Date;
  /** record the event once per key (events that time raises, seen by several workers) */
  dedupeKey?: string;
  /** for every subscription of the event type, whatever team, model or environment it names */
  everyone?: boolean;
}

/**
 * Records an event in the caller's transaction (the outbox), with one delivery for each enabled
 * channel that a subscription matches: the team, model and environment it names (null: any) and
 * the event type; PagerDuty channels only for the incidents it pages on. One statement. It
 * commits with the change or not at all; the worker delivers it (deliver.ts).
 */
export async function notify(tx: Tx, input: NotifyInput): Promise<void> {
  const at = input.occurredAt ?? clock.now();
  const { payload, subjectKey, teamId, modelId, environmentId } = input;
  const everyone = input.everyone ?? false;
  const toPagerDuty = pagerDutyEligible(payload);
  await tx.$executeRaw`
    WITH ev AS (
      INSERT INTO "NotificationEvent"
        ("id", "type", "subjectKey", "occurredAt", "teamId", "modelId", "environmentId", "payload",
         "dedupeKey")
      VALUES (gen_random_uuid()::text, ${payload.type}, ${subjectKey}, ${at}, ${teamId},
              ${modelId}, ${environmentId}, ${JSON.stringify(payload)}::jsonb,
              ${input.dedupeKey ?? null}::text)
      ON CONFLICT ("dedupeKey") DO NOTHING
      RETURNING "id", "seq"
    )
    INSERT INTO "NotificationDelivery"
      ("id", "eventId", "channelId", "subjectKey", "seq", "nextAttemptAt", "createdAt")
    SELECT gen_random_uuid()::text, ev."id", c."id", ${subjectKey}, ev."seq", ${at}, ${at}
    FROM ev CROSS JOIN "NotificationChannel" c
    WHERE c."enabled"
      AND (c."kind" <> 'pagerduty' OR ${toPagerDuty})
      AND EXISTS (
        SELECT 1 FROM "NotificationSubscription" s
        WHERE s."channelId" = c."id"
          AND ${payload.type}::text = ANY (s."events")
          AND (${everyone} OR (
            (s."teamId" IS NULL OR s."teamId" = ${teamId}::text)
            AND (s."modelId" IS NULL OR s."modelId" = ${modelId}::text)
            AND (s."environmentId" IS NULL OR s."environmentId" = ${environmentId}::text)))
      )
    -- a channel deleted meanwhile is skipped, not a failed insert that would undo the change
    FOR KEY SHARE OF c`;
}
