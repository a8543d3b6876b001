import { z } from "zod";
import { TIERS, type Tier } from "../models/registry";
import {
  evalThresholdsSchema,
  servingResourcesSchema,
  type EvalThreshold,
  type ServingResources,
} from "../promotions/gates";
import {
  freezeWindowSchema,
  recurringWindowSchema,
  requiredApprovalsSchema,
  soakMinutesSchema,
} from "../promotions/release-settings";
import {
  planSchema,
  savedPlanOf,
  STRATEGIES,
  stepSchema,
  analysisThresholdsSchema,
} from "../rollouts/plan";
import { metricsOutagePolicySchema } from "../rollouts/blocked";
import { safeHttpUrl } from "../models/link-templates";
import { formatMinute, WEEKDAYS } from "../promotions/time-zones";
import {
  CHANNEL_KINDS,
  eventsForKind,
  NOTIFICATION_EVENTS,
  type ChannelKind,
  type NotificationEventType,
} from "../notifications/events";
import { BUDGET_POLICIES, type BudgetPolicy } from "../slos/budget";
import {
  CLUSTER_NAME,
  GPU_TYPE_NAMES,
  LABEL_VALUE,
  MODEL_NAME,
  REGION_CODE,
  TEAM_SLUG,
  type GpuTypeName,
} from "./names";

/**
 * The fleet configuration file (`flightdeck.yaml`): the teams, regions, environments, clusters,
 * models and change freezes Flightdeck manages, as one versionable document. Every object's
 * rules are the ones its page's form and server action use (release settings, eval thresholds,
 * serving resources, rollout plans, budget policies), so a file and a form cannot disagree.
 *
 * Sections and optional fields are declarative but not exhaustive:
 * - a section the file leaves out is not managed: nothing in it changes;
 * - an optional field left out of an object keeps the object's current value (a new object
 *   takes the default named beside the field);
 * - objects missing from a section are deleted only with `prune: true` (or `--prune`).
 */

export const CONFIG_API_VERSION = "flightdeck.dev/v1";
export const CONFIG_KIND = "FleetConfig";

const text = (max: number) => z.string().trim().min(1, "Must not be empty.").max(max);
const named = (pattern: RegExp, what: string, max: number) =>
  z.string().trim().min(1, `Give the ${what}.`).max(max).regex(pattern, `Not a valid ${what}.`);

const teamSlug = named(TEAM_SLUG, "team slug (lower-case words joined by dashes)", 63);
const regionCode = named(REGION_CODE, "region code (for example us-east-1)", 64);

const teamSchema = z.object({ slug: teamSlug, name: text(100) }).strict();

const regionSchema = z.object({ code: regionCode, name: text(100) }).strict();

const environmentSchema = z
  .object({
    /** `<tier>/<region>`, e.g. "production/us-east-1" */
    name: z.string().trim().min(1).max(100),
    /** optional: read from the name; when given it must agree */
    tier: z.enum(TIERS).optional(),
    region: regionCode.optional(),
    /** default 1 */
    requiredApprovals: requiredApprovalsSchema.optional(),
    /** default 0 */
    soakMinutes: soakMinutesSchema.optional(),
    /** default: on for production, off for staging */
    promotionsOnly: z.boolean().optional(),
  })
  .strict()
  .superRefine((env, ctx) => {
    const [tier, region, ...rest] = env.name.split("/");
    if (rest.length > 0 || !TIERS.includes(tier as Tier) || !region || !REGION_CODE.test(region)) {
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: `"${env.name}" is not <tier>/<region>, e.g. production/us-east-1 (tiers: ${TIERS.join(", ")}).`,
      });
      return;
    }
    if (env.tier !== undefined && env.tier !== tier) {
      ctx.addIssue({
        code: "custom",
        path: ["tier"],
        message: `The name says ${tier}, the tier says ${env.tier}.`,
      });
    }
    if (env.region !== undefined && env.region !== region) {
      ctx.addIssue({
        code: "custom",
        path: ["region"],
        message: `The name says ${region}, the region says ${env.region}.`,
      });
    }
  })
  .transform((env) => {
    const [tier = "", region = ""] = env.name.split("/");
    return { ...env, tier: tier as Tier, region };
  });

const nodePoolSchema = z
  .object({
    name: named(LABEL_VALUE, "node pool name (a Kubernetes label value)", 63),
    gpuType: z.enum(GPU_TYPE_NAMES),
    gpusPerNode: z.number().int("GPUs per node are whole numbers.").min(0).max(64),
    minNodes: z.number().int().min(0).max(10_000),
    maxNodes: z.number().int().min(0).max(10_000),
  })
  .strict()
  .refine((p) => p.maxNodes >= p.minNodes, {
    path: ["maxNodes"],
    message: "maxNodes must be at least minNodes.",
  });

const clusterSchema = z
  .object({
    name: named(CLUSTER_NAME, "cluster name (letters, digits and . _ : / @ + -)", 253),
    region: regionCode,
    provider: named(LABEL_VALUE, "provider (e.g. eks, gke, aks)", 63),
    /** default "unknown" (real clusters report theirs to the inventory sync) */
    k8sVersion: named(/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/, "Kubernetes version", 40).optional(),
    /** when given, exactly these pools (the inventory sync fills in node counts) */
    nodePools: z
      .array(nodePoolSchema)
      .max(50)
      .superRefine((pools, ctx) => duplicates(pools, (p) => p.name, ctx, "name"))
      .optional(),
  })
  .strict();

/** A model's saved release plan: steps, strategy and analysis thresholds (waves come from where it runs). */
const savedPlanSchema = z
  .object({
    strategy: z.enum(STRATEGIES),
    steps: z.array(stepSchema).min(1, "A plan needs at least one step.").max(50),
    thresholds: analysisThresholdsSchema.strict().optional(),
    /** default hold */
    metricsOutage: metricsOutagePolicySchema.optional(),
  })
  .strict()
  .transform((plan, ctx) => {
    // The plan's own rules (rising weights, blue-green at 100%, intervals within durations).
    const full = planSchema.safeParse({ ...plan, waves: [["-"]] });
    if (!full.success) {
      for (const issue of full.error.issues) {
        ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      }
      return z.NEVER;
    }
    return savedPlanOf(full.data);
  });
export type SavedPlan = z.output<typeof savedPlanSchema>;

const modelSchema = z
  .object({
    name: named(MODEL_NAME, "model name (lower-case letters, digits and dashes)", 100),
    displayName: text(100),
    task: text(100),
    /** default "" */
    description: z.string().trim().max(2_000).optional(),
    /** the owner team's slug */
    team: teamSlug,
    /** default enforce */
    budgetPolicy: z.enum(BUDGET_POLICIES).optional(),
    /** default none */
    evalThresholds: evalThresholdsSchema.optional(),
    /** null: none (promotions need them); default none */
    resources: servingResourcesSchema.nullable().optional(),
    /** null: the built-in default plan; default none */
    rolloutPlan: savedPlanSchema.nullable().optional(),
  })
  .strict();

/**
 * Times are ISO 8601 text in the file (YAML and JSON have no date type); the freeze form's rules
 * then apply as they do to the form's fields.
 */
const freezeSchema = z
  .object({
    name: z.string(),
    tier: z.string().optional(),
    startsAt: z.string().describe("ISO 8601, e.g. 2026-12-20T00:00:00Z"),
    endsAt: z.string().describe("ISO 8601"),
    reason: z.string(),
  })
  .strict()
  .transform((freeze, ctx) => {
    const parsed = freezeWindowSchema.safeParse(freeze);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
    return z.NEVER;
  });

/**
 * A release window that repeats weekly, as on the release policy page: days by name, times as
 * HH:MM local wall-clock time in the named zone.
 */
const releaseWindowSchema = z
  .object({
    name: z.string(),
    kind: z.string(),
    tier: z.string().optional(),
    timeZone: z.string(),
    startDay: z.enum(WEEKDAYS, `A day: ${WEEKDAYS.join(", ")}.`),
    startTime: z.string().describe("HH:MM, 24 hours"),
    endDay: z.enum(WEEKDAYS, `A day: ${WEEKDAYS.join(", ")}.`),
    endTime: z.string(),
    reason: z.string().optional(),
  })
  .strict()
  .transform((w, ctx) => {
    const parsed = recurringWindowSchema.safeParse({
      ...w,
      startDay: WEEKDAYS.indexOf(w.startDay) + 1,
      endDay: WEEKDAYS.indexOf(w.endDay) + 1,
    });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      }
      return z.NEVER;
    }
    const d = parsed.data;
    return {
      name: d.name,
      kind: d.kind,
      tier: d.tier,
      timeZone: d.timeZone,
      startDay: w.startDay,
      startTime: formatMinute(d.startTime),
      endDay: w.endDay,
      endTime: formatMinute(d.endTime),
      reason: d.reason,
    };
  });

/** The name of an environment variable holding a secret where the file is applied. */
const envName = z
  .string()
  .trim()
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "Not an environment variable name (letters, digits, _).");

/** An http(s) URL without credentials in it. */
const channelUrl = z
  .string()
  .trim()
  .max(2_000)
  .refine(
    (v) => safeHttpUrl(v) !== null,
    "Must be an http(s) URL, without a user name or password in it.",
  );

const subscriptionSchema = z
  .object({
    /** a team's slug, a model's name, an environment's name: none of them is "any" */
    team: teamSlug.optional(),
    model: named(MODEL_NAME, "model name", 100).optional(),
    environment: z.string().trim().min(1).max(100).optional(),
    events: z
      .array(z.enum(NOTIFICATION_EVENTS, "Not an event Flightdeck sends."))
      .min(1, "Name at least one event.")
      .max(NOTIFICATION_EVENTS.length),
  })
  .strict();

/**
 * A notification channel. Secrets never appear in the file: `secretFromEnv` names the
 * environment variable holding it (a Slack webhook's URL, a PagerDuty routing key, a webhook's
 * signing secret) where the file is applied, required to create the channel; left out, an
 * existing channel keeps its secret.
 */
const notificationChannelSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(3, "Channel names need at least 3 characters.")
      .max(60)
      .regex(/^[a-z0-9#][a-z0-9 ._#-]*$/i, "Use letters, digits, spaces, dots, dashes, # and _."),
    kind: z.enum(CHANNEL_KINDS),
    secretFromEnv: envName.optional(),
    /** a webhook's URL (required), or PagerDuty's Events API URL (default PagerDuty's) */
    endpoint: channelUrl.optional(),
    /** PagerDuty only: the signing secret of its webhook subscription (acknowledgements) */
    inboundSecretFromEnv: envName.optional(),
    /** default true */
    enabled: z.boolean().optional(),
    /** when given, exactly these */
    subscriptions: z.array(subscriptionSchema).max(100).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.kind === "slack" && c.endpoint !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["endpoint"],
        message: "A Slack webhook's URL is its secret: give it through secretFromEnv.",
      });
    }
    if (c.kind !== "pagerduty" && c.inboundSecretFromEnv !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["inboundSecretFromEnv"],
        message: "Only a PagerDuty channel takes acknowledgements back.",
      });
    }
    const allowed = eventsForKind(c.kind);
    c.subscriptions?.forEach((sub, i) => {
      sub.events.forEach((e, j) => {
        if (!allowed.includes(e)) {
          ctx.addIssue({
            code: "custom",
            path: ["subscriptions", i, "events", j],
            message: `A ${c.kind} channel does not receive ${e} (PagerDuty receives incidents only).`,
          });
        }
      });
    });
  });

function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  ctx: z.RefinementCtx,
  field: string,
): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const at = first.get(k);
    if (at === undefined) first.set(k, i);
    else {
      ctx.addIssue({
        code: "custom",
        path: [i, field],
        message: `"${k}" is declared twice (also at [${at}]): give each one entry.`,
      });
    }
  });
}

const section = <T extends z.ZodType>(item: T, key: (v: z.output<T>) => string, field: string) =>
  z
    .array(item)
    .max(1_000)
    .superRefine((items, ctx) => duplicates(items, key, ctx, field))
    .optional();

export const fleetConfigSchema = z
  .object({
    apiVersion: z.literal(CONFIG_API_VERSION, `apiVersion must be ${CONFIG_API_VERSION}.`),
    kind: z.literal(CONFIG_KIND, `kind must be ${CONFIG_KIND}.`),
    /** delete what a declared section does not list (default false) */
    prune: z.boolean().optional(),
    teams: section(teamSchema, (t) => t.slug, "slug"),
    regions: section(regionSchema, (r) => r.code, "code"),
    environments: section(environmentSchema, (e) => e.name, "name"),
    clusters: section(clusterSchema, (c) => c.name, "name"),
    models: section(modelSchema, (m) => m.name, "name"),
    freezes: section(freezeSchema, (f) => f.name, "name"),
    releaseWindows: section(releaseWindowSchema, (w) => w.name, "name"),
    notificationChannels: section(notificationChannelSchema, (c) => c.name, "name"),
  })
  .strict();

export type FleetConfig = z.output<typeof fleetConfigSchema>;
export type DesiredTeam = NonNullable<FleetConfig["teams"]>[number];
export type DesiredRegion = NonNullable<FleetConfig["regions"]>[number];
export type DesiredEnvironment = NonNullable<FleetConfig["environments"]>[number];
export type DesiredCluster = NonNullable<FleetConfig["clusters"]>[number];
export type DesiredModel = NonNullable<FleetConfig["models"]>[number];
export type DesiredFreeze = NonNullable<FleetConfig["freezes"]>[number];
export type DesiredChannel = NonNullable<FleetConfig["notificationChannels"]>[number];
export type DesiredWindow = NonNullable<FleetConfig["releaseWindows"]>[number];

export const SECTIONS = [
  "teams",
  "regions",
  "environments",
  "clusters",
  "models",
  "freezes",
  "releaseWindows",
  "notificationChannels",
] as const;
export type Section = (typeof SECTIONS)[number];

/** The fleet as it is: every field of every object, as the file would write it. */
export interface TeamState {
  slug: string;
  name: string;
}
export interface RegionState {
  code: string;
  name: string;
}
export interface EnvironmentState {
  name: string;
  tier: Tier;
  region: string;
  requiredApprovals: number;
  soakMinutes: number;
  promotionsOnly: boolean;
}
export interface NodePoolState {
  name: string;
  gpuType: GpuTypeName;
  gpusPerNode: number;
  minNodes: number;
  maxNodes: number;
}
export interface ClusterState {
  name: string;
  region: string;
  provider: string;
  k8sVersion: string;
  nodePools: NodePoolState[];
}
export interface ModelState {
  name: string;
  displayName: string;
  task: string;
  description: string;
  team: string;
  budgetPolicy: BudgetPolicy;
  evalThresholds: EvalThreshold[];
  resources: ServingResources | null;
  rolloutPlan: SavedPlan | null;
}
export interface FreezeState {
  name: string;
  tier: "all" | Tier;
  startsAt: Date;
  endsAt: Date;
  reason: string;
}
export interface WindowState {
  name: string;
  kind: "freeze" | "allowed";
  tier: "all" | Tier;
  timeZone: string;
  startDay: (typeof WEEKDAYS)[number];
  startTime: string;
  endDay: (typeof WEEKDAYS)[number];
  endTime: string;
  reason: string;
}
export interface ChannelSubscriptionState {
  team: string | null;
  model: string | null;
  environment: string | null;
  events: NotificationEventType[];
}
/** A secret as the plan may show and compare it: its last characters and a digest, never it. */
export interface SecretState {
  hint: string;
  digest: string;
}
export interface ChannelState {
  name: string;
  kind: ChannelKind;
  endpoint: string | null;
  enabled: boolean;
  secretFromEnv: string | null;
  inboundSecretFromEnv: string | null;
  secret: SecretState;
  inboundSecret: SecretState | null;
  subscriptions: ChannelSubscriptionState[];
}
export interface FleetState {
  teams: TeamState[];
  regions: RegionState[];
  environments: EnvironmentState[];
  clusters: ClusterState[];
  models: ModelState[];
  freezes: FreezeState[];
  releaseWindows: WindowState[];
  notificationChannels: ChannelState[];
}

/** A path as people read it: `models[2].rolloutPlan.steps[0].weight`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

export type ParseResult = { ok: true; config: FleetConfig } | { ok: false; errors: string[] };

/**
 * Validates a parsed document (YAML or JSON, already turned into values). Every problem comes
 * back as "path: message", in document order, so one run names them all.
 */
export function parseFleetConfig(document: unknown): ParseResult {
  if (document === null || document === undefined) {
    return {
      ok: false,
      errors: [
        `The file is empty: it needs at least apiVersion: ${CONFIG_API_VERSION} and kind: ${CONFIG_KIND}.`,
      ],
    };
  }
  if (typeof document !== "object" || Array.isArray(document)) {
    return {
      ok: false,
      errors: [
        `The file must be a mapping with apiVersion: ${CONFIG_API_VERSION} and kind: ${CONFIG_KIND}, not a ${Array.isArray(document) ? "list" : typeof document}.`,
      ],
    };
  }
  const parsed = fleetConfigSchema.safeParse(document);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const where = formatPath(issue.path);
      const message =
        issue.code === "unrecognized_keys"
          ? `unknown ${issue.keys.length === 1 ? "field" : "fields"} ${issue.keys.map((k) => `"${k}"`).join(", ")}`
          : issue.code === "invalid_type" && /received undefined$/.test(issue.message)
            ? "required"
            : issue.message;
      return where ? `${where}: ${message}` : message;
    }),
  };
}
