import "server-only";
import { clock } from "@/lib/clock";
import { Prisma, type PrismaClient } from "@/server/db/client";
import type { Tx } from "@/server/db/tx";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { isForeignKeyViolation } from "@/server/db/violations";
import { appendAudit } from "@/server/db/audit";
import { AppError } from "@/server/errors";
import { parseYamlDocuments, stringifyYaml } from "@/lib/yaml";
import { parseFleetConfig, type FleetConfig } from "@/lib/domain/config/schema";
import {
  diffFleet,
  planSummary,
  type Change,
  type ChangeOp,
  type ConfigPlan,
} from "@/lib/domain/config/diff";
import { fleetDocument, planRecord } from "@/lib/domain/config/document";
import { readFleetState, usageOf, type FleetIds } from "@/server/config/state";
import { resolveChannelSecrets, secretFromEnv } from "@/server/config/channels";
import { minuteOfDay, WEEKDAYS } from "@/lib/domain/promotions/time-zones";
import { encryptSecret, secretHint } from "@/server/notifications/secrets";

/**
 * Fleet configuration as code: `flightdeck.yaml` read, compared with the fleet, and applied in
 * one transaction with one audit record (`config.apply`); the fleet exported back as the same
 * file. The command line (src/cli/config.ts) calls these with its own database client; the API
 * and the admin page go through api.ts, which authorizes the signed-in user first.
 */

export const CONFIG_AUDIT_ACTION = "config.apply";

/** Who applies: written on the audit record, and as the creator of freezes the file adds. */
export interface ConfigActor {
  actorId: string | null;
  actorEmail: string;
  actorRole: string | null;
  requestId: string | null;
  clientIp: string | null;
  /** a user's id, or the command line's `cli:<os user>` */
  createdBy: string;
}

export interface ConfigOptions {
  /** delete objects a declared section does not list (also `prune: true` in the file) */
  prune?: boolean;
  /** compare only: nothing is written */
  dryRun?: boolean;
}

export interface ConfigOutcome {
  applied: boolean;
  dryRun: boolean;
  prune: boolean;
  plan: ConfigPlan;
}

/** The outcome as the API answers it: the changes field by field, without the whole objects. */
export interface ConfigOutcomeView {
  applied: boolean;
  dryRun: boolean;
  prune: boolean;
  summary: Record<ChangeOp, number>;
  changes: ReturnType<typeof planRecord>["changes"];
  problems: string[];
}

export function outcomeView(outcome: ConfigOutcome): ConfigOutcomeView {
  const record = planRecord(outcome.plan);
  return {
    applied: outcome.applied,
    dryRun: outcome.dryRun,
    prune: outcome.prune,
    summary: record.summary,
    changes: record.changes,
    problems: outcome.plan.problems,
  };
}

/** The file's text (YAML, or JSON, which is YAML too) as a configuration; every problem at once. */
export function parseConfigText(text: string, source = "flightdeck.yaml"): FleetConfig {
  const { documents, errors } = parseYamlDocuments(text, source);
  if (errors.length > 0) throw new AppError("INVALID_INPUT", errors.join("\n"));
  if (documents.length > 1) {
    throw new AppError(
      "INVALID_INPUT",
      `${source} holds ${documents.length} YAML documents; the fleet configuration is one.`,
    );
  }
  const parsed = parseFleetConfig(documents[0]);
  if (!parsed.ok) {
    throw new AppError("INVALID_INPUT", parsed.errors.map((e) => `${source}: ${e}`).join("\n"));
  }
  return parsed.config;
}

async function planIn(
  client: PrismaClient | Tx,
  config: FleetConfig,
  prune: boolean,
  now: Date,
): Promise<{ plan: ConfigPlan; ids: FleetIds }> {
  const { state, ids, problems, windowProblems } = await readFleetState(client, now);
  const { secrets, problems: secretProblems } = resolveChannelSecrets(config);
  let plan = diffFleet(state, config, { prune, now, secrets });
  const deletes = plan.changes.filter((c) => c.op === "delete");
  if (deletes.length > 0) {
    plan = diffFleet(state, config, {
      prune,
      now,
      secrets,
      usage: await usageOf(client, ids, deletes),
    });
  }
  plan.problems.unshift(...secretProblems);
  // Freezes (and windows) that cannot be told apart matter only to a file that declares them.
  if (config.freezes !== undefined) plan.problems.unshift(...problems);
  if (config.releaseWindows !== undefined) plan.problems.unshift(...windowProblems);
  return { plan, ids };
}

const json = (value: unknown) => value as Prisma.InputJsonValue;

function idOf(ids: Map<string, string>, name: string, what: string): string {
  const id = ids.get(name);
  // The diff checked every reference; a miss here is a bug, not bad input.
  if (!id) throw new Error(`config apply: no id for ${what} ${name}`);
  return id;
}

/** Writes the plan's changes in its order (parents created first, children deleted first). */
async function writeChanges(
  tx: Tx,
  changes: readonly Change[],
  ids: FleetIds,
  actor: ConfigActor,
  now: Date,
): Promise<void> {
  for (const change of changes) {
    const id = ids[change.kind].get(change.name);
    if (change.op === "delete") {
      if (!id) continue;
      if (change.kind === "team") await tx.team.delete({ where: { id } });
      else if (change.kind === "region") await tx.region.delete({ where: { id } });
      else if (change.kind === "environment") await tx.environment.delete({ where: { id } });
      else if (change.kind === "cluster") await tx.cluster.delete({ where: { id } });
      else if (change.kind === "model") await tx.model.delete({ where: { id } });
      else if (change.kind === "channel")
        await tx.notificationChannel.deleteMany({ where: { id } });
      else if (change.kind === "window") await tx.recurringWindow.deleteMany({ where: { id } });
      else await tx.freezeWindow.deleteMany({ where: { id } });
      continue;
    }
    switch (change.kind) {
      case "team": {
        const a = change.after;
        if (!a) break;
        if (id) await tx.team.update({ where: { id }, data: { name: a.name } });
        else {
          const row = await tx.team.create({
            data: { slug: a.slug, name: a.name, createdAt: now },
            select: { id: true },
          });
          ids.team.set(a.slug, row.id);
        }
        break;
      }
      case "region": {
        const a = change.after;
        if (!a) break;
        if (id) await tx.region.update({ where: { id }, data: { name: a.name } });
        else {
          const row = await tx.region.create({
            data: { code: a.code, name: a.name },
            select: { id: true },
          });
          ids.region.set(a.code, row.id);
        }
        break;
      }
      case "environment": {
        const a = change.after;
        if (!a) break;
        const data = {
          requiredApprovals: a.requiredApprovals,
          soakMinutes: a.soakMinutes,
          promotionsOnly: a.promotionsOnly,
        };
        if (id) await tx.environment.update({ where: { id }, data });
        else {
          const row = await tx.environment.create({
            data: {
              ...data,
              name: a.name,
              tier: a.tier,
              regionId: idOf(ids.region, a.region, "region"),
            },
            select: { id: true },
          });
          ids.environment.set(a.name, row.id);
        }
        break;
      }
      case "cluster": {
        const a = change.after;
        if (!a) break;
        const data = {
          regionId: idOf(ids.region, a.region, "region"),
          provider: a.provider,
          k8sVersion: a.k8sVersion,
        };
        let clusterId = id;
        if (clusterId) {
          await tx.cluster.update({
            where: { id: clusterId },
            data: { ...data, version: { increment: 1 } },
          });
        } else {
          const row = await tx.cluster.create({
            data: { ...data, name: a.name, createdAt: now },
            select: { id: true },
          });
          clusterId = row.id;
          ids.cluster.set(a.name, row.id);
        }
        const pools = await tx.nodePool.findMany({
          where: { clusterId },
          select: { id: true, name: true },
        });
        for (const p of pools) {
          if (!a.nodePools.some((n) => n.name === p.name)) {
            await tx.nodePool.delete({ where: { id: p.id } });
          }
        }
        for (const p of a.nodePools) {
          const spec = {
            gpuType: p.gpuType,
            gpusPerNode: p.gpusPerNode,
            minNodes: p.minNodes,
            maxNodes: p.maxNodes,
          };
          const existing = pools.find((r) => r.name === p.name);
          if (existing) await tx.nodePool.update({ where: { id: existing.id }, data: spec });
          else {
            // Nothing is known to run yet: the inventory sync reports the nodes and GPUs.
            await tx.nodePool.create({
              data: {
                ...spec,
                clusterId,
                name: p.name,
                nodeCount: 0,
                gpuCount: 0,
                gpuAllocatable: 0,
                gpuAllocated: 0,
              },
            });
          }
        }
        break;
      }
      case "model": {
        const a = change.after;
        if (!a) break;
        const data = {
          displayName: a.displayName,
          task: a.task,
          description: a.description,
          teamId: idOf(ids.team, a.team, "team"),
          budgetPolicy: a.budgetPolicy,
          evalThresholds: json(a.evalThresholds),
          resources: a.resources === null ? Prisma.DbNull : json(a.resources),
          rolloutPlan: a.rolloutPlan === null ? Prisma.DbNull : json(a.rolloutPlan),
        };
        if (id) await tx.model.update({ where: { id }, data });
        else {
          const row = await tx.model.create({
            data: { ...data, name: a.name, createdAt: now },
            select: { id: true },
          });
          ids.model.set(a.name, row.id);
        }
        break;
      }
      case "window": {
        const a = change.after;
        if (!a) break;
        const data = {
          name: a.name,
          kind: a.kind,
          tier: a.tier === "all" ? null : a.tier,
          timeZone: a.timeZone,
          startDay: WEEKDAYS.indexOf(a.startDay) + 1,
          startMinute: minuteOfDay(a.startTime),
          endDay: WEEKDAYS.indexOf(a.endDay) + 1,
          endMinute: minuteOfDay(a.endTime),
          reason: a.reason,
        };
        if (id) await tx.recurringWindow.update({ where: { id }, data });
        else {
          const row = await tx.recurringWindow.create({
            data: { ...data, createdById: actor.createdBy, createdAt: now },
            select: { id: true },
          });
          ids.window.set(a.name, row.id);
        }
        break;
      }
      case "channel": {
        const a = change.after;
        if (!a) break;
        const changed = new Set(change.fields.map((f) => f.field));
        const data = {
          kind: a.kind,
          endpoint: a.endpoint,
          enabled: a.enabled,
          secretEnv: a.secretFromEnv,
          inboundSecretEnv: a.inboundSecretFromEnv,
        };
        // Secrets are read from the environment again here: the plan only ever held hints.
        const secret =
          (!id || changed.has("secret")) && a.secretFromEnv ? secretFromEnv(a.secretFromEnv) : null;
        const inbound =
          (!id || changed.has("inboundSecret")) && a.inboundSecretFromEnv
            ? secretFromEnv(a.inboundSecretFromEnv)
            : null;
        const secrets = {
          ...(secret ? { secret: encryptSecret(secret), secretHint: secretHint(secret) } : {}),
          ...(inbound ? { inboundSecret: encryptSecret(inbound) } : {}),
        };
        let channelId = id;
        if (channelId) {
          await tx.notificationChannel.update({
            where: { id: channelId },
            data: { ...data, ...secrets, version: { increment: 1 } },
          });
        } else {
          if (!secret) throw new Error(`config apply: channel ${a.name} has no secret`);
          const row = await tx.notificationChannel.create({
            data: {
              ...data,
              name: a.name,
              secret: encryptSecret(secret),
              secretHint: secretHint(secret),
              ...(inbound ? { inboundSecret: encryptSecret(inbound) } : {}),
              createdBy: actor.actorEmail,
              createdAt: now,
            },
            select: { id: true },
          });
          channelId = row.id;
          ids.channel.set(a.name, row.id);
        }
        if (!id || changed.has("subscriptions")) {
          await tx.notificationSubscription.deleteMany({ where: { channelId } });
          if (a.subscriptions.length > 0) {
            await tx.notificationSubscription.createMany({
              data: a.subscriptions.map((sub) => ({
                channelId: channelId ?? "",
                teamId: sub.team ? idOf(ids.team, sub.team, "team") : null,
                modelId: sub.model ? idOf(ids.model, sub.model, "model") : null,
                environmentId: sub.environment
                  ? idOf(ids.environment, sub.environment, "environment")
                  : null,
                events: sub.events,
                createdBy: actor.actorEmail,
                createdAt: now,
              })),
            });
          }
        }
        break;
      }
      case "freeze": {
        const a = change.after;
        if (!a) break;
        const data = {
          name: a.name,
          tier: a.tier === "all" ? null : a.tier,
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          reason: a.reason,
        };
        if (id) await tx.freezeWindow.update({ where: { id }, data });
        else {
          const row = await tx.freezeWindow.create({
            data: { ...data, createdById: actor.createdBy, createdAt: now },
            select: { id: true },
          });
          ids.freeze.set(a.name, row.id);
        }
        break;
      }
    }
  }
}

/**
 * Compares the configuration with the fleet and, unless it is a dry run, applies it: every
 * change in one transaction, with one audit record listing them field by field, or nothing at
 * all when the plan has a problem. Applies wait for each other (an advisory lock), and the rows
 * the release policy forms edit are locked while the plan is made, so the plan's "before" is
 * what the apply replaced. Applying a file the fleet already matches writes nothing, not even an
 * audit record, as saving an unchanged form does not.
 */
export async function applyFleetConfig(
  client: PrismaClient,
  actor: ConfigActor,
  config: FleetConfig,
  options: ConfigOptions = {},
): Promise<ConfigOutcome> {
  const prune = options.prune === true || config.prune === true;
  const dryRun = options.dryRun === true;
  if (dryRun) {
    const { plan } = await planIn(client, config, prune, clock.now());
    return { applied: false, dryRun, prune, plan };
  }
  try {
    return await client.$transaction(
      async (tx) => {
        await advisoryLock(tx, LOCKS.fleetConfig());
        await advisoryLock(tx, LOCKS.freezeCalendar());
        // NO KEY UPDATE: the release policy forms (FOR UPDATE) wait for the apply, but rows
        // that merely reference these (a deployment synced, a rollout started) do not.
        await tx.$queryRaw`SELECT "id" FROM "Environment" FOR NO KEY UPDATE`;
        await tx.$queryRaw`SELECT "id" FROM "Model" FOR NO KEY UPDATE`;
        const now = clock.now();
        const { plan, ids } = await planIn(tx, config, prune, now);
        if (plan.problems.length > 0 || plan.changes.length === 0) {
          return { applied: false, dryRun, prune, plan };
        }
        await writeChanges(tx, plan.changes, ids, actor, now);
        const s = planSummary(plan);
        await appendAudit(tx, {
          actorId: actor.actorId,
          actorEmail: actor.actorEmail,
          actorRole: actor.actorRole,
          requestId: actor.requestId,
          clientIp: actor.clientIp,
          action: CONFIG_AUDIT_ACTION,
          targetType: "fleet_config",
          outcome: "allowed",
          after: json({ prune, ...planRecord(plan) }),
          reason: `Fleet configuration applied: ${s.create} created, ${s.update} updated, ${s.delete} deleted`,
        });
        return { applied: true, dryRun, prune, plan };
      },
      { timeout: 120_000, maxWait: 60_000 },
    );
  } catch (error) {
    if (isForeignKeyViolation(error)) {
      throw new AppError(
        "CONFLICT",
        "Something started using an object this file deletes while it was being applied; nothing was applied. Run the diff again.",
      );
    }
    throw error;
  }
}

const EXPORT_HEADER = [
  "# Flightdeck fleet configuration (flightdeck export).",
  "# Apply it with `flightdeck apply -f flightdeck.yaml` or POST /api/v1/config/apply; objects",
  "# left out are deleted only with --prune. See docs/configuration.md.",
  "",
].join("\n");

/** The fleet as a configuration file; applying it back changes nothing. */
export async function exportFleetConfig(
  client: PrismaClient,
  now = clock.now(),
): Promise<{ yaml: string; problems: string[] }> {
  const { state, problems } = await readFleetState(client, now);
  return { yaml: EXPORT_HEADER + stringifyYaml(fleetDocument(state, now)), problems };
}
