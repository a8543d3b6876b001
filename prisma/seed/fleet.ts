import { randomUUID } from "node:crypto";
import { createRng, type Rng } from "./rng";
import { defaultPlan } from "../../src/lib/domain/rollouts/plan";
import { metricPeriod } from "../../src/lib/domain/incidents/response-times";
import type { Prisma } from "../../src/generated/prisma/client";

type Tx = Prisma.TransactionClient;
import { hash } from "@node-rs/bcrypt";
import { PASSWORD_HASH_COST } from "../../src/lib/domain/access/passwords";
import { defaultPromotionsOnly } from "../../src/lib/domain/promotions/release-process";
import { DEMO_PASSWORD } from "../../src/lib/demo";
import {
  dataAgeSeconds,
  versionBehaviour,
  type Fault,
} from "../../src/lib/platform/simulator/behaviour";

export { DEMO_PASSWORD };

/**
 * The demo fleet: 4 regions, 8 clusters, 3 teams, 6 models, SLOs with 30 days of history,
 * past rollouts and incidents, training jobs. Deterministic for a given seed and `now`.
 */
export const DEMO_SEED = 20261129;
export const DEMO_USERS = [
  { email: "viewer@flightdeck.demo", name: "Vera Viewer", role: "viewer", team: "ranking" },
  { email: "engineer@flightdeck.demo", name: "Eli Engineer", role: "engineer", team: "ranking" },
  {
    email: "release@flightdeck.demo",
    name: "Rosa Release",
    role: "release_manager",
    team: "ranking",
  },
  {
    email: "release2@flightdeck.demo",
    name: "Ravi Release",
    role: "release_manager",
    team: "ranking",
  },
  { email: "admin@flightdeck.demo", name: "Ada Admin", role: "admin", team: null },
] as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** SLI history the demo starts with: two full quarters for the leadership review. */
const HISTORY_DAYS = 200;

const REGIONS = [
  { code: "us-east-1", name: "US East (Virginia)", short: "use1", provider: "eks" },
  { code: "us-west-2", name: "US West (Oregon)", short: "usw2", provider: "eks" },
  { code: "eu-west-1", name: "EU West (Ireland)", short: "euw1", provider: "gke" },
  { code: "ap-southeast-1", name: "Asia Pacific (Singapore)", short: "apse1", provider: "aks" },
] as const;

const TEAMS = [
  { slug: "ranking", name: "Search & Ranking" },
  { slug: "trust-safety", name: "Trust & Safety" },
  { slug: "assistant", name: "Conversational AI" },
] as const;

const MODELS = [
  {
    name: "ranker-xl",
    displayName: "Ranker XL",
    team: "ranking",
    task: "learning-to-rank",
    description: "Cross-encoder that orders search results for the web and app surfaces.",
    versions: 5,
    metric: "ndcg@10",
    base: 0.71,
    gpu: "A100",
    rpm: 18_000,
  },
  {
    name: "query-embedder",
    displayName: "Query Embedder",
    team: "ranking",
    task: "text-embedding",
    description: "Bi-encoder producing 768-d query embeddings for retrieval.",
    versions: 4,
    metric: "recall@100",
    base: 0.88,
    gpu: "L4",
    rpm: 42_000,
  },
  {
    name: "toxicity-classifier",
    displayName: "Toxicity Classifier",
    team: "trust-safety",
    task: "text-classification",
    description: "Flags abusive and unsafe user content before it is published.",
    versions: 6,
    metric: "f1",
    base: 0.83,
    gpu: "L4",
    rpm: 9_000,
  },
  {
    name: "fraud-scorer",
    displayName: "Fraud Scorer",
    team: "trust-safety",
    task: "tabular-classification",
    description: "Scores payment events for fraud risk in under 50 ms.",
    versions: 3,
    metric: "auc",
    base: 0.94,
    gpu: "L4",
    rpm: 6_000,
  },
  {
    name: "assistant-llm-70b",
    displayName: "Assistant LLM 70B",
    team: "assistant",
    task: "text-generation",
    description: "The chat assistant's 70B instruction-tuned language model.",
    versions: 4,
    metric: "win-rate",
    base: 0.54,
    gpu: "H100",
    rpm: 2_400,
  },
  {
    name: "speech-asr",
    displayName: "Speech ASR",
    team: "assistant",
    task: "speech-recognition",
    description: "Streaming speech recognition for the voice assistant.",
    versions: 3,
    metric: "1-wer",
    base: 0.91,
    gpu: "A100",
    rpm: 3_600,
  },
] as const;

type GpuTypeName = "H100" | "A100" | "L4";

/** Serving resources per replica, by the GPU a model serves on. */
const RESOURCES: Record<GpuTypeName, { gpu: number; cpu: number; memoryGi: number }> = {
  H100: { gpu: 8, cpu: 96, memoryGi: 1024 },
  A100: { gpu: 1, cpu: 12, memoryGi: 96 },
  L4: { gpu: 1, cpu: 8, memoryGi: 32 },
};

/** The release plan models are seeded with: the built-in default's steps, saved as the model's. */
const DEMO_PLAN = (() => {
  const { strategy, steps, thresholds } = defaultPlan([]);
  return { strategy, steps, thresholds };
})();

/** Promotion bars: the primary metric near the model's baseline, calibration and latency. */
function evalThresholdsFor(m: { metric: string; base: number }) {
  return [
    {
      metric: m.metric,
      direction: "higher",
      bound: Number((m.base - 0.02).toFixed(4)),
      maxRegression: 0.01,
    },
    { metric: "calibration_ece", direction: "lower", bound: 0.06 },
    { metric: "p99_latency_ms", direction: "lower", bound: 250 },
  ];
}

function sha(rng: Rng) {
  return `sha256:${rng.hex(64)}`;
}

function floorToMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / MINUTE) * MINUTE);
}

/** Requests per minute for a model at an instant: a daily cycle peaking mid-afternoon UTC. */
function trafficAt(rpm: number, t: number): number {
  const hour = (t % DAY) / HOUR;
  return rpm * (0.65 + 0.35 * Math.sin(((hour - 9) / 24) * 2 * Math.PI));
}

interface BadWindow {
  model: string;
  start: number;
  end: number;
  errorRate: number;
}

type Severity = "SEV1" | "SEV2" | "SEV3" | "SEV4";

interface IncidentPlan {
  model: string;
  region: string;
  at: number;
  version: string;
  severity: Severity;
  title: string;
  /** preset times (routine incidents); otherwise drawn when the incident is written */
  response?: { ack: number; mitigated: number; resolved: number; closed: number; summary: string };
}

/** Routine incidents' causes: a title and what the responders did. */
const ROUTINE_CAUSES = [
  {
    title: (model: string, region: string) => `${model}: p99 latency above objective in ${region}`,
    summary: "Latency rose with traffic; mitigated by scaling out, then tuned the autoscaler.",
  },
  {
    title: (model: string, region: string) => `${model}: GPU node lost in ${region}`,
    summary: "A GPU node failed health checks; replicas were rescheduled and the node replaced.",
  },
  {
    title: (model: string, region: string) => `${model}: stale features served in ${region}`,
    summary:
      "The feature-store sync lagged; traffic fell back to cached features until it caught up.",
  },
  {
    title: (model: string, region: string) =>
      `${model}: 5xx after a dependency deploy in ${region}`,
    summary: "An upstream service's deploy broke requests; it was rolled back by its owners.",
  },
  {
    title: (model: string, region: string) => `${model}: prediction drift alert in ${region}`,
    summary: "Online quality dropped on a new traffic mix; a retrained version was promoted.",
  },
] as const;

/** Most incidents are minor; a SEV1 is rare. */
const ROUTINE_SEVERITIES: Severity[] = [
  "SEV1",
  "SEV2",
  "SEV2",
  "SEV3",
  "SEV3",
  "SEV3",
  "SEV3",
  "SEV4",
  "SEV4",
  "SEV4",
];

/** Minutes to acknowledge and hours to resolve, by severity: paged SEV1s are answered fastest. */
const ROUTINE_RESPONSE: Record<Severity, { ackMin: [number, number]; resolveH: [number, number] }> =
  {
    SEV1: { ackMin: [1, 6], resolveH: [1, 4] },
    SEV2: { ackMin: [2, 15], resolveH: [2, 10] },
    SEV3: { ackMin: [5, 45], resolveH: [4, 30] },
    SEV4: { ackMin: [10, 180], resolveH: [8, 72] },
  };

/** Teams differ a little, so the by-team chart has something to compare. */
const TEAM_PACE: Record<string, number> = { ranking: 0.85, "trust-safety": 1, assistant: 1.3 };

const ROUTINE_WEEKS = 26;

/**
 * Two to four incidents a week over the last 26 weeks, across severities, models and teams, so
 * response times (MTTA, MTTR) have something to chart; responses get quicker over the months.
 * Only incidents resolved by `nowMs` are kept: the demo has no open incidents (so this week may
 * have fewer).
 */
function routineIncidents(rng: Rng, nowMs: number): IncidentPlan[] {
  const plans: IncidentPlan[] = [];
  // Whole ISO weeks, as the incidents page counts them; this week's future ones are dropped.
  const thisWeek = metricPeriod("week", new Date(nowMs)).start.getTime();
  for (let week = ROUTINE_WEEKS - 1; week >= 0; week--) {
    const count = rng.int(2, 4);
    for (let n = 0; n < count; n++) {
      const mi = rng.int(0, MODELS.length - 1);
      const m = MODELS[mi]!;
      const region = rng.pick(REGIONS.slice(0, 2 + (mi % 3))).code;
      const severity = rng.pick(ROUTINE_SEVERITIES);
      const cause = rng.pick(ROUTINE_CAUSES);
      const pace = (TEAM_PACE[m.team] ?? 1) * (0.75 + (0.5 * week) / ROUTINE_WEEKS);
      const { ackMin, resolveH } = ROUTINE_RESPONSE[severity];
      const at = floorToMinute(new Date(thisWeek + (rng.float(0, 7) - week * 7) * DAY)).getTime();
      const ack = at + Math.max(1, Math.round(rng.float(...ackMin) * pace)) * MINUTE;
      const resolved = at + Math.round(rng.float(...resolveH) * pace * 60) * MINUTE;
      const mitigated = ack + Math.round((resolved - ack) * rng.float(0.3, 0.7));
      const closed = resolved + rng.int(1, 3) * DAY;
      if (resolved >= nowMs) continue;
      plans.push({
        model: m.name,
        region,
        at,
        version: "",
        severity,
        title: cause.title(m.displayName, region),
        response: { ack, mitigated, resolved, closed, summary: cause.summary },
      });
    }
  }
  return plans;
}

export async function seedDemoFleet(
  prisma: Tx,
  options: { seed?: number; now?: Date } = {},
): Promise<void> {
  const rng = createRng(options.seed ?? DEMO_SEED);
  const now = floorToMinute(options.now ?? new Date());
  const nowMs = now.getTime();
  const ago = (ms: number) => new Date(nowMs - ms);

  // Teams and users
  const teams = new Map<string, string>();
  for (const t of TEAMS) {
    const team = await prisma.team.create({ data: { slug: t.slug, name: t.name } });
    teams.set(t.slug, team.id);
  }
  const teamId = (slug: string) => {
    const id = teams.get(slug);
    if (!id) throw new Error(`unknown team ${slug}`);
    return id;
  };
  // Same cost as passwords set in the app, so timing reveals nothing.
  const passwordHash = await hash(DEMO_PASSWORD, PASSWORD_HASH_COST);
  await prisma.user.createMany({
    data: DEMO_USERS.map((u) => ({
      email: u.email,
      name: u.name,
      role: u.role,
      teamId: u.team ? teamId(u.team) : null,
      passwordHash,
      demo: true,
    })),
  });

  // Regions, environments, clusters, node pools, namespaces
  const envIds = new Map<string, string>();
  const servingClusters = new Map<string, string>();
  const clusterIds: { id: string; region: string; kind: "serve" | "train" }[] = [];
  for (const r of REGIONS) {
    const region = await prisma.region.create({ data: { code: r.code, name: r.name } });
    for (const tier of ["staging", "production"] as const) {
      const env = await prisma.environment.create({
        data: {
          name: `${tier}/${r.code}`,
          tier,
          regionId: region.id,
          requiredApprovals: tier === "production" ? 2 : 1,
          soakMinutes: tier === "production" ? 60 : 0,
          promotionsOnly: defaultPromotionsOnly(tier),
        },
      });
      envIds.set(`${tier}/${r.code}`, env.id);
    }
    for (const kind of ["serve", "train"] as const) {
      const cluster = await prisma.cluster.create({
        data: {
          name: `${r.provider}-${r.short}-${kind}-01`,
          regionId: region.id,
          provider: r.provider,
          k8sVersion: rng.pick(["1.30.6", "1.31.2", "1.31.4"]),
          createdAt: ago(rng.int(200, 600) * DAY),
        },
      });
      clusterIds.push({ id: cluster.id, region: r.code, kind });
      if (kind === "serve") servingClusters.set(r.code, cluster.id);

      const pools: { gpu: GpuTypeName; perNode: number; nodes: number }[] =
        kind === "serve"
          ? [
              { gpu: "L4", perNode: 4, nodes: rng.int(6, 12) },
              { gpu: "A100", perNode: 8, nodes: rng.int(3, 6) },
              { gpu: "H100", perNode: 8, nodes: rng.int(2, 4) },
            ]
          : [
              { gpu: "H100", perNode: 8, nodes: rng.int(8, 16) },
              { gpu: "A100", perNode: 8, nodes: rng.int(4, 8) },
            ];
      for (const p of pools) {
        const gpuCount = p.nodes * p.perNode;
        const cordoned = rng.next() < 0.2 ? p.perNode : 0;
        const allocatable = gpuCount - cordoned;
        await prisma.nodePool.create({
          data: {
            clusterId: cluster.id,
            name: `${p.gpu.toLowerCase()}-pool`,
            gpuType: p.gpu,
            nodeCount: p.nodes,
            gpusPerNode: p.perNode,
            gpuCount,
            gpuAllocatable: allocatable,
            gpuAllocated: Math.round(allocatable * rng.float(0.45, 0.92)),
            minNodes: Math.max(1, p.nodes - 4),
            maxNodes: p.nodes + 8,
          },
        });
      }
      for (const t of TEAMS) {
        const gpuQuota = kind === "serve" ? rng.pick([16, 24, 32]) : rng.pick([32, 48, 64]);
        const cpuQuota = gpuQuota * 12;
        const memoryQuotaGi = gpuQuota * 96;
        const use = rng.float(0.3, 0.95);
        await prisma.namespace.create({
          data: {
            clusterId: cluster.id,
            name: `${t.slug}-${kind === "serve" ? "serving" : "training"}`,
            teamId: teamId(t.slug),
            gpuQuota,
            gpuUsed: Math.round(gpuQuota * use),
            cpuQuota,
            cpuUsed: Math.round(cpuQuota * use * rng.float(0.7, 1)),
            memoryQuotaGi,
            memoryUsedGi: Math.round(memoryQuotaGi * use * rng.float(0.6, 1)),
          },
        });
      }
    }
  }
  const envId = (tier: "staging" | "production", region: string) => {
    const id = envIds.get(`${tier}/${region}`);
    if (!id) throw new Error(`unknown environment ${tier}/${region}`);
    return id;
  };
  const serveCluster = (region: string) => {
    const id = servingClusters.get(region);
    if (!id) throw new Error(`no serving cluster in ${region}`);
    return id;
  };

  // Models, versions, deployments, rollouts
  const badWindows: BadWindow[] = [];
  const modelIds = new Map<string, string>();
  const incidentPlans: IncidentPlan[] = [];

  for (const [mi, m] of MODELS.entries()) {
    const model = await prisma.model.create({
      data: {
        name: m.name,
        displayName: m.displayName,
        task: m.task,
        description: m.description,
        teamId: teamId(m.team),
        createdAt: ago((120 + mi * 10) * DAY),
        evalThresholds: evalThresholdsFor(m),
        resources: RESOURCES[m.gpu],
        // Speech ASR has no saved plan, so the demo shows a promotion gate failing on it.
        rolloutPlan: m.name === "speech-asr" ? undefined : DEMO_PLAN,
      },
    });
    modelIds.set(m.name, model.id);

    const versions: { id: string; version: string; createdAt: number }[] = [];
    const baseImage = sha(rng);
    for (let v = 0; v < m.versions; v++) {
      const version = `${1 + Math.floor(v / 3)}.${v % 3}.0`;
      const createdAt = nowMs - (m.versions - v) * 9 * DAY - rng.int(0, 3) * DAY - HOUR * mi;
      const primary = Math.min(0.99, m.base + v * 0.008 + rng.float(-0.004, 0.006));
      const mv = await prisma.modelVersion.create({
        data: {
          modelId: model.id,
          version,
          imageDigest: `registry.flightdeck.internal/${m.name}@${sha(rng)}`,
          baseImageDigest: `registry.flightdeck.internal/serving-base@${baseImage}`,
          artifactUri: `s3://ml-artifacts/${m.name}/${version}/model.safetensors`,
          trainingRunId: `run-${rng.hex(8)}`,
          datasetDigest: sha(rng),
          codeCommit: rng.hex(40),
          evalMetrics: {
            [m.metric]: Number(primary.toFixed(4)),
            calibration_ece: Number(rng.float(0.01, 0.05).toFixed(4)),
            p99_latency_ms: Math.round(rng.float(40, 180)),
            eval_examples: rng.int(20, 200) * 1000,
          },
          createdBy: "ci@flightdeck.demo",
          createdAt: new Date(createdAt),
        },
      });
      versions.push({ id: mv.id, version, createdAt });
    }

    // Rollouts through each version's life. For some models one version failed its canary and
    // was rolled back; the next version then rolls out from the last good one.
    const rolledBackIndex = mi % 2 === 0 ? versions.length - 2 : -1;
    const regionsForModel = REGIONS.slice(0, 2 + (mi % 3));
    let stable = versions[0];
    for (let v = 1; v < versions.length; v++) {
      const to = versions[v];
      const from = stable;
      if (!to || !from) continue;
      const lastWaveStart = to.createdAt + DAY + (regionsForModel.length - 1) * 3 * HOUR;
      // Too recent to have reached production: it only runs in staging so far.
      if (lastWaveStart > nowMs - 2 * HOUR) continue;
      if (v !== rolledBackIndex) stable = to;
      for (const [ri, r] of regionsForModel.entries()) {
        const start = to.createdAt + DAY + ri * 3 * HOUR;
        const rolledBack = v === rolledBackIndex && ri === 0;
        const aborted = v === rolledBackIndex && ri > 0;
        const steps = [
          { kind: "set_weight", weight: 10 },
          { kind: "analysis", durationSec: 600 },
          { kind: "set_weight", weight: 25 },
          { kind: "pause", durationSec: 900 },
          { kind: "set_weight", weight: 50 },
          { kind: "analysis", durationSec: 600 },
          { kind: "set_weight", weight: 100 },
        ] as const;
        const failAt = rolledBack ? 2 : aborted ? 0 : -1;
        let t = start;
        const stepRows = steps.map((s, index) => {
          const began = t;
          const dur = "durationSec" in s ? s.durationSec * 1000 : 2 * MINUTE;
          t += dur;
          const status =
            failAt < 0 || index < failAt
              ? "succeeded"
              : index === failAt
                ? rolledBack
                  ? "succeeded"
                  : "skipped"
                : failAt >= 0 && index === failAt + 1 && rolledBack
                  ? "failed"
                  : "skipped";
          return {
            index,
            kind: s.kind,
            weight: "weight" in s ? s.weight : null,
            durationSec: "durationSec" in s ? s.durationSec : null,
            status: status as "succeeded" | "failed" | "skipped",
            startedAt: status === "skipped" ? null : new Date(began),
            finishedAt: status === "skipped" ? null : new Date(began + dur),
          };
        });
        const finishedAt = rolledBack ? start + 25 * MINUTE : aborted ? start : t;
        const status = rolledBack ? "rolled_back" : aborted ? "aborted" : "completed";
        const events = rolledBack
          ? [
              { at: start, kind: "started", message: `Rollout of ${to.version} started` },
              {
                at: start + 22 * MINUTE,
                kind: "analysis.failed",
                message: "Canary error rate 3.1% vs baseline 0.2% exceeded the 1% threshold",
              },
              {
                at: finishedAt,
                kind: "rolled_back",
                message: `All traffic returned to ${from.version}`,
              },
            ]
          : aborted
            ? [
                {
                  at: start,
                  kind: "aborted",
                  message: `Wave cancelled: ${to.version} was rolled back in ${REGIONS[0].code}`,
                  actor: "release@flightdeck.demo",
                },
              ]
            : [
                { at: start, kind: "started", message: `Rollout of ${to.version} started` },
                { at: t, kind: "completed", message: `${to.version} serves 100% of traffic` },
              ];
        await prisma.rollout.create({
          data: {
            modelId: model.id,
            fromVersionId: from.id,
            toVersionId: to.id,
            environmentId: envId("production", r.code),
            strategy: mi === 4 ? "blue_green" : "canary",
            status,
            currentStep: rolledBack ? 2 : aborted ? 0 : steps.length - 1,
            currentWeight: rolledBack || aborted ? 0 : 100,
            reason: rolledBack ? "Automated analysis failed: canary error rate" : null,
            createdAt: new Date(start - 5 * MINUTE),
            startedAt: new Date(start),
            finishedAt: new Date(finishedAt),
            steps: { create: stepRows },
            events: {
              create: events.map((e) => ({
                at: new Date(e.at),
                kind: e.kind,
                message: e.message,
                actor: "actor" in e ? e.actor : "flightdeck",
              })),
            },
          },
        });
        if (rolledBack) {
          badWindows.push({
            model: m.name,
            start,
            end: finishedAt,
            errorRate: 0.031 * 0.25,
          });
          incidentPlans.push({
            model: m.name,
            region: r.code,
            at: start + 8 * MINUTE,
            version: to.version,
            severity: mi === 0 ? "SEV2" : "SEV3",
            title: `${m.displayName}: elevated 5xx during canary of ${to.version}`,
          });
        }
      }
    }

    // Current deployments: the last version that completed its rollout serves production.
    const newest = versions[versions.length - 1];
    if (!stable || !newest) throw new Error("model without versions");
    for (const r of regionsForModel) {
      const replicas = rng.int(3, 12);
      await prisma.deployment.create({
        data: {
          modelId: model.id,
          modelVersionId: stable.id,
          clusterId: serveCluster(r.code),
          environmentId: envId("production", r.code),
          replicas,
          readyReplicas: replicas,
          hpaMin: 2,
          hpaMax: replicas * 2 + 4,
          hpaCurrent: replicas,
          trafficWeight: 100,
          fullTrafficSince: new Date(Math.min(stable.createdAt + 2 * DAY, nowMs - DAY)),
        },
      });
    }
    const stagingRegion = REGIONS[mi % 2 === 0 ? 0 : 2];
    await prisma.deployment.create({
      data: {
        modelId: model.id,
        modelVersionId: newest.id,
        clusterId: serveCluster(stagingRegion.code),
        environmentId: envId("staging", stagingRegion.code),
        replicas: 2,
        readyReplicas: 2,
        hpaMin: 1,
        hpaMax: 4,
        hpaCurrent: 2,
        trafficWeight: 100,
        fullTrafficSince: new Date(Math.min(newest.createdAt + 2 * HOUR, nowMs - 3 * HOUR)),
      },
    });
  }

  // Incidents: the rolled-back canaries plus unrelated infrastructure incidents.
  incidentPlans.push(
    {
      model: "assistant-llm-70b",
      region: "eu-west-1",
      at: nowMs - 12 * DAY - 5 * HOUR,
      version: "",
      severity: "SEV2",
      title: "H100 node failures in gke-euw1-serve-01 reduced LLM capacity",
    },
    {
      model: "fraud-scorer",
      region: "us-west-2",
      at: nowMs - 21 * DAY - 2 * HOUR,
      version: "",
      severity: "SEV4",
      title: "Fraud Scorer p99 latency above 50 ms after feature-store failover",
    },
    // Older incidents, so earlier months and quarters in the leadership review have causes.
    {
      model: "ranker-xl",
      region: "us-east-1",
      at: nowMs - 47 * DAY - 7 * HOUR,
      version: "",
      severity: "SEV2",
      title: "Ranker XL 5xx after feature-store schema change",
    },
    {
      model: "speech-asr",
      region: "ap-southeast-1",
      at: nowMs - 96 * DAY - 3 * HOUR,
      version: "",
      severity: "SEV1",
      title: "Speech ASR outage during ap-southeast-1 network partition",
    },
  );
  badWindows.push(
    {
      model: "assistant-llm-70b",
      start: nowMs - 12 * DAY - 5 * HOUR,
      end: nowMs - 12 * DAY - 3 * HOUR,
      errorRate: 0.012,
    },
    {
      model: "fraud-scorer",
      start: nowMs - 21 * DAY - 2 * HOUR,
      end: nowMs - 21 * DAY - HOUR,
      errorRate: 0.004,
    },
    {
      model: "ranker-xl",
      start: nowMs - 47 * DAY - 7 * HOUR,
      end: nowMs - 47 * DAY - 4 * HOUR,
      errorRate: 0.01,
    },
    {
      model: "speech-asr",
      // A six-hour partial outage: enough to miss the month's availability objective.
      start: nowMs - 96 * DAY - 3 * HOUR,
      end: nowMs - 96 * DAY + 3 * HOUR,
      errorRate: 0.12,
    },
  );
  // A separate RNG: the routine incidents leave every other seeded figure as it was.
  incidentPlans.push(...routineIncidents(createRng((options.seed ?? DEMO_SEED) + 1), nowMs));
  // Written in two statements (incidents, then their timelines) rather than one per incident;
  // the ids are set here so the timelines can refer to them.
  const incidentRows: Prisma.IncidentCreateManyInput[] = [];
  const incidentEvents: Prisma.IncidentEventCreateManyInput[] = [];
  for (const plan of incidentPlans.sort((a, b) => a.at - b.at)) {
    const detected = plan.at;
    const drawn = () => {
      const ack = detected + rng.int(2, 9) * MINUTE;
      const mitigated = ack + rng.int(10, 40) * MINUTE;
      const resolved = mitigated + rng.int(30, 120) * MINUTE;
      return { ack, mitigated, resolved, closed: resolved + rng.int(1, 3) * DAY };
    };
    const { ack, mitigated, resolved, closed } = plan.response ?? drawn();
    const isClosed = closed < nowMs;
    const id = randomUUID();
    incidentRows.push({
      id,
      title: plan.title,
      severity: plan.severity,
      status: isClosed ? "closed" : "resolved",
      summary: plan.response
        ? plan.response.summary
        : plan.version
          ? `Canary of ${plan.version} raised the 5xx rate in ${plan.region}; automated analysis rolled it back.`
          : `Capacity or dependency failure in ${plan.region}; mitigated by shifting traffic.`,
      modelId: modelIds.get(plan.model) ?? null,
      regionCode: plan.region,
      affectedModels: [plan.model],
      affectedRegions: [plan.region],
      commander: "engineer@flightdeck.demo",
      detectedAt: new Date(detected),
      acknowledgedAt: new Date(ack),
      mitigatedAt: new Date(mitigated),
      resolvedAt: new Date(resolved),
      closedAt: isClosed ? new Date(closed) : null,
    });
    const by = "engineer@flightdeck.demo";
    incidentEvents.push(
      { incidentId: id, at: new Date(detected), kind: "alert", message: "Burn-rate page fired" },
      {
        incidentId: id,
        at: new Date(ack),
        kind: "acknowledged",
        message: "Acknowledged",
        actor: by,
      },
      {
        incidentId: id,
        at: new Date(mitigated),
        kind: "status",
        message: "Status: mitigated",
        actor: by,
      },
      {
        incidentId: id,
        at: new Date(resolved),
        kind: "status",
        message: "Status: resolved",
        actor: by,
      },
      ...(isClosed
        ? [
            {
              incidentId: id,
              at: new Date(closed),
              kind: "status",
              message: "Status: closed, postmortem published",
              actor: by,
            },
          ]
        : []),
    );
  }
  // In time order, so incident numbers follow detection as they did when written one by one.
  await prisma.incident.createMany({ data: incidentRows });
  await prisma.incidentEvent.createMany({ data: incidentEvents });

  // SLOs with 200 days of SLI history (two quarters for the leadership review): minute buckets
  // for the last day, hourly and daily rollups.
  for (const m of MODELS) {
    const modelId = modelIds.get(m.name);
    if (!modelId) continue;
    const definitions: {
      name: string;
      description: string;
      sliKind: "availability" | "latency" | "quality" | "freshness";
      objective: number;
      threshold: number | null;
      share: number;
      windowKind?: "rolling" | "month" | "quarter";
      windowDays?: number;
      timeslices?: boolean;
    }[] = [
      {
        name: `${m.name}-availability`,
        description: `Share of ${m.displayName} requests answered without a 5xx`,
        sliKind: "availability",
        objective: m.name === "assistant-llm-70b" ? 0.995 : 0.999,
        threshold: null,
        share: 1,
      },
      {
        name: `${m.name}-latency`,
        description: `Share of ${m.displayName} requests served under the latency threshold`,
        sliKind: "latency",
        objective: 0.99,
        threshold: m.name === "assistant-llm-70b" ? 2500 : m.name === "fraud-scorer" ? 50 : 300,
        share: 4,
      },
    ];
    if (m.name === "toxicity-classifier" || m.name === "ranker-xl") {
      definitions.push({
        name: `${m.name}-online-accuracy`,
        description: `Online accuracy of ${m.displayName} from delayed labels`,
        sliKind: "quality",
        objective: 0.95,
        threshold: 0.8,
        share: 2,
      });
    }
    if (m.name === "query-embedder") {
      // Freshness: requests served from features refreshed in the last 15 minutes.
      definitions.push({
        name: `${m.name}-feature-freshness`,
        description: `Share of ${m.displayName} requests served from features under 15 minutes old`,
        sliKind: "freshness",
        // Late pipeline runs leave about 2% of hours stale: 95% keeps the demo's budget healthy.
        objective: 0.95,
        threshold: 900,
        share: 1,
      });
    }
    if (m.name === "fraud-scorer") {
      // A contract-style SLO: minutes of good service per calendar month.
      definitions.push({
        name: `${m.name}-monthly-uptime`,
        description: `Minutes in which at least 99% of ${m.displayName} requests succeeded, per calendar month`,
        sliKind: "availability",
        objective: 0.995,
        threshold: null,
        share: 1,
        windowKind: "month",
        windowDays: 30,
        timeslices: true,
      });
    }
    for (const def of definitions) {
      const slo = await prisma.slo.create({
        data: {
          name: def.name,
          description: def.description,
          modelId,
          teamId: teamId(m.team),
          sliKind: def.sliKind,
          objective: def.objective,
          windowKind: def.windowKind ?? "rolling",
          windowDays: def.windowDays ?? 30,
          budgetingMethod: def.timeslices ? "timeslices" : "occurrences",
          timesliceTarget: def.timeslices ? 0.99 : null,
          threshold: def.threshold,
          createdAt: ago(HISTORY_DAYS * DAY),
        },
      });
      const budgetRate = 1 - def.objective;
      // Normal operation burns a fraction of the budget; bad windows burn fast.
      const baseBad = budgetRate * rng.float(0.15, 0.6);
      const errorRateAt = (t: number) => {
        // The simulator's own data age decides freshness: stale minutes serve only bad requests.
        if (def.sliKind === "freshness")
          return dataAgeSeconds(m.name, t) > (def.threshold ?? 0) ? 1 : 0;
        let rate = baseBad * (0.8 + 0.4 * rng.next());
        for (const w of badWindows) {
          if (w.model === m.name && t >= w.start && t < w.end) rate += w.errorRate * def.share;
        }
        return Math.min(rate, 1);
      };
      const rows: {
        sloId: string;
        resolution: "minute" | "hour" | "day";
        start: Date;
        good: bigint;
        total: bigint;
        slices: number;
        goodSlices: number;
      }[] = [];
      type Sums = { good: number; total: number; slices: number; goodSlices: number };
      const hourTotals = new Map<number, Sums>();
      // A minute (or a 10-minute slice) is a good timeslice when it met the objective.
      const sliceTarget = def.timeslices ? 0.99 : def.objective;
      const goodSlice = (good: number, total: number) => total > 0 && good / total >= sliceTarget;
      const windowStart = Math.floor((nowMs - HISTORY_DAYS * DAY) / HOUR) * HOUR;
      const minuteStart = nowMs - DAY;
      for (let h = windowStart; h < nowMs; h += HOUR) {
        const sums: Sums = { good: 0, total: 0, slices: 0, goodSlices: 0 };
        if (h + HOUR > minuteStart) {
          for (let t = h; t < Math.min(h + HOUR, nowMs); t += MINUTE) {
            const tot = Math.round(trafficAt(m.rpm, t) * rng.float(0.95, 1.05));
            const bad = Math.round(tot * errorRateAt(t));
            const slice = {
              slices: tot > 0 ? 1 : 0,
              goodSlices: goodSlice(tot - bad, tot) ? 1 : 0,
            };
            sums.good += tot - bad;
            sums.total += tot;
            sums.slices += slice.slices;
            sums.goodSlices += slice.goodSlices;
            if (t >= minuteStart) {
              rows.push({
                sloId: slo.id,
                resolution: "minute",
                start: new Date(t),
                good: BigInt(tot - bad),
                total: BigInt(tot),
                ...slice,
              });
            }
          }
        } else {
          // Older hours: sum six 10-minute slices so incident windows show up sharply.
          for (let t = h; t < h + HOUR; t += 10 * MINUTE) {
            const tot = Math.round(trafficAt(m.rpm, t) * 10 * rng.float(0.95, 1.05));
            const bad = Math.round(tot * errorRateAt(t));
            sums.good += tot - bad;
            sums.total += tot;
            sums.slices += 10;
            sums.goodSlices += goodSlice(tot - bad, tot) ? 10 : 0;
          }
        }
        hourTotals.set(h, sums);
        rows.push({
          sloId: slo.id,
          resolution: "hour",
          start: new Date(h),
          good: BigInt(sums.good),
          total: BigInt(sums.total),
          slices: sums.slices,
          goodSlices: sums.goodSlices,
        });
      }
      const dayTotals = new Map<number, Sums>();
      for (const [h, v] of hourTotals) {
        const d = Math.floor(h / DAY) * DAY;
        const acc = dayTotals.get(d) ?? { good: 0, total: 0, slices: 0, goodSlices: 0 };
        acc.good += v.good;
        acc.total += v.total;
        acc.slices += v.slices;
        acc.goodSlices += v.goodSlices;
        dayTotals.set(d, acc);
      }
      for (const [d, v] of dayTotals) {
        rows.push({
          sloId: slo.id,
          resolution: "day",
          start: new Date(d),
          good: BigInt(v.good),
          total: BigInt(v.total),
          slices: v.slices,
          goodSlices: v.goodSlices,
        });
      }
      // One statement per SLO from column arrays: createMany over ~6,000 rows per SLO made the
      // first start several times slower.
      await prisma.$executeRaw`
        INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
        SELECT ${slo.id}, r::"BucketResolution", s, g, t, n, gn
        FROM unnest(${rows.map((r) => r.resolution)}::text[], ${rows.map((r) => r.start.toISOString())}::timestamp[],
                    ${rows.map((r) => r.good.toString())}::bigint[], ${rows.map((r) => r.total.toString())}::bigint[],
                    ${rows.map((r) => r.slices)}::int[], ${rows.map((r) => r.goodSlices)}::int[])
          AS x(r, s, g, t, n, gn)`;
    }
  }

  // Training jobs with checkpoints
  const trainingClusters = clusterIds.filter((c) => c.kind === "train");
  const jobs = [
    { model: "ranker-xl", status: "running", steps: 120_000, done: 0.62, restarts: 0 },
    { model: "assistant-llm-70b", status: "running", steps: 400_000, done: 0.37, restarts: 2 },
    { model: "toxicity-classifier", status: "succeeded", steps: 40_000, done: 1, restarts: 0 },
    { model: "speech-asr", status: "failed", steps: 90_000, done: 0.44, restarts: 3 },
    { model: "query-embedder", status: "restarting", steps: 60_000, done: 0.71, restarts: 1 },
  ] as const;
  for (const [ji, j] of jobs.entries()) {
    const m = MODELS.find((x) => x.name === j.model);
    const modelId = modelIds.get(j.model);
    const cluster = trainingClusters[ji % trainingClusters.length];
    if (!m || !modelId || !cluster) continue;
    const gpuType: GpuTypeName = j.model === "assistant-llm-70b" ? "H100" : "A100";
    const gpuCount = j.model === "assistant-llm-70b" ? 48 : rng.pick([8, 16, 24]);
    const hours = rng.int(20, 140);
    const startedAt = nowMs - hours * HOUR;
    const stepsDone = Math.round(j.steps * j.done);
    const every = Math.round(j.steps / 20);
    const checkpoints = [];
    for (let s = every; s <= stepsDone; s += every) {
      checkpoints.push({
        step: s,
        uri: `s3://ml-checkpoints/${j.model}/train-${ji + 1}/step-${s}`,
        createdAt: new Date(startedAt + (s / Math.max(stepsDone, 1)) * hours * HOUR * 0.98),
      });
    }
    const lostPerRestart = gpuCount * rng.float(0.3, 1.2);
    await prisma.trainingJob.create({
      data: {
        name: `${j.model}-train-${String(ji + 1).padStart(3, "0")}`,
        modelId,
        teamId: teamId(m.team),
        clusterId: cluster.id,
        status: j.status,
        gpuType,
        gpuCount,
        stepsTotal: j.steps,
        stepsDone,
        restarts: j.restarts,
        gpuHoursUsed: Number((gpuCount * hours * 0.97).toFixed(1)),
        gpuHoursLost: Number((j.restarts * lostPerRestart).toFixed(1)),
        failureReason:
          j.status === "failed"
            ? "NCCL timeout: rank 17 lost contact (Xid 79, GPU fell off the bus)"
            : j.status === "restarting"
              ? "Preempted by higher-priority job; resuming from the last checkpoint"
              : null,
        startedAt: new Date(startedAt),
        checkpoints: { create: checkpoints },
      },
    });
  }

  // Candidates: versions registered by CI but not rolled out yet, for trying rollouts. Each
  // model gets a healthy one; the ranking team's models also get one that the simulator makes
  // fail (elevated 5xx), to see automated analysis catch it. Their own generator keeps the rest
  // of the seed unchanged.
  const candidateRng = createRng((options.seed ?? DEMO_SEED) + 1);
  const simSeed = Number(process.env.FLIGHTDECK_SIM_SEED ?? DEMO_SEED);
  for (const m of MODELS) {
    const modelId = modelIds.get(m.name);
    if (!modelId) continue;
    const latest = await prisma.modelVersion.findMany({
      where: { modelId },
      select: { version: true },
    });
    const major = Math.max(...latest.map((v) => Number(v.version.split(".")[0]))) + 1;
    // The healthy candidate is registered last, so it is the newest version.
    const wanted: Fault[] = m.team === "ranking" ? ["errors", "none"] : ["none"];
    for (let minor = 0, found = 0; minor < 60 && found < wanted.length; minor++) {
      const version = `${major}.${minor}.0`;
      const fault = versionBehaviour(simSeed, m.name, version).fault;
      if (fault !== wanted[found]) continue;
      found += 1;
      await prisma.modelVersion.create({
        data: {
          modelId,
          version,
          imageDigest: `registry.flightdeck.internal/${m.name}@${sha(candidateRng)}`,
          baseImageDigest: `registry.flightdeck.internal/serving-base@${sha(candidateRng)}`,
          artifactUri: `s3://ml-artifacts/${m.name}/${version}/model.safetensors`,
          trainingRunId: `run-${candidateRng.hex(8)}`,
          datasetDigest: sha(candidateRng),
          codeCommit: candidateRng.hex(40),
          evalMetrics: {
            [m.metric]: Number((m.base + 0.05 + candidateRng.float(-0.004, 0.006)).toFixed(4)),
            calibration_ece: Number(candidateRng.float(0.01, 0.05).toFixed(4)),
            p99_latency_ms: Math.round(candidateRng.float(40, 180)),
            eval_examples: candidateRng.int(20, 200) * 1000,
          },
          createdBy: "ci@flightdeck.demo",
          createdAt: new Date(nowMs - (wanted.length - found + 1) * HOUR),
        },
      });
    }
  }

  // A promotion waiting for a release manager: Ravi asks to put query-embedder's healthy
  // candidate into staging, so Rosa's home page and navigation show one approval to give.
  const embedder = await prisma.modelVersion.findFirst({
    where: { model: { name: "query-embedder" }, createdBy: "ci@flightdeck.demo" },
    orderBy: { createdAt: "desc" },
    select: { id: true, modelId: true, version: true },
  });
  const ravi = await prisma.user.findUnique({ where: { email: "release2@flightdeck.demo" } });
  if (embedder && ravi) {
    await prisma.promotionRequest.create({
      data: {
        modelId: embedder.modelId,
        modelVersionId: embedder.id,
        tier: "staging",
        regions: [REGIONS[2].code],
        justification: `Promote ${embedder.version}: retrained on November's queries, recall@100 up about five points on the offline set.`,
        requiredApprovals: 1,
        requestedById: ravi.id,
        requestedAt: new Date(nowMs - 40 * MINUTE),
      },
    });
  }
  // The year-end change freeze on production, three weeks ahead.
  const freezeStart = Math.floor((nowMs + 21 * DAY) / DAY) * DAY;
  await prisma.freezeWindow.create({
    data: {
      name: "Year-end freeze",
      tier: "production",
      startsAt: new Date(freezeStart),
      endsAt: new Date(freezeStart + 16 * DAY),
      reason: "Holiday traffic peak and reduced on-call staffing: fixes only.",
      createdById: (
        await prisma.user.findUniqueOrThrow({ where: { email: "admin@flightdeck.demo" } })
      ).id,
    },
  });

  await prisma.auditEvent.create({
    data: {
      actorEmail: "system",
      actorRole: "system",
      action: "fleet.seed",
      targetType: "fleet",
      outcome: "allowed",
      after: { regions: REGIONS.length, models: MODELS.length, seed: options.seed ?? DEMO_SEED },
      reason: "First start with an empty database: demo fleet created",
    },
  });
}
