import "server-only";
import { randomBytes } from "node:crypto";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { isUniqueViolation } from "@/server/db/violations";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { encryptSecret, secretHint } from "@/server/notifications/secrets";
import { PAGERDUTY_EVENTS_URL } from "@/server/notifications/deliver";
import {
  eventsForKind,
  type ChannelKind,
  type NotificationEventType,
} from "@/lib/domain/notifications/events";
import type {
  AddSubscriptionData,
  CreateChannelData,
  DeleteChannelData,
  RemoveSubscriptionData,
  SetChannelEnabledData,
} from "@/lib/schemas/notifications";

export interface SubscriptionRow {
  id: string;
  team: string | null;
  model: string | null;
  environment: string | null;
  events: NotificationEventType[];
}

export interface ChannelRow {
  id: string;
  name: string;
  kind: ChannelKind;
  /** where messages go, without the secret: a webhook's URL, PagerDuty's API, "Slack" */
  destination: string;
  secretHint: string;
  acceptsAcknowledgements: boolean;
  enabled: boolean;
  version: number;
  createdAt: Date;
  createdBy: string;
  subscriptions: SubscriptionRow[];
  pending: number;
  dead: number;
}

/** Every channel with its subscriptions and its queue, for the admin page. */
export async function listChannels(actor: Actor | null): Promise<ChannelRow[]> {
  assertAllowed(actor, "settings.manage");
  const [channels, counts] = await Promise.all([
    db().notificationChannel.findMany({
      orderBy: { name: "asc" },
      select: {
        id: true,
        name: true,
        kind: true,
        endpoint: true,
        secretHint: true,
        inboundSecret: true,
        enabled: true,
        version: true,
        createdAt: true,
        createdBy: true,
        subscriptions: { orderBy: { createdAt: "asc" } },
      },
    }),
    db().notificationDelivery.groupBy({
      by: ["channelId", "status"],
      where: { status: { in: ["pending", "dead"] } },
      _count: { _all: true },
    }),
  ]);
  const ids = {
    team: new Set<string>(),
    model: new Set<string>(),
    env: new Set<string>(),
  };
  for (const c of channels) {
    for (const s of c.subscriptions) {
      if (s.teamId) ids.team.add(s.teamId);
      if (s.modelId) ids.model.add(s.modelId);
      if (s.environmentId) ids.env.add(s.environmentId);
    }
  }
  const [teams, models, envs] = await Promise.all([
    db().team.findMany({ where: { id: { in: [...ids.team] } }, select: { id: true, name: true } }),
    db().model.findMany({
      where: { id: { in: [...ids.model] } },
      select: { id: true, name: true },
    }),
    db().environment.findMany({
      where: { id: { in: [...ids.env] } },
      select: { id: true, name: true },
    }),
  ]);
  const nameOf = (rows: { id: string; name: string }[]) => new Map(rows.map((r) => [r.id, r.name]));
  const [teamName, modelName, envName] = [nameOf(teams), nameOf(models), nameOf(envs)];
  const count = (channelId: string, status: string) =>
    counts.find((c) => c.channelId === channelId && c.status === status)?._count._all ?? 0;
  return channels.map((c) => ({
    id: c.id,
    name: c.name,
    kind: c.kind as ChannelKind,
    destination:
      c.kind === "slack"
        ? "Slack incoming webhook"
        : c.kind === "pagerduty"
          ? (c.endpoint ?? PAGERDUTY_EVENTS_URL)
          : (c.endpoint ?? ""),
    secretHint: c.secretHint,
    acceptsAcknowledgements: c.inboundSecret !== null,
    enabled: c.enabled,
    version: c.version,
    createdAt: c.createdAt,
    createdBy: c.createdBy,
    subscriptions: c.subscriptions.map((s) => ({
      id: s.id,
      team: s.teamId ? (teamName.get(s.teamId) ?? "(deleted team)") : null,
      model: s.modelId ? (modelName.get(s.modelId) ?? "(deleted model)") : null,
      environment: s.environmentId ? (envName.get(s.environmentId) ?? "(deleted)") : null,
      events: s.events as NotificationEventType[],
    })),
    pending: count(c.id, "pending"),
    dead: count(c.id, "dead"),
  }));
}

/**
 * Adds a channel. Its secret is encrypted before it is stored and never returned, except a
 * webhook signing secret Flightdeck generated, which the admin sees once to configure the
 * receiver. Names are unique, so a double submit adds one channel.
 */
export async function createChannel(
  actor: Actor | null,
  meta: RequestMeta,
  input: CreateChannelData,
): Promise<{ channel: { id: string; name: string }; generatedSecret: string | null }> {
  assertAllowed(actor, "settings.manage");
  let secret: string;
  let endpoint: string | null = null;
  let inbound: string | null = null;
  let generatedSecret: string | null = null;
  if (input.kind === "slack") {
    secret = input.url;
  } else if (input.kind === "pagerduty") {
    secret = input.routingKey;
    endpoint = input.endpoint;
    inbound = input.inboundSecret;
  } else {
    endpoint = input.url;
    generatedSecret = input.signingSecret ? null : `whsec_${randomBytes(24).toString("base64url")}`;
    secret = input.signingSecret ?? generatedSecret ?? "";
  }
  try {
    return await db().$transaction(async (tx) => {
      const channel = await tx.notificationChannel.create({
        data: {
          name: input.name,
          kind: input.kind,
          endpoint,
          secret: encryptSecret(secret),
          secretHint: secretHint(secret),
          inboundSecret: inbound ? encryptSecret(inbound) : null,
          createdBy: actor.email,
          createdAt: clock.now(),
        },
        select: { id: true, name: true },
      });
      await appendAudit(tx, {
        ...auditActor(actor, meta),
        action: "notification.channel.create",
        targetType: "notification_channel",
        targetId: channel.id,
        outcome: "allowed",
        after: {
          name: input.name,
          kind: input.kind,
          endpoint,
          secretHint: secretHint(secret),
          acceptsAcknowledgements: inbound !== null,
        },
      });
      return { channel, generatedSecret };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("CONFLICT", `A channel named "${input.name}" already exists.`);
    }
    throw error;
  }
}

/**
 * Mutes a channel (nothing new is queued for it; what it had queued waits) or turns it on again;
 * optimistic on its version.
 */
export async function setChannelEnabled(
  actor: Actor | null,
  meta: RequestMeta,
  input: SetChannelEnabledData,
): Promise<{ enabled: boolean; version: number }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const c = await tx.notificationChannel.findUnique({
      where: { id: input.channelId },
      select: { id: true, name: true, enabled: true, version: true },
    });
    if (!c) throw new AppError("NOT_FOUND", "That channel does not exist.");
    if (c.enabled === input.enabled) return { enabled: c.enabled, version: c.version };
    const changed = await tx.notificationChannel.updateMany({
      where: { id: c.id, version: input.version },
      data: { enabled: input.enabled, version: { increment: 1 } },
    });
    if (changed.count === 0) {
      throw new AppError(
        "CONFLICT",
        `The channel "${c.name}" changed since you loaded it: reload and try again.`,
      );
    }
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: input.enabled ? "notification.channel.enable" : "notification.channel.disable",
      targetType: "notification_channel",
      targetId: c.id,
      outcome: "allowed",
      before: { enabled: c.enabled },
      after: { name: c.name, enabled: input.enabled },
    });
    return { enabled: input.enabled, version: c.version + 1 };
  });
}

/** Deletes a channel with its subscriptions and queue; deleting it twice succeeds once. */
export async function deleteChannel(
  actor: Actor | null,
  meta: RequestMeta,
  input: DeleteChannelData,
): Promise<{ deleted: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const c = await tx.notificationChannel.findUnique({
      where: { id: input.channelId },
      select: { id: true, name: true, kind: true },
    });
    if (!c) return { deleted: false };
    await tx.notificationChannel.delete({ where: { id: c.id } });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "notification.channel.delete",
      targetType: "notification_channel",
      targetId: c.id,
      outcome: "allowed",
      before: { name: c.name, kind: c.kind },
    });
    return { deleted: true };
  });
}

/**
 * Subscribes a channel to events for a team, a model or an environment (none: everything).
 * The same subscription twice is one.
 */
export async function addSubscription(
  actor: Actor | null,
  meta: RequestMeta,
  input: AddSubscriptionData,
): Promise<{ id: string; created: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const c = await tx.notificationChannel.findUnique({
      where: { id: input.channelId },
      select: { id: true, name: true, kind: true },
    });
    if (!c) throw new AppError("NOT_FOUND", "That channel does not exist.");
    const allowed = eventsForKind(c.kind as ChannelKind);
    const wrong = input.events.filter((e) => !allowed.includes(e));
    if (wrong.length > 0) {
      throw new AppError(
        "INVALID_INPUT",
        `A PagerDuty channel receives incidents only (opened, acknowledged, resolved), not ${wrong.join(", ")}.`,
      );
    }
    const [team, model, env] = await Promise.all([
      input.teamId
        ? tx.team.findUnique({ where: { id: input.teamId }, select: { name: true } })
        : null,
      input.modelId
        ? tx.model.findUnique({ where: { id: input.modelId }, select: { name: true } })
        : null,
      input.environmentId
        ? tx.environment.findUnique({ where: { id: input.environmentId }, select: { name: true } })
        : null,
    ]);
    if (input.teamId && !team) throw new AppError("INVALID_INPUT", "That team does not exist.");
    if (input.modelId && !model) throw new AppError("INVALID_INPUT", "That model does not exist.");
    if (input.environmentId && !env) {
      throw new AppError("INVALID_INPUT", "That environment does not exist.");
    }
    // Serialise subscriptions of one channel so the duplicate check cannot race.
    await tx.$executeRaw`SELECT 1 FROM "NotificationChannel" WHERE "id" = ${c.id} FOR UPDATE`;
    const same = await tx.notificationSubscription.findFirst({
      where: {
        channelId: c.id,
        teamId: input.teamId,
        modelId: input.modelId,
        environmentId: input.environmentId,
        events: { equals: input.events },
      },
      select: { id: true },
    });
    if (same) return { id: same.id, created: false };
    const sub = await tx.notificationSubscription.create({
      data: {
        channelId: c.id,
        teamId: input.teamId,
        modelId: input.modelId,
        environmentId: input.environmentId,
        events: input.events,
        createdBy: actor.email,
        createdAt: clock.now(),
      },
      select: { id: true },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "notification.subscription.create",
      targetType: "notification_channel",
      targetId: c.id,
      outcome: "allowed",
      after: {
        channel: c.name,
        team: team?.name ?? null,
        model: model?.name ?? null,
        environment: env?.name ?? null,
        events: input.events,
      },
    });
    return { id: sub.id, created: true };
  });
}

export async function removeSubscription(
  actor: Actor | null,
  meta: RequestMeta,
  input: RemoveSubscriptionData,
): Promise<{ removed: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const s = await tx.notificationSubscription.findUnique({
      where: { id: input.subscriptionId },
      select: { id: true, channelId: true, events: true, channel: { select: { name: true } } },
    });
    if (!s) return { removed: false };
    await tx.notificationSubscription.delete({ where: { id: s.id } });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "notification.subscription.delete",
      targetType: "notification_channel",
      targetId: s.channelId,
      outcome: "allowed",
      before: { channel: s.channel.name, events: s.events },
    });
    return { removed: true };
  });
}
