// The demo fleet's fixed content. The generation code in the section modules draws the rest
// from the seeded RNG; entries are listed in the order they are generated, which the drawn
// figures depend on.
import type { Severity } from "../../src/lib/domain/incidents/lifecycle";
import type { Fault } from "../../src/lib/platform/simulator/behaviour";

export const DEMO_SEED = 20261129;

/** SLI history the demo starts with: two full quarters for the leadership review. */
export const HISTORY_DAYS = 200;

export const TEAMS = [
  { slug: "ranking", name: "Search & Ranking" },
  { slug: "trust-safety", name: "Trust & Safety" },
  { slug: "assistant", name: "Conversational AI" },
] as const;

export type TeamSlug = (typeof TEAMS)[number]["slug"];

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
] as const satisfies readonly {
  email: string;
  name: string;
  role: "viewer" | "engineer" | "release_manager" | "admin";
  team: TeamSlug | null;
}[];

export type DemoUserEmail = (typeof DEMO_USERS)[number]["email"];

export const REGIONS = [
  { code: "us-east-1", name: "US East (Virginia)", short: "use1", provider: "eks" },
  { code: "us-west-2", name: "US West (Oregon)", short: "usw2", provider: "eks" },
  { code: "eu-west-1", name: "EU West (Ireland)", short: "euw1", provider: "gke" },
  { code: "ap-southeast-1", name: "Asia Pacific (Singapore)", short: "apse1", provider: "aks" },
] as const;

export type RegionCode = (typeof REGIONS)[number]["code"];

/** Every region has one environment per tier. */
export const ENVIRONMENT_TIERS = [
  { tier: "staging", requiredApprovals: 1, soakMinutes: 0 },
  { tier: "production", requiredApprovals: 2, soakMinutes: 60 },
] as const;

export const K8S_VERSIONS = ["1.30.6", "1.31.2", "1.31.4"] as const;

export type GpuTypeName = "H100" | "A100" | "L4";

/** Every region has a serving and a training cluster, laid out like this. */
export const CLUSTER_KINDS = [
  {
    kind: "serve",
    namespaceSuffix: "serving",
    /** node counts are drawn between the bounds */
    pools: [
      { gpu: "L4", perNode: 4, nodes: [6, 12] },
      { gpu: "A100", perNode: 8, nodes: [3, 6] },
      { gpu: "H100", perNode: 8, nodes: [2, 4] },
    ],
    /** each team's namespace gets one of these GPU quotas */
    gpuQuotas: [16, 24, 32],
  },
  {
    kind: "train",
    namespaceSuffix: "training",
    pools: [
      { gpu: "H100", perNode: 8, nodes: [8, 16] },
      { gpu: "A100", perNode: 8, nodes: [4, 8] },
    ],
    gpuQuotas: [32, 48, 64],
  },
] as const satisfies readonly {
  kind: string;
  namespaceSuffix: string;
  pools: readonly { gpu: GpuTypeName; perNode: number; nodes: readonly [number, number] }[];
  gpuQuotas: readonly number[];
}[];

export type ClusterKind = (typeof CLUSTER_KINDS)[number];

/**
 * Serving resources per replica, by the GPU a model serves on: what the simulator schedules
 * (`servingProfile`: a large language model's replica shards over two H100s). The registry's
 * count is the simulator's too, so a drain plan and the Capacity page count the same GPUs.
 */
export const RESOURCES: Record<GpuTypeName, { gpu: number; cpu: number; memoryGi: number }> = {
  H100: { gpu: 2, cpu: 24, memoryGi: 256 },
  A100: { gpu: 1, cpu: 12, memoryGi: 96 },
  L4: { gpu: 1, cpu: 8, memoryGi: 32 },
};

export interface SloSpec {
  /** the SLO is named `<model>-<suffix>` */
  suffix: string;
  description: (displayName: string) => string;
  sliKind: "availability" | "latency" | "quality" | "freshness";
  objective: number;
  threshold: number | null;
  /** how much of a bad window's error rate this SLI sees */
  share: number;
  windowKind?: "rolling" | "month" | "quarter";
  windowDays?: number;
  timeslices?: boolean;
}

const availability = (objective: number): SloSpec => ({
  suffix: "availability",
  description: (d) => `Share of ${d} requests answered without a 5xx`,
  sliKind: "availability",
  objective,
  threshold: null,
  share: 1,
});

const latency = (thresholdMs: number): SloSpec => ({
  suffix: "latency",
  description: (d) => `Share of ${d} requests served under the latency threshold`,
  sliKind: "latency",
  objective: 0.99,
  threshold: thresholdMs,
  share: 4,
});

const ONLINE_ACCURACY: SloSpec = {
  suffix: "online-accuracy",
  description: (d) => `Online accuracy of ${d} from delayed labels`,
  sliKind: "quality",
  objective: 0.95,
  threshold: 0.8,
  share: 2,
};

/** Freshness: requests served from features refreshed in the last 15 minutes. */
const FEATURE_FRESHNESS: SloSpec = {
  suffix: "feature-freshness",
  description: (d) => `Share of ${d} requests served from features under 15 minutes old`,
  sliKind: "freshness",
  // Late pipeline runs leave about 2% of hours stale: 95% keeps the demo's budget healthy.
  objective: 0.95,
  threshold: 900,
  share: 1,
};

/** A contract-style SLO: minutes of good service per calendar month. */
const MONTHLY_UPTIME: SloSpec = {
  suffix: "monthly-uptime",
  description: (d) =>
    `Minutes in which at least 99% of ${d} requests succeeded, per calendar month`,
  sliKind: "availability",
  objective: 0.995,
  threshold: null,
  share: 1,
  windowKind: "month",
  windowDays: 30,
  timeslices: true,
};

export interface ModelSpec {
  name: string;
  displayName: string;
  team: TeamSlug;
  task: string;
  description: string;
  /** released versions: 1.0.0, 1.1.0, 1.2.0, 2.0.0, … */
  versions: number;
  metric: string;
  /** the primary metric of the first version */
  base: number;
  gpu: GpuTypeName;
  /** peak requests per minute */
  rpm: number;
  createdDaysAgo: number;
  /** production regions, in the order rollout waves reach them */
  regions: readonly [RegionCode, ...RegionCode[]];
  stagingRegion: RegionCode;
  strategy: "canary" | "blue_green";
  /** whether the model has a saved release plan */
  savedPlan: boolean;
  /**
   * The next-to-last version failed its canary in the first region (its analysis measured about
   * 3% errors), and the later regions never started it. `ending`: "aborted" when the analysis
   * aborted it at its second failed interval; "rolled_back" when the release manager rolled it
   * back after the first one. `severity`: the incident it caused.
   */
  failedCanary: { severity: Severity; ending: "aborted" | "rolled_back" } | null;
  /**
   * A production region whose autoscaler someone capped at the replicas it runs: enough for
   * its own traffic, so draining another region into it is tight until the plan raises it.
   */
  cappedRegion?: RegionCode;
  /** faults of the candidate versions registered but not rolled out, in registration order */
  candidates: readonly Fault[];
  slos: readonly SloSpec[];
}

export const MODELS: readonly ModelSpec[] = [
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
    createdDaysAgo: 120,
    regions: ["us-east-1", "us-west-2"],
    stagingRegion: "us-east-1",
    strategy: "canary",
    savedPlan: true,
    failedCanary: { severity: "SEV2", ending: "aborted" },
    cappedRegion: "us-west-2",
    // The ranking team's models also get a candidate that the simulator makes fail (elevated
    // 5xx), to see automated analysis catch it.
    candidates: ["errors", "none"],
    slos: [availability(0.999), latency(300), ONLINE_ACCURACY],
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
    createdDaysAgo: 130,
    regions: ["us-east-1", "us-west-2", "eu-west-1"],
    stagingRegion: "eu-west-1",
    strategy: "canary",
    savedPlan: true,
    failedCanary: null,
    candidates: ["errors", "none"],
    slos: [availability(0.999), latency(300), FEATURE_FRESHNESS],
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
    createdDaysAgo: 140,
    regions: ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"],
    stagingRegion: "us-east-1",
    strategy: "canary",
    savedPlan: true,
    failedCanary: { severity: "SEV3", ending: "rolled_back" },
    candidates: ["none"],
    slos: [availability(0.999), latency(300), ONLINE_ACCURACY],
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
    createdDaysAgo: 150,
    regions: ["us-east-1", "us-west-2"],
    stagingRegion: "eu-west-1",
    strategy: "canary",
    savedPlan: true,
    failedCanary: null,
    candidates: ["none"],
    slos: [availability(0.999), latency(50), MONTHLY_UPTIME],
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
    createdDaysAgo: 160,
    regions: ["us-east-1", "us-west-2", "eu-west-1"],
    stagingRegion: "us-east-1",
    strategy: "blue_green",
    savedPlan: true,
    failedCanary: { severity: "SEV3", ending: "rolled_back" },
    candidates: ["none"],
    slos: [availability(0.995), latency(2500)],
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
    createdDaysAgo: 170,
    regions: ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"],
    stagingRegion: "eu-west-1",
    strategy: "canary",
    // No saved plan, so the demo shows a promotion gate failing on it.
    savedPlan: false,
    failedCanary: null,
    candidates: ["none"],
    slos: [availability(0.999), latency(300)],
  },
];

/** The steps of every past rollout. */
export const ROLLOUT_STEPS = [
  { kind: "set_weight", weight: 10 },
  { kind: "analysis", durationSec: 600, intervalSec: 120 },
  { kind: "set_weight", weight: 25 },
  { kind: "pause", durationSec: 900 },
  { kind: "set_weight", weight: 50 },
  { kind: "analysis", durationSec: 600, intervalSec: 120 },
  { kind: "set_weight", weight: 100 },
] as const;

/** What a failed canary's analysis measured: its share of 5xx responses. */
export const FAILED_CANARY_ERROR_RATE = 0.031;

/** What the postmortem of a failed canary's incident concluded. */
export const FAILED_CANARY_LESSONS = {
  factor:
    "The version answered about 3% of production requests with a 5xx from its first analysis interval; staging's mirrored traffic did not exercise the failing path.",
  followUp: "Replay a sample of production traffic against every candidate in staging.",
};

/** Infrastructure incidents unrelated to rollouts, each with the errors it caused. */
export const OUTAGES: readonly {
  model: string;
  region: RegionCode;
  daysAgo: number;
  /** hours before now on that day; or `utcHour`, the hour of day it began */
  hoursAgo: number;
  utcHour?: number;
  hours: number;
  errorRate: number;
  severity: Severity;
  title: string;
  /** what its postmortem names as the contributing factor, and the follow-up it set */
  factor: string;
  followUp: string;
}[] = [
  {
    model: "assistant-llm-70b",
    region: "eu-west-1",
    daysAgo: 12,
    hoursAgo: 5,
    hours: 2,
    errorRate: 0.012,
    severity: "SEV2",
    title: "H100 node failures in gke-euw1-serve-01 reduced LLM capacity",
    factor: "Two H100 nodes failed together and the pool had no spare capacity to reschedule onto.",
    followUp: "Keep one spare H100 node per serving pool in eu-west-1.",
  },
  {
    model: "fraud-scorer",
    region: "us-west-2",
    daysAgo: 21,
    hoursAgo: 2,
    hours: 1,
    errorRate: 0.004,
    severity: "SEV4",
    title: "Fraud Scorer p99 latency above 50 ms after feature-store failover",
    factor: "The feature-store replica taken over during the failover had a cold cache.",
    followUp: "Warm the standby feature-store replica before a planned failover.",
  },
  // Older incidents, so earlier months and quarters in the leadership review have causes.
  {
    model: "ranker-xl",
    region: "us-east-1",
    daysAgo: 47,
    hoursAgo: 7,
    hours: 3,
    errorRate: 0.01,
    severity: "SEV2",
    title: "Ranker XL 5xx after feature-store schema change",
    factor: "A feature-store schema change was deployed without checking the models that read it.",
    followUp: "Run the serving models' contract tests on every feature-store schema change.",
  },
  {
    model: "speech-asr",
    region: "ap-southeast-1",
    daysAgo: 96,
    hoursAgo: 3,
    // A six-hour partial outage: enough to miss the month's availability objective. It begins at
    // noon UTC whatever time the seed runs: at night, when traffic is a third of the day's
    // peak, the same outage would not miss it.
    utcHour: 12,
    hours: 6,
    errorRate: 0.12,
    severity: "SEV1",
    title: "Speech ASR outage during ap-southeast-1 network partition",
    factor: "All Speech ASR replicas in ap-southeast-1 sat behind the partitioned network segment.",
    followUp: "Spread Speech ASR replicas across two network segments in each region.",
  },
];

/** Routine incidents: two to four a week over this many weeks. */
export const ROUTINE_WEEKS = 26;

/** Routine incidents' causes: a title and what the responders did. */
export const ROUTINE_CAUSES = [
  {
    title: (model: string, region: string) => `${model}: p99 latency above objective in ${region}`,
    summary: "Latency rose with traffic; mitigated by scaling out, then tuned the autoscaler.",
    factor: "The autoscaler scaled on GPU utilisation, which lagged the rise in requests.",
    followUp: "Scale on requests in flight per replica instead of GPU utilisation.",
  },
  {
    title: (model: string, region: string) => `${model}: GPU node lost in ${region}`,
    summary: "A GPU node failed health checks; replicas were rescheduled and the node replaced.",
    factor:
      "Replicas took minutes to reschedule because their image was not cached on other nodes.",
    followUp: "Pre-pull serving images on every node of the pool.",
  },
  {
    title: (model: string, region: string) => `${model}: stale features served in ${region}`,
    summary:
      "The feature-store sync lagged; traffic fell back to cached features until it caught up.",
    factor: "The feature-store sync job ran behind without alerting anyone.",
    followUp: "Page on feature freshness before serving falls back to cached features.",
  },
  {
    title: (model: string, region: string) =>
      `${model}: 5xx after a dependency deploy in ${region}`,
    summary: "An upstream service's deploy broke requests; it was rolled back by its owners.",
    factor: "An upstream service changed its response format without a staged rollout.",
    followUp: "Agree a staged rollout with the upstream service's owners for contract changes.",
  },
  {
    title: (model: string, region: string) => `${model}: prediction drift alert in ${region}`,
    summary: "Online quality dropped on a new traffic mix; a retrained version was promoted.",
    factor: "The model had not been retrained on the traffic mix of the new surface.",
    followUp: "Retrain on new surfaces' traffic before they launch.",
  },
] as const;

/** Most incidents are minor; a SEV1 is rare. */
export const ROUTINE_SEVERITIES: readonly Severity[] = [
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
export const ROUTINE_RESPONSE: Record<
  Severity,
  { ackMin: [number, number]; resolveH: [number, number] }
> = {
  SEV1: { ackMin: [1, 6], resolveH: [1, 4] },
  SEV2: { ackMin: [2, 15], resolveH: [2, 10] },
  SEV3: { ackMin: [5, 45], resolveH: [4, 30] },
  SEV4: { ackMin: [10, 180], resolveH: [8, 72] },
};

/** Teams differ a little, so the by-team chart has something to compare. */
export const TEAM_PACE: Record<TeamSlug, number> = {
  ranking: 0.85,
  "trust-safety": 1,
  assistant: 1.3,
};

/** Training jobs, each on a training cluster in turn. */
export const TRAINING_JOBS: readonly {
  model: string;
  status: "running" | "succeeded" | "failed" | "restarting";
  steps: number;
  /** share of the steps done */
  done: number;
  restarts: number;
  gpuType: GpuTypeName;
  /** drawn from TRAINING_GPU_COUNTS unless set */
  gpuCount?: number;
  failureReason?: string;
  /** hours of running between checkpoints; one every twentieth of the steps unless set */
  checkpointEveryHours?: number;
  /**
   * what stopped it, one per restart, oldest first (a cause's usual words unless set); `restart`
   * minutes until it ran again
   */
  interruptions?: readonly { cause: DemoInterruptionCause; message: string; restart: number }[];
}[] = [
  {
    model: "ranker-xl",
    status: "running",
    steps: 120_000,
    done: 0.62,
    restarts: 0,
    gpuType: "A100",
    // every 15 minutes: far more often than its interruptions call for
    checkpointEveryHours: 0.25,
  },
  {
    // failed twice, checkpointing every 6 hours: the training page shows what each failure
    // cost and that its interval is far too long
    model: "assistant-llm-70b",
    status: "running",
    steps: 400_000,
    done: 0.37,
    restarts: 2,
    gpuType: "H100",
    gpuCount: 48,
    checkpointEveryHours: 6,
    interruptions: [
      {
        cause: "gpu_xid",
        message:
          "Xid 79: GPU fell off the bus on rank 22; the node was drained and the job restarted on a spare",
        restart: 14,
      },
      {
        cause: "nccl_timeout",
        message: "NCCL watchdog: collective operation timeout on all-reduce after 1800 s (rank 9)",
        restart: 6,
      },
    ],
  },
  {
    model: "toxicity-classifier",
    status: "succeeded",
    steps: 40_000,
    done: 1,
    restarts: 0,
    gpuType: "A100",
  },
  {
    model: "speech-asr",
    status: "failed",
    steps: 90_000,
    done: 0.44,
    restarts: 3,
    gpuType: "A100",
    failureReason: "NCCL timeout: rank 17 lost contact (Xid 79, GPU fell off the bus)",
    interruptions: [
      { cause: "oom", message: "CUDA out of memory on rank 0 (OOMKilled)", restart: 4 },
      {
        cause: "node_lost",
        message: "Worker on its node lost: NodeNotReady: kubelet stopped posting status",
        restart: 18,
      },
      {
        cause: "gpu_xid",
        message: "NCCL timeout: rank 17 lost contact (Xid 79, GPU fell off the bus)",
        restart: 0,
      },
    ],
  },
  {
    model: "query-embedder",
    status: "restarting",
    steps: 60_000,
    done: 0.71,
    restarts: 1,
    gpuType: "A100",
    failureReason: "Preempted by higher-priority job; resuming from the last checkpoint",
    checkpointEveryHours: 1.5,
    interruptions: [
      {
        cause: "preemption",
        message: "Preempted by higher-priority job; resuming from the last checkpoint",
        restart: 25,
      },
    ],
  },
];

export const TRAINING_GPU_COUNTS = [8, 16, 24] as const;

/** The interruption causes of the database's enum, as the demo names them. */
export type DemoInterruptionCause =
  "node_lost" | "gpu_xid" | "nccl_timeout" | "preemption" | "oom" | "other";

/**
 * A promotion waiting for a release manager: Ravi asks to put query-embedder's newest version
 * (its healthy candidate) into staging, so Rosa's home page and navigation show one approval
 * to give.
 */
export const PENDING_PROMOTION = {
  model: "query-embedder",
  requestedBy: "release2@flightdeck.demo",
  tier: "staging",
  region: "eu-west-1",
  justification: (version: string) =>
    `Promote ${version}: retrained on November's queries, recall@100 up about five points on the offline set.`,
  requiredApprovals: 1,
  minutesAgo: 40,
} as const satisfies {
  model: string;
  requestedBy: DemoUserEmail;
  tier: "staging" | "production";
  region: RegionCode;
  justification: (version: string) => string;
  requiredApprovals: number;
  minutesAgo: number;
};

/** The year-end change freeze on production, three weeks ahead (from midnight UTC). */
export const YEAR_END_FREEZE = {
  name: "Year-end freeze",
  tier: "production",
  startsInDays: 21,
  days: 16,
  reason: "Holiday traffic peak and reduced on-call staffing: fixes only.",
  createdBy: "admin@flightdeck.demo",
} as const satisfies {
  name: string;
  tier: "staging" | "production";
  startsInDays: number;
  days: number;
  reason: string;
  createdBy: DemoUserEmail;
};

/** Who registered every seeded version. */
export const CI_ACTOR = "ci@flightdeck.demo";

/** Who ran every seeded incident. */
export const INCIDENT_COMMANDER = "engineer@flightdeck.demo" satisfies DemoUserEmail;

/** Who cancelled the waves after a failed canary. */
export const RELEASE_MANAGER = "release@flightdeck.demo" satisfies DemoUserEmail;
