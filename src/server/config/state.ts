import "server-only";
import type { Db } from "@/server/db/tx";
import { evalThresholdsSchema, servingResourcesSchema } from "@/lib/domain/promotions/gates";
import { planSchema, savedPlanOf } from "@/lib/domain/rollouts/plan";
import { freezesByName } from "@/lib/domain/config/document";
import type { FleetState, ModelState, SavedPlan, WindowState } from "@/lib/domain/config/schema";
import { formatMinute, WEEKDAYS } from "@/lib/domain/promotions/time-zones";
import type { ObjectKind, Usage } from "@/lib/domain/config/diff";
import { readChannelStates } from "@/server/config/channels";

/** Database ids of the configured objects, by the name the file knows them by. */
export interface FleetIds {
  team: Map<string, string>;
  region: Map<string, string>;
  environment: Map<string, string>;
  cluster: Map<string, string>;
  model: Map<string, string>;
  freeze: Map<string, string>;
  window: Map<string, string>;
  channel: Map<string, string>;
}

/**
 * A stored JSON value through the rule that wrote it. A value the rule refuses (written by hand,
 * or by an older release) is kept as it is, so the diff shows it and the file replaces it,
 * rather than being silently read as empty.
 */
function stored<T>(
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  raw: unknown,
): T {
  const parsed = schema.safeParse(raw);
  return (parsed.success ? parsed.data : raw) as T;
}

function storedPlan(raw: unknown): SavedPlan | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== "object") return raw as SavedPlan;
  const parsed = planSchema.safeParse({ ...raw, waves: [["-"]] });
  if (!parsed.success) return raw as SavedPlan;
  return savedPlanOf(parsed.data);
}

/**
 * The configured fleet as it is, with the ids behind each name. One query at a time: inside a
 * transaction, the client is one connection.
 */
export async function readFleetState(
  client: Db,
  now: Date,
): Promise<{ state: FleetState; ids: FleetIds; problems: string[]; windowProblems: string[] }> {
  const teams = await client.team.findMany({
    orderBy: { slug: "asc" },
    select: { id: true, slug: true, name: true },
  });
  const regions = await client.region.findMany({
    orderBy: { code: "asc" },
    select: { id: true, code: true, name: true },
  });
  const environments = await client.environment.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      tier: true,
      requiredApprovals: true,
      soakMinutes: true,
      promotionsOnly: true,
      region: { select: { code: true } },
    },
  });
  const clusters = await client.cluster.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      provider: true,
      k8sVersion: true,
      region: { select: { code: true } },
      nodePools: {
        orderBy: { name: "asc" },
        select: { name: true, gpuType: true, gpusPerNode: true, minNodes: true, maxNodes: true },
      },
    },
  });
  const models = await client.model.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      displayName: true,
      task: true,
      description: true,
      budgetPolicy: true,
      evalThresholds: true,
      resources: true,
      rolloutPlan: true,
      team: { select: { slug: true } },
    },
  });
  const freezeRows = await client.freezeWindow.findMany({
    orderBy: [{ startsAt: "asc" }, { name: "asc" }],
    select: { id: true, name: true, tier: true, startsAt: true, endsAt: true, reason: true },
  });
  const freezes = freezesByName(
    freezeRows.map((f) => ({ ...f, tier: f.tier ?? "all" })),
    now,
  );
  const channels = await readChannelStates(client);
  const windowRows = await client.recurringWindow.findMany({
    orderBy: [{ name: "asc" }, { createdAt: "asc" }],
  });
  const windowIds = new Map<string, string>();
  const windowProblems: string[] = [];
  const windows: WindowState[] = [];
  for (const w of windowRows) {
    if (windowIds.has(w.name)) {
      windowProblems.push(
        `Two repeating windows are both named "${w.name}": remove one on the release policy page, then try again.`,
      );
      continue;
    }
    windowIds.set(w.name, w.id);
    windows.push({
      name: w.name,
      kind: w.kind === "allowed" ? "allowed" : "freeze",
      tier: w.tier ?? "all",
      timeZone: w.timeZone,
      startDay: WEEKDAYS[w.startDay - 1] ?? "Monday",
      startTime: formatMinute(w.startMinute),
      endDay: WEEKDAYS[w.endDay - 1] ?? "Monday",
      endTime: formatMinute(w.endMinute),
      reason: w.reason,
    });
  }
  const state: FleetState = {
    teams: teams.map((t) => ({ slug: t.slug, name: t.name })),
    regions: regions.map((r) => ({ code: r.code, name: r.name })),
    environments: environments.map((e) => ({
      name: e.name,
      tier: e.tier,
      region: e.region.code,
      requiredApprovals: e.requiredApprovals,
      soakMinutes: e.soakMinutes,
      promotionsOnly: e.promotionsOnly,
    })),
    clusters: clusters.map((c) => ({
      name: c.name,
      region: c.region.code,
      provider: c.provider,
      k8sVersion: c.k8sVersion,
      nodePools: c.nodePools.map((p) => ({ ...p })),
    })),
    models: models.map((m): ModelState => ({
      name: m.name,
      displayName: m.displayName,
      task: m.task,
      description: m.description,
      team: m.team.slug,
      budgetPolicy: m.budgetPolicy,
      evalThresholds: stored(evalThresholdsSchema, m.evalThresholds ?? []),
      resources: m.resources === null ? null : stored(servingResourcesSchema, m.resources),
      rolloutPlan: storedPlan(m.rolloutPlan),
    })),
    freezes: freezes.freezes,
    releaseWindows: windows,
    notificationChannels: channels.channels,
  };
  const ids: FleetIds = {
    team: new Map(teams.map((t) => [t.slug, t.id])),
    region: new Map(regions.map((r) => [r.code, r.id])),
    environment: new Map(environments.map((e) => [e.name, e.id])),
    cluster: new Map(clusters.map((c) => [c.name, c.id])),
    model: new Map(models.map((m) => [m.name, m.id])),
    freeze: freezes.ids,
    window: windowIds,
    channel: channels.ids,
  };
  return { state, ids, problems: freezes.problems, windowProblems };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function listed(n: number, noun: string, names: string[]): string | null {
  if (n === 0) return null;
  const shown = names.slice(0, 5).join(", ");
  return `${plural(n, noun)}${names.length > 0 ? ` (${shown}${names.length > 5 ? ", …" : ""})` : ""}`;
}

/**
 * What still uses each object the plan would delete, outside the configuration file: live
 * deployments first (the reason a model cannot go), then the history that refers to it.
 */
export async function usageOf(
  client: Db,
  ids: FleetIds,
  deletes: readonly { kind: ObjectKind; name: string }[],
): Promise<Usage> {
  const usage: Usage = {};
  const add = (kind: ObjectKind, name: string, uses: (string | null)[]) => {
    const found = uses.filter((u): u is string => u !== null);
    if (found.length > 0) usage[kind] = { ...usage[kind], [name]: found };
  };
  for (const { kind, name } of deletes) {
    const id = ids[kind].get(name);
    if (!id) continue;
    if (kind === "model") {
      const deployments = await client.deployment.findMany({
        where: { modelId: id },
        select: { environment: { select: { name: true } } },
      });
      const envs = [...new Set(deployments.map((d) => d.environment.name))].sort();
      add(kind, name, [
        listed(deployments.length, "deployment", envs),
        listed(await client.modelVersion.count({ where: { modelId: id } }), "version", []),
        listed(await client.slo.count({ where: { modelId: id } }), "SLO", []),
        listed(await client.trainingJob.count({ where: { modelId: id } }), "training job", []),
        listed(await client.incident.count({ where: { modelId: id } }), "incident", []),
      ]);
    } else if (kind === "environment") {
      const deployments = await client.deployment.findMany({
        where: { environmentId: id },
        select: { model: { select: { name: true } } },
      });
      add(kind, name, [
        listed(
          deployments.length,
          "deployment",
          [...new Set(deployments.map((d) => d.model.name))].sort(),
        ),
        listed(await client.rollout.count({ where: { environmentId: id } }), "rollout", []),
      ]);
    } else if (kind === "cluster") {
      const deployments = await client.deployment.findMany({
        where: { clusterId: id },
        select: { model: { select: { name: true } } },
      });
      const jobs = await client.trainingJob.findMany({
        where: { clusterId: id },
        select: { name: true },
        orderBy: { name: "asc" },
      });
      add(kind, name, [
        listed(
          deployments.length,
          "deployment",
          [...new Set(deployments.map((d) => d.model.name))].sort(),
        ),
        listed(
          jobs.length,
          "training job",
          jobs.map((j) => j.name),
        ),
      ]);
    } else if (kind === "team") {
      const users = await client.user.findMany({
        where: { teamId: id },
        select: { email: true },
        orderBy: { email: "asc" },
      });
      add(kind, name, [
        listed(
          users.length,
          "user",
          users.map((u) => u.email),
        ),
        listed(await client.namespace.count({ where: { teamId: id } }), "namespace", []),
        listed(await client.slo.count({ where: { teamId: id } }), "SLO", []),
        listed(await client.trainingJob.count({ where: { teamId: id } }), "training job", []),
        listed(await client.apiToken.count({ where: { teamId: id } }), "API token", []),
      ]);
    }
  }
  return usage;
}
