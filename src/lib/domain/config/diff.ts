import { defaultPromotionsOnly } from "../rollouts/release-process";
import type {
  ChannelState,
  ChannelSubscriptionState,
  DesiredChannel,
  DesiredWindow,
  SecretState,
  WindowState,
  ClusterState,
  DesiredCluster,
  DesiredEnvironment,
  DesiredFreeze,
  DesiredModel,
  DesiredRegion,
  DesiredTeam,
  EnvironmentState,
  FleetConfig,
  FleetState,
  FreezeState,
  ModelState,
  NodePoolState,
  RegionState,
  Section,
  TeamState,
} from "./schema";

/**
 * The plan of a fleet configuration apply: what the file changes in the fleet as it is, field
 * by field, and what it may not do. Pure: the service reads the fleet and what still uses each
 * object, and writes the plan's changes in one transaction.
 */

export const OBJECT_KINDS = [
  "team",
  "region",
  "environment",
  "cluster",
  "model",
  "freeze",
  "window",
  "channel",
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface StateOf {
  team: TeamState;
  region: RegionState;
  environment: EnvironmentState;
  cluster: ClusterState;
  model: ModelState;
  freeze: FreezeState;
  window: WindowState;
  channel: ChannelState;
}

const SECTION_OF: Record<ObjectKind, Section> = {
  team: "teams",
  region: "regions",
  environment: "environments",
  cluster: "clusters",
  model: "models",
  freeze: "freezes",
  window: "releaseWindows",
  channel: "notificationChannels",
};

/** JSON values only (dates as ISO text), so a change reads the same in the audit log. */
export type FieldValue =
  string | number | boolean | null | FieldValue[] | { [k: string]: FieldValue };

export interface FieldChange {
  field: string;
  before: FieldValue;
  after: FieldValue;
}

export type ChangeOp = "create" | "update" | "delete";

export type Change = {
  [K in ObjectKind]: {
    kind: K;
    name: string;
    op: ChangeOp;
    fields: FieldChange[];
    /** the object as it will be (null when deleted) */
    after: StateOf[K] | null;
  };
}[ObjectKind];

/**
 * What still uses an object outside the file (deployments, model versions, users…), per kind
 * and name, as phrases: "2 deployments (production/us-east-1, staging/us-east-1)".
 */
export type Usage = Partial<Record<ObjectKind, Record<string, readonly string[]>>>;

export interface ConfigPlan {
  /** in the order they are applied: creates and updates parents first, deletes children first */
  changes: Change[];
  /** why the file cannot be applied; nothing is applied while any remains */
  problems: string[];
  /** the fleet once the changes are made */
  result: FleetState;
}

export interface DiffOptions {
  /** delete objects a declared section does not list */
  prune: boolean;
  usage?: Usage;
  /** freezes that ended before this are history: never pruned */
  now: Date;
  /**
   * The secrets the file's channels name (secretFromEnv, inboundSecretFromEnv), read where the
   * file is applied, as hints and digests; by channel name.
   */
  secrets?: ReadonlyMap<string, { secret?: SecretState; inboundSecret?: SecretState }>;
}

/** Keys sorted, dates as ISO text: equal values compare equal whatever order jsonb kept. */
export function canonical(value: unknown): FieldValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object") {
    const out: Record<string, FieldValue> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  return String(value);
}

const same = (a: unknown, b: unknown) =>
  JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Field by field, the fields of `after` that differ from `before` (all of them for a create). */
function fieldChanges<T extends object>(
  before: T | null,
  after: T | null,
  skip: readonly string[] = [],
): FieldChange[] {
  const keys = Object.keys((after ?? before ?? {}) as object).filter((k) => !skip.includes(k));
  const out: FieldChange[] = [];
  for (const key of keys) {
    const b = before ? (before as Record<string, unknown>)[key] : null;
    const a = after ? (after as Record<string, unknown>)[key] : null;
    if (before && after && same(a, b)) continue;
    out.push({ field: key, before: canonical(b), after: canonical(a) });
  }
  return out;
}

function poolChanges(before: NodePoolState[], after: NodePoolState[]): FieldChange[] {
  const out: FieldChange[] = [];
  const was = new Map(before.map((p) => [p.name, p]));
  const will = new Map(after.map((p) => [p.name, p]));
  for (const p of after) {
    const old = was.get(p.name);
    if (!old) {
      out.push({ field: `nodePools.${p.name}`, before: null, after: canonical(p) });
      continue;
    }
    for (const f of fieldChanges(old, p, ["name"])) {
      out.push({ ...f, field: `nodePools.${p.name}.${f.field}` });
    }
  }
  for (const p of before) {
    if (!will.has(p.name)) {
      out.push({ field: `nodePools.${p.name}`, before: canonical(p), after: null });
    }
  }
  return out;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// What a declared object becomes: its fields over the current object, or over the defaults.

const teamAfter = (d: DesiredTeam): TeamState => ({ slug: d.slug, name: d.name });
const regionAfter = (d: DesiredRegion): RegionState => ({ code: d.code, name: d.name });

function environmentAfter(d: DesiredEnvironment, cur: EnvironmentState | undefined) {
  const base: EnvironmentState = cur ?? {
    name: d.name,
    tier: d.tier,
    region: d.region,
    requiredApprovals: 1,
    soakMinutes: 0,
    promotionsOnly: defaultPromotionsOnly(d.tier),
  };
  return { ...base, ...withoutUndefined(d) } as EnvironmentState;
}

function clusterAfter(d: DesiredCluster, cur: ClusterState | undefined): ClusterState {
  return {
    name: d.name,
    region: d.region,
    provider: d.provider,
    k8sVersion: d.k8sVersion ?? cur?.k8sVersion ?? "unknown",
    nodePools: (d.nodePools ?? cur?.nodePools ?? [])
      .map((p) => ({ ...p }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function modelAfter(d: DesiredModel, cur: ModelState | undefined): ModelState {
  const base: ModelState = cur ?? {
    name: d.name,
    displayName: d.displayName,
    task: d.task,
    description: "",
    team: d.team,
    budgetPolicy: "enforce",
    evalThresholds: [],
    resources: null,
    rolloutPlan: null,
  };
  return { ...base, ...withoutUndefined(d) } as ModelState;
}

function freezeAfter(d: DesiredFreeze): FreezeState {
  return { ...d };
}

const subscriptionKey = (s: ChannelSubscriptionState) =>
  JSON.stringify([s.team, s.model, s.environment, [...s.events].sort()]);

/** Subscriptions as a set: sorted, each one's events sorted, duplicates once. */
export function normalSubscriptions(
  subs: readonly ChannelSubscriptionState[],
): ChannelSubscriptionState[] {
  const byKey = new Map<string, ChannelSubscriptionState>();
  for (const s of subs) {
    const n = { ...s, events: [...new Set(s.events)].sort() };
    byKey.set(subscriptionKey(n), n);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}

function channelAfter(
  d: DesiredChannel,
  cur: ChannelState | undefined,
  resolved: { secret?: SecretState; inboundSecret?: SecretState } | undefined,
): ChannelState {
  return {
    name: d.name,
    kind: d.kind,
    endpoint: d.endpoint ?? (cur?.kind === d.kind ? cur.endpoint : null),
    enabled: d.enabled ?? cur?.enabled ?? true,
    secretFromEnv: d.secretFromEnv ?? cur?.secretFromEnv ?? null,
    inboundSecretFromEnv: d.inboundSecretFromEnv ?? cur?.inboundSecretFromEnv ?? null,
    secret: resolved?.secret ?? cur?.secret ?? { hint: "", digest: "" },
    inboundSecret: resolved?.inboundSecret ?? cur?.inboundSecret ?? null,
    subscriptions: d.subscriptions
      ? normalSubscriptions(
          d.subscriptions.map((s) => ({
            team: s.team ?? null,
            model: s.model ?? null,
            environment: s.environment ?? null,
            events: s.events,
          })),
        )
      : (cur?.subscriptions ?? []),
  };
}

/** A channel's changes: secrets by their hints (compared by digest), subscriptions as a set. */
function channelChanges(b: ChannelState | null, a: ChannelState | null): FieldChange[] {
  const out = fieldChanges(b, a, ["secret", "inboundSecret", "subscriptions"]);
  const secretChange = (field: "secret" | "inboundSecret") => {
    const before = b?.[field] ?? null;
    const after = a?.[field] ?? null;
    if ((before?.digest ?? null) === (after?.digest ?? null)) return;
    out.push({ field, before: before?.hint ?? null, after: after?.hint ?? null });
  };
  secretChange("secret");
  secretChange("inboundSecret");
  const subs = (c: ChannelState | null) => (c ? normalSubscriptions(c.subscriptions) : []);
  if (!same(subs(b), subs(a)) || (a && !b && a.subscriptions.length > 0)) {
    out.push({
      field: "subscriptions",
      before: b ? canonical(subs(b)) : null,
      after: a ? canonical(subs(a)) : null,
    });
  }
  return out;
}

interface KindSpec<K extends ObjectKind, D> {
  kind: K;
  key: (o: StateOf[K]) => string;
  desiredKey: (d: D) => string;
  after: (d: D, current: StateOf[K] | undefined) => StateOf[K];
  changes?: (before: StateOf[K] | null, after: StateOf[K] | null) => FieldChange[];
  /** objects that are history rather than configuration: never pruned */
  prunable?: (o: StateOf[K]) => boolean;
}

function diffKind<K extends ObjectKind, D>(
  spec: KindSpec<K, D>,
  current: readonly StateOf[K][],
  desired: readonly D[] | undefined,
  prune: boolean,
): { upserts: Change[]; deletes: Change[]; result: StateOf[K][] } {
  const changes = spec.changes ?? ((b, a) => fieldChanges(b, a));
  if (desired === undefined) return { upserts: [], deletes: [], result: [...current] };
  const byKey = new Map(current.map((o) => [spec.key(o), o]));
  const declared = new Set(desired.map(spec.desiredKey));
  const upserts: Change[] = [];
  const deletes: Change[] = [];
  const result: StateOf[K][] = [];
  for (const d of desired) {
    const name = spec.desiredKey(d);
    const cur = byKey.get(name);
    const after = spec.after(d, cur);
    result.push(after);
    const fields = changes(cur ?? null, after);
    if (!cur) upserts.push({ kind: spec.kind, name, op: "create", fields, after } as Change);
    else if (fields.length > 0) {
      upserts.push({ kind: spec.kind, name, op: "update", fields, after } as Change);
    }
  }
  for (const o of current) {
    const name = spec.key(o);
    if (declared.has(name)) continue;
    if (prune && (spec.prunable?.(o) ?? true)) {
      deletes.push({
        kind: spec.kind,
        name,
        op: "delete",
        fields: changes(o, null),
        after: null,
      } as Change);
    } else {
      result.push(o);
    }
  }
  return { upserts, deletes, result };
}

const LABEL: Record<ObjectKind, string> = {
  team: "Team",
  region: "Region",
  environment: "Environment",
  cluster: "Cluster",
  model: "Model",
  freeze: "Freeze",
  window: "Release window",
  channel: "Notification channel",
};

const ADVICE: Partial<Record<ObjectKind, string>> = {
  model:
    " Flightdeck keeps a model's releases and history: roll it out of its environments first, and keep the model in the file while anything else remains.",
  environment: " Keep it in the file while anything runs or ran there.",
  cluster: " Move its workloads and training jobs elsewhere first, or keep it in the file.",
  team: " Move them to another team first, or keep the team in the file.",
};

/**
 * Compares the fleet as it is with the file and returns the changes and the problems. A section
 * the file leaves out changes nothing; objects a declared section leaves out are deleted only
 * when pruning, and never while anything still uses them.
 */
export function diffFleet(
  current: FleetState,
  config: FleetConfig,
  options: DiffOptions,
): ConfigPlan {
  const prune = options.prune || config.prune === true;
  const problems: string[] = [];
  const byName = <T>(items: readonly T[], key: (t: T) => string) =>
    new Map(items.map((i) => [key(i), i]));
  const curEnv = byName(current.environments, (e) => e.name);
  const curCluster = byName(current.clusters, (c) => c.name);
  const curModel = byName(current.models, (m) => m.name);

  const teams = diffKind(
    {
      kind: "team",
      key: (t) => t.slug,
      desiredKey: (d: DesiredTeam) => d.slug,
      after: teamAfter,
    },
    current.teams,
    config.teams,
    prune,
  );
  const regions = diffKind(
    {
      kind: "region",
      key: (r) => r.code,
      desiredKey: (d: DesiredRegion) => d.code,
      after: regionAfter,
    },
    current.regions,
    config.regions,
    prune,
  );
  const environments = diffKind(
    {
      kind: "environment",
      key: (e) => e.name,
      desiredKey: (d: DesiredEnvironment) => d.name,
      after: (d) => environmentAfter(d, curEnv.get(d.name)),
    },
    current.environments,
    config.environments,
    prune,
  );
  const clusters = diffKind(
    {
      kind: "cluster",
      key: (c) => c.name,
      desiredKey: (d: DesiredCluster) => d.name,
      after: (d) => clusterAfter(d, curCluster.get(d.name)),
      changes: (b, a) => [
        ...fieldChanges(b, a, ["nodePools"]),
        ...poolChanges(b?.nodePools ?? [], a?.nodePools ?? []),
      ],
    },
    current.clusters,
    config.clusters,
    prune,
  );
  const models = diffKind(
    {
      kind: "model",
      key: (m) => m.name,
      desiredKey: (d: DesiredModel) => d.name,
      after: (d) => modelAfter(d, curModel.get(d.name)),
    },
    current.models,
    config.models,
    prune,
  );
  const freezes = diffKind(
    {
      kind: "freeze",
      key: (f) => f.name,
      desiredKey: (d: DesiredFreeze) => d.name,
      after: freezeAfter,
      prunable: (f) => f.endsAt.getTime() > options.now.getTime(),
    },
    current.freezes,
    config.freezes,
    prune,
  );

  const windows = diffKind(
    {
      kind: "window",
      key: (w) => w.name,
      desiredKey: (d: DesiredWindow) => d.name,
      after: (d): WindowState => ({ ...d }),
    },
    current.releaseWindows,
    config.releaseWindows,
    prune,
  );
  const curChannel = byName(current.notificationChannels, (c) => c.name);
  const channels = diffKind(
    {
      kind: "channel",
      key: (c) => c.name,
      desiredKey: (d: DesiredChannel) => d.name,
      after: (d) => channelAfter(d, curChannel.get(d.name), options.secrets?.get(d.name)),
      changes: channelChanges,
    },
    current.notificationChannels,
    config.notificationChannels,
    prune,
  );
  config.notificationChannels?.forEach((d, i) => {
    const cur = curChannel.get(d.name);
    const resolved = options.secrets?.get(d.name);
    if (!resolved?.secret && (!cur || cur.kind !== d.kind)) {
      problems.push(
        `notificationChannels[${i}].secretFromEnv: ${cur ? "a channel that changes its kind" : "a new channel"} needs its secret, from an environment variable set where the file is applied.`,
      );
    }
    if (d.kind === "webhook" && !d.endpoint && cur?.kind !== "webhook") {
      problems.push(`notificationChannels[${i}].endpoint: a webhook channel needs its URL.`);
    }
  });

  // References inside the file: an object the file declares must name objects that will exist.
  const teamSet = new Set(teams.result.map((t) => t.slug));
  const regionSet = new Set(regions.result.map((r) => r.code));
  const deleted = (list: Change[]) => new Set(list.map((c) => c.name));
  const deletedTeams = deleted(teams.deletes);
  const deletedRegions = deleted(regions.deletes);
  /** a reference to a deleted object refuses the delete, not the referrer */
  const refusedDeletes = new Map<string, string[]>();
  const refuseDelete = (kind: ObjectKind, name: string, user: string) => {
    const key = `${kind}:${name}`;
    refusedDeletes.set(key, [...(refusedDeletes.get(key) ?? []), user]);
  };
  const checkRef = (
    section: Section,
    index: number | null,
    field: string,
    target: ObjectKind,
    value: string,
    exists: Set<string>,
    deletedSet: Set<string>,
    referrer: string,
  ) => {
    if (exists.has(value)) return;
    if (deletedSet.has(value)) {
      refuseDelete(target, value, referrer);
      return;
    }
    const where = index === null ? referrer : `${section}[${index}].${field}`;
    problems.push(
      `${where}: there is no ${target} "${value}"; declare it under ${SECTION_OF[target]}.`,
    );
  };
  const indexIn = <T>(list: readonly T[] | undefined, pred: (t: T) => boolean) => {
    const i = list?.findIndex(pred) ?? -1;
    return i >= 0 ? i : null;
  };
  for (const e of environments.result) {
    const i = indexIn(config.environments, (d) => d.name === e.name);
    checkRef(
      "environments",
      i,
      "region",
      "region",
      e.region,
      regionSet,
      deletedRegions,
      `environment ${e.name}`,
    );
  }
  for (const c of clusters.result) {
    const i = indexIn(config.clusters, (d) => d.name === c.name);
    checkRef(
      "clusters",
      i,
      "region",
      "region",
      c.region,
      regionSet,
      deletedRegions,
      `cluster ${c.name}`,
    );
  }
  for (const m of models.result) {
    const i = indexIn(config.models, (d) => d.name === m.name);
    checkRef("models", i, "team", "team", m.team, teamSet, deletedTeams, `model ${m.name}`);
  }
  const modelSet = new Set(models.result.map((m) => m.name));
  const envSet = new Set(environments.result.map((e) => e.name));
  const deletedModels = deleted(models.deletes);
  const deletedEnvs = deleted(environments.deletes);
  for (const c of channels.result) {
    const i = indexIn(config.notificationChannels, (d) => d.name === c.name);
    c.subscriptions.forEach((sub) => {
      const who = `notification channel ${c.name}`;
      const at = (field: string) => (i === null ? field : `subscriptions.${field}`);
      if (sub.team) {
        checkRef(
          "notificationChannels",
          i,
          at("team"),
          "team",
          sub.team,
          teamSet,
          deletedTeams,
          who,
        );
      }
      if (sub.model) {
        checkRef(
          "notificationChannels",
          i,
          at("model"),
          "model",
          sub.model,
          modelSet,
          deletedModels,
          who,
        );
      }
      if (sub.environment) {
        checkRef(
          "notificationChannels",
          i,
          at("environment"),
          "environment",
          sub.environment,
          envSet,
          deletedEnvs,
          who,
        );
      }
    });
  }

  // Deletions: refused while anything still uses the object, inside the file or outside it.
  const allDeletes = [
    ...channels.deletes,
    ...windows.deletes,
    ...freezes.deletes,
    ...models.deletes,
    ...clusters.deletes,
    ...environments.deletes,
    ...regions.deletes,
    ...teams.deletes,
  ];
  for (const change of allDeletes) {
    const outside = options.usage?.[change.kind]?.[change.name] ?? [];
    const inside = refusedDeletes.get(`${change.kind}:${change.name}`) ?? [];
    const uses = [...outside, ...inside];
    if (uses.length === 0) continue;
    problems.push(
      `${LABEL[change.kind]} ${change.name} cannot be deleted; still in use: ${uses.join("; ")}.${ADVICE[change.kind] ?? ""}`,
    );
  }

  return {
    changes: [
      ...teams.upserts,
      ...regions.upserts,
      ...environments.upserts,
      ...clusters.upserts,
      ...models.upserts,
      ...freezes.upserts,
      ...windows.upserts,
      ...channels.upserts,
      ...allDeletes,
    ],
    problems,
    result: {
      teams: teams.result,
      regions: regions.result,
      environments: environments.result,
      clusters: clusters.result,
      models: models.result,
      freezes: freezes.result,
      releaseWindows: windows.result,
      notificationChannels: channels.result,
    },
  };
}

/** Counts by operation, for summaries and the audit record. */
export function planSummary(plan: ConfigPlan): Record<ChangeOp, number> {
  const out: Record<ChangeOp, number> = { create: 0, update: 0, delete: 0 };
  for (const c of plan.changes) out[c.op] += 1;
  return out;
}
