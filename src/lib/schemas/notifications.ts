import { z } from "zod";
import { NOTIFICATION_EVENTS, SUBJECT_KINDS } from "@/lib/domain/notifications/events";
import { WEBHOOK_SCHEMA } from "@/lib/domain/notifications/messages";
import { safeHttpUrl } from "@/lib/domain/models/link-templates";
import { listPageSchema } from "./list-query";

const id = z.string().trim().min(1, "Missing id.").max(64);
const optionalId = z
  .string()
  .trim()
  .max(64)
  .optional()
  .transform((v) => (v ? v : null));

/** An http(s) URL: anything else (javascript:, file:, a bare host) is refused. */
export const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Give the ${what}.`)
    .max(2000, `The ${what} is too long.`)
    .refine(
      (v) => safeHttpUrl(v) !== null,
      `The ${what} must be an http(s) URL, without a user name or password in it.`,
    );

const name = z
  .string()
  .trim()
  .min(3, "Channel names need at least 3 characters.")
  .max(60, "Channel names have at most 60 characters.")
  .regex(
    /^[a-z0-9#][a-z0-9 ._#-]*$/i,
    "Use letters, digits, spaces, dots, dashes, # (e.g. #ml-alerts) and underscores.",
  );

export const createChannelSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("slack"),
    name,
    /** the incoming webhook's URL: it is the secret */
    url: httpUrl("Slack webhook URL"),
  }),
  z.object({
    kind: z.literal("pagerduty"),
    name,
    routingKey: z
      .string()
      .trim()
      .regex(
        /^[A-Za-z0-9]{20,64}$/,
        "A PagerDuty routing key is 20 to 64 letters and digits (the integration key of an Events API v2 integration).",
      ),
    /** the Events API's URL when not PagerDuty's default (the EU service region's) */
    endpoint: z
      .union([z.literal(""), httpUrl("Events API URL")])
      .optional()
      .transform((v) => (v ? v : null)),
    /** the signing secret of PagerDuty's webhook subscription, for acknowledgements made there */
    inboundSecret: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => (v ? v : null)),
  }),
  z.object({
    kind: z.literal("webhook"),
    name,
    url: httpUrl("webhook URL"),
    /** blank: Flightdeck generates one and shows it once */
    signingSecret: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => (v ? v : null))
      .refine(
        (v) => v === null || v.length >= 16,
        "A signing secret needs at least 16 characters.",
      ),
  }),
]);
export type CreateChannelInput = z.input<typeof createChannelSchema>;
export type CreateChannelData = z.output<typeof createChannelSchema>;

export const setChannelEnabledSchema = z.object({
  channelId: id,
  enabled: z.boolean(),
  version: z.number().int().min(1),
});
export type SetChannelEnabledData = z.output<typeof setChannelEnabledSchema>;

export const deleteChannelSchema = z.object({ channelId: id });
export type DeleteChannelData = z.output<typeof deleteChannelSchema>;

export const addSubscriptionSchema = z.object({
  channelId: id,
  teamId: optionalId,
  modelId: optionalId,
  environmentId: optionalId,
  events: z
    .array(z.enum(NOTIFICATION_EVENTS, { error: "That is not an event Flightdeck sends." }))
    .min(1, "Choose at least one event.")
    .transform((e) => [...new Set(e)].sort()),
});
export type AddSubscriptionInput = z.input<typeof addSubscriptionSchema>;
export type AddSubscriptionData = z.output<typeof addSubscriptionSchema>;

export const removeSubscriptionSchema = z.object({ subscriptionId: id });
export type RemoveSubscriptionData = z.output<typeof removeSubscriptionSchema>;

export const redeliverSchema = z.object({ deliveryId: id });
export type RedeliverData = z.output<typeof redeliverSchema>;

export const DELIVERY_STATUSES = ["pending", "delivered", "dead"] as const;

/** The delivery log's filters, from the URL. */
export const deliveryQuerySchema = z.object({
  page: listPageSchema,
  status: z.enum(DELIVERY_STATUSES).optional().catch(undefined),
  channel: z.string().trim().max(64).optional().catch(undefined),
});
export type DeliveryQuery = z.output<typeof deliveryQuerySchema>;

/**
 * The body of Flightdeck's signed webhooks, version 1 (published in the OpenAPI document's
 * `webhooks`; a unit test checks the messages against it). New fields may be added; none is
 * changed or removed without a new version.
 */
export const notificationWebhookBodySchema = z
  .object({
    schema: z.literal(WEBHOOK_SCHEMA),
    id: z
      .string()
      .meta({ description: "The event id: the same on every redelivery. Deduplicate on it." }),
    type: z.enum(NOTIFICATION_EVENTS),
    occurredAt: z.string().meta({ format: "date-time" }),
    subject: z
      .object({
        kind: z.enum(SUBJECT_KINDS),
        id: z.string(),
        name: z.string(),
        url: z.string().meta({ description: "The page in Flightdeck." }),
      })
      .strict(),
    summary: z.string().meta({ description: "What happened, to what, in one sentence." }),
    actor: z.string().nullable().meta({ description: "Who did it, or null when Flightdeck did." }),
    reason: z.string().nullable(),
    blastRadius: z.string().nullable(),
    team: z.string().nullable(),
    model: z.string().nullable(),
    environment: z.string().nullable(),
    severity: z.string().nullable(),
    facts: z.array(z.object({ label: z.string(), value: z.string() })),
  })
  .strict();

/** PagerDuty's V3 webhook body: what Flightdeck reads of it (the rest is ignored). */
export const pagerDutyWebhookSchema = z.object({
  event: z.object({
    id: z.string().max(200).optional(),
    event_type: z.string().max(100),
    agent: z.object({ summary: z.string().max(200).optional() }).nullish(),
    data: z
      .object({
        incident_key: z.string().max(300).nullish(),
        html_url: z.string().max(2000).nullish(),
      })
      .passthrough(),
  }),
});
