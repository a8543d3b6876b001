import "server-only";
import { createHash } from "node:crypto";
import type { Db } from "@/server/db/tx";
import { decryptSecret, secretHint } from "@/server/notifications/secrets";
import type { ChannelState, FleetConfig, SecretState } from "@/lib/domain/config/schema";
import { normalSubscriptions } from "@/lib/domain/config/diff";
import type { ChannelKind, NotificationEventType } from "@/lib/domain/notifications/events";
import { safeHttpUrl } from "@/lib/domain/models/link-templates";

/**
 * Notification channels in the fleet configuration file. The file never holds a secret: it
 * names the environment variable that does, read here where the file is applied; the plan sees
 * a secret only as its last characters and a digest.
 */

const digest = (value: string) => createHash("sha256").update(value).digest("hex");

export function secretState(value: string): SecretState {
  return { hint: secretHint(value), digest: digest(value) };
}

/** Why a secret read from the environment cannot serve a channel of this kind, or null. */
function secretProblem(kind: ChannelKind, value: string): string | null {
  if (kind === "slack") {
    return safeHttpUrl(value)
      ? null
      : "holds no http(s) URL (a Slack incoming webhook's URL, without credentials)";
  }
  if (kind === "pagerduty") {
    return /^[A-Za-z0-9]{20,64}$/.test(value)
      ? null
      : "holds no PagerDuty routing key (20 to 64 letters and digits)";
  }
  return value.length >= 16 ? null : "holds a signing secret shorter than 16 characters";
}

/**
 * The secrets the file's channels name, read from the environment, as hints and digests; and
 * what is wrong with them (a variable not set, a value that cannot be the kind's secret).
 */
export function resolveChannelSecrets(
  config: FleetConfig,
  env: NodeJS.ProcessEnv = process.env,
): {
  secrets: Map<string, { secret?: SecretState; inboundSecret?: SecretState }>;
  problems: string[];
} {
  const secrets = new Map<string, { secret?: SecretState; inboundSecret?: SecretState }>();
  const problems: string[] = [];
  config.notificationChannels?.forEach((c, i) => {
    const resolved: { secret?: SecretState; inboundSecret?: SecretState } = {};
    const read = (field: "secretFromEnv" | "inboundSecretFromEnv", name: string | undefined) => {
      if (!name) return undefined;
      const value = env[name]?.trim();
      if (!value) {
        problems.push(
          `notificationChannels[${i}].${field}: the environment variable ${name} is not set where the file is applied.`,
        );
        return undefined;
      }
      return value;
    };
    const secret = read("secretFromEnv", c.secretFromEnv);
    if (secret !== undefined) {
      const problem = secretProblem(c.kind, secret);
      if (problem) {
        problems.push(`notificationChannels[${i}].secretFromEnv: ${c.secretFromEnv} ${problem}.`);
      } else {
        resolved.secret = secretState(secret);
      }
    }
    const inbound = read("inboundSecretFromEnv", c.inboundSecretFromEnv);
    if (inbound !== undefined) resolved.inboundSecret = secretState(inbound);
    secrets.set(c.name, resolved);
  });
  return { secrets, problems };
}

/** A secret's value from the environment at apply time (the plan checked it is there). */
export function secretFromEnv(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`config apply: ${name} is no longer set`);
  return value;
}

/** The channels as the file would write them, with their ids. */
export async function readChannelStates(
  client: Db,
): Promise<{ channels: ChannelState[]; ids: Map<string, string> }> {
  const rows = await client.notificationChannel.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      kind: true,
      endpoint: true,
      enabled: true,
      secret: true,
      secretHint: true,
      inboundSecret: true,
      secretEnv: true,
      inboundSecretEnv: true,
      subscriptions: {
        select: { teamId: true, modelId: true, environmentId: true, events: true },
      },
    },
  });
  const subs = rows.flatMap((r) => r.subscriptions);
  const ids = (pick: (s: (typeof subs)[number]) => string | null) => [
    ...new Set(subs.map(pick).filter((v): v is string => v !== null)),
  ];
  const [teams, models, envs] = [
    await client.team.findMany({
      where: { id: { in: ids((s) => s.teamId) } },
      select: { id: true, slug: true },
    }),
    await client.model.findMany({
      where: { id: { in: ids((s) => s.modelId) } },
      select: { id: true, name: true },
    }),
    await client.environment.findMany({
      where: { id: { in: ids((s) => s.environmentId) } },
      select: { id: true, name: true },
    }),
  ];
  const teamSlug = new Map(teams.map((t) => [t.id, t.slug]));
  const modelName = new Map(models.map((m) => [m.id, m.name]));
  const envName = new Map(envs.map((e) => [e.id, e.name]));
  /** A secret this key cannot read compares unequal to any value the file gives. */
  const state = (stored: string, hint: string, id: string): SecretState => {
    try {
      return { hint, digest: digest(decryptSecret(stored)) };
    } catch {
      return { hint, digest: `unreadable:${id}` };
    }
  };
  return {
    ids: new Map(rows.map((r) => [r.name, r.id])),
    channels: rows.map((r) => ({
      name: r.name,
      kind: r.kind as ChannelKind,
      endpoint: r.kind === "slack" ? null : r.endpoint,
      enabled: r.enabled,
      secretFromEnv: r.secretEnv,
      inboundSecretFromEnv: r.inboundSecretEnv,
      secret: state(r.secret, r.secretHint, r.id),
      inboundSecret: r.inboundSecret ? state(r.inboundSecret, "…", r.id) : null,
      subscriptions: normalSubscriptions(
        r.subscriptions.map((s) => ({
          team: s.teamId ? (teamSlug.get(s.teamId) ?? `(deleted team ${s.teamId})`) : null,
          model: s.modelId ? (modelName.get(s.modelId) ?? `(deleted model ${s.modelId})`) : null,
          environment: s.environmentId
            ? (envName.get(s.environmentId) ?? `(deleted environment ${s.environmentId})`)
            : null,
          events: s.events as NotificationEventType[],
        })),
      ),
    })),
  };
}
