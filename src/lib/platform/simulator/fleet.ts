import type { GpuType } from "../types";
import type { InterruptionCause } from "@/lib/domain/training/reliability";
import type { NodeGpus } from "@/lib/domain/capacity/split";
import { regionRps, servingProfile } from "./behaviour";
import { activeEffects, type ChaosEffect } from "./chaos";
import { hash32, unit } from "./math";
import { STAGING_TRAFFIC_SHARE } from "./metrics";
import { isRouted, servedRps, type DialChange, type SimTraffic } from "./traffic";

/**
 * The simulated fleet's state: nodes, serving rollouts with their replica sets and autoscalers,
 * namespaces and training jobs. Plain JSON, so it is persisted as one document and a restart
 * continues the same fleet. `advanceFleet` moves it forward in fixed quanta of simulated time,
 * with every random event derived from the seed, the object's name and the quantum, so the same
 * inputs always give the same fleet whatever the tick timing.
 */
export interface SimNode {
  name: string;
  gpus: number;
  /** taken out of scheduling by an operator */
  cordoned: boolean;
  /** a background hardware fault: NotReady until this simulated time */
  faultUntil: number | null;
  faultReason: string | null;
}

export interface SimPool {
  name: string;
  gpuType: GpuType;
  gpusPerNode: number;
  minNodes: number;
  maxNodes: number;
  nodes: SimNode[];
  nextNodeIndex: number;
  /** cluster autoscaler: a node being provisioned joins at this simulated time */
  provisioningUntil: number | null;
  /** cluster autoscaler: since when the pool has had a whole spare node */
  spareSince: number | null;
}

export interface SimCluster {
  name: string;
  region: string;
  pools: SimPool[];
}

export interface SimNamespace {
  cluster: string;
  name: string;
  gpuQuota: number;
}

export interface SimReplicaSet {
  version: string;
  desired: number;
  /** replicas placed on GPUs: starting or ready */
  scheduled: number;
  ready: number;
  /** simulated times at which starting replicas become ready */
  starting: number[];
}

export type SimRolloutPhase = "Healthy" | "Progressing" | "Paused" | "Degraded";

/** An Argo-Rollouts-like object: one model in one environment on one cluster. */
export interface SimRollout {
  name: string;
  cluster: string;
  namespace: string;
  region: string;
  model: string;
  environment: "staging" | "production";
  gpuType: GpuType;
  gpusPerReplica: number;
  startupMs: number;
  stable: SimReplicaSet;
  canary: SimReplicaSet | null;
  /** percent of traffic sent to the canary */
  canaryWeight: number;
  paused: boolean;
  aborted: boolean;
  phase: SimRolloutPhase;
  message: string;
  /** spec history, oldest first; the last entry is the current spec */
  revisions: { revision: number; version: string }[];
  resourceVersion: number;
  hpa: { min: number; max: number; targetUtilization: number; current: number; desired: number };
  /** requests per second one replica serves at 100% utilization */
  rpsPerReplica: number;
  /** HPA scale-down stabilization: since when a lower replica count has been wanted */
  lowerSince: number | null;
  /**
   * How many times each write was applied to this object, by operation and argument ("set
   * canary weight 25": 1): the platform's own count, which fault-injection tests compare with
   * what the rollouts' steps require to prove no step was applied twice. Absent until written.
   */
  writes?: Record<string, number>;
}

export type SimJobStatus =
  "queued" | "running" | "checkpointing" | "failed" | "restarting" | "succeeded";

export interface SimTrainingJob {
  name: string;
  cluster: string;
  namespace: string;
  pool: string;
  gpus: number;
  status: SimJobStatus;
  stepsDone: number;
  stepsTotal: number;
  stepsPerHour: number;
  checkpointEvery: number;
  /** the most recent checkpoints, newest last; writeMs absent for those the inventory gave */
  checkpoints: { step: number; at: number; writeMs?: number | null }[];
  /** the step being written while checkpointing; it becomes a checkpoint when the write ends */
  pendingCheckpoint?: number | null;
  /** how long the write in progress takes */
  pendingWriteMs?: number | null;
  /** how long a checkpoint write takes this job, before noise (bigger models write longer) */
  checkpointWriteMs?: number;
  /** the most recent interruptions, newest last (absent in fleets stored before they were kept) */
  interruptions?: SimInterruption[];
  restarts: number;
  /** automatic restarts allowed before the job stays failed (Kubernetes backoffLimit) */
  backoffLimit: number;
  failureReason: string | null;
  /** restarting: when it runs again; checkpointing: when the write completes */
  until: number | null;
  /** the nodes the job's workers run on */
  nodes: string[];
  gpuHoursUsed: number;
  gpuHoursLost: number;
}

/** One time a job stopped before it finished. */
export interface SimInterruption {
  at: number;
  cause: InterruptionCause;
  message: string;
  stepAtFailure: number | null;
  lastCheckpointStep: number | null;
  lastCheckpointAt: number | null;
  /** until it ran again; null while it waits for someone to resume it */
  restartMs: number | null;
  /** when someone resumed it (ms epoch): it runs again from then, not from its stop */
  resumedAt?: number | null;
}

export interface FleetState {
  seed: number;
  /** simulated time (ms epoch) the state describes */
  simTime: number;
  /** the wall-clock time that corresponds to `simTime` */
  wallTime: number;
  clusters: SimCluster[];
  namespaces: SimNamespace[];
  rollouts: SimRollout[];
  jobs: SimTrainingJob[];
  /** the global load balancer's dials, per model (absent: every region keeps its own traffic) */
  traffic?: SimTraffic[];
}

/**
 * How the balancer routes each model whose dials ever moved: its production regions and its
 * dial history. Models absent from the map serve their own regions' traffic.
 */
export function routingOf(
  state: FleetState,
): Map<string, { regions: string[]; history: DialChange[] }> {
  const out = new Map<string, { regions: string[]; history: DialChange[] }>();
  for (const t of state.traffic ?? []) {
    if (isRouted(t.history)) out.set(t.model, { regions: [], history: t.history });
  }
  if (out.size === 0) return out;
  for (const r of state.rollouts) {
    const routing = r.environment === "production" ? out.get(r.model) : undefined;
    if (routing && !routing.regions.includes(r.region)) routing.regions.push(r.region);
  }
  return out;
}

/** Requests per second a rollout's region receives at wall time `wall` (staging: its trickle). */
export function rolloutLoad(
  r: SimRollout,
  routing: ReturnType<typeof routingOf>,
  wall: number,
): number {
  if (r.environment === "staging")
    return regionRps(r.model, r.region, wall) * STAGING_TRAFFIC_SHARE;
  return servedRps(r.model, r.region, routing.get(r.model), wall);
}

/** One step of simulated time. */
export const QUANTUM_MS = 30_000;
/** After a long outage the fleet catches up at most this much; older history is skipped. */
export const MAX_CATCH_UP_MS = 7 * 24 * 3_600_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** chance a node develops a hardware fault, per node per hour */
const NODE_FAULT_PER_HOUR = 0.002;
/** chance a running job crashes on its own (OOM, NCCL timeout), per hour */
const JOB_CRASH_PER_HOUR = 0.01;
const JOB_RESTART_DELAY_MS = 2 * MINUTE;
const CHECKPOINT_WRITE_MS = MINUTE;
const NODE_PROVISION_MS = 3 * MINUTE;
const NODE_SCALE_DOWN_AFTER_MS = 10 * MINUTE;
const HPA_SCALE_DOWN_WINDOW_MS = 5 * MINUTE;
const KEEP_CHECKPOINTS = 20;
const KEEP_INTERRUPTIONS = 20;

/**
 * A job's checkpoint write time: 30 s plus 2.5 s per GPU (the model and optimizer state grow
 * with the gang), between 0.8x and 1.25x by job. Each write varies by ±15% around it.
 */
function checkpointWriteMs(seed: number, job: string, gpus: number): number {
  return Math.round((30_000 + 2_500 * gpus) * (0.8 + 0.45 * unit(`${seed}:ckpt-cost:${job}`)));
}

function oneWriteMs(seed: number, j: SimTrainingJob, step: number): number {
  const base = j.checkpointWriteMs ?? CHECKPOINT_WRITE_MS;
  return Math.round(base * (0.85 + 0.3 * unit(`${seed}:ckpt-write:${j.name}:${step}`)));
}

// ---------------------------------------------------------------------------------------------
// Initial state

export interface FleetTopology {
  clusters: {
    name: string;
    region: string;
    pools: {
      name: string;
      gpuType: GpuType;
      gpusPerNode: number;
      nodes: number;
      cordonedNodes: number;
      minNodes: number;
      maxNodes: number;
    }[];
  }[];
  namespaces: SimNamespace[];
  deployments: {
    model: string;
    namespace: string;
    version: string;
    region: string;
    cluster: string;
    environment: "staging" | "production";
    replicas: number;
    hpaMin: number;
    hpaMax: number;
    trafficWeight: number;
  }[];
  jobs: {
    name: string;
    cluster: string;
    namespace: string;
    gpuType: GpuType;
    gpus: number;
    status: SimJobStatus;
    stepsDone: number;
    stepsTotal: number;
    restarts: number;
    failureReason: string | null;
    checkpointSteps: number[];
    /** the checkpoints with their times and write durations, where the inventory has them */
    checkpoints?: { step: number; at: number; writeSeconds: number | null }[];
    /** its recorded interruptions, oldest first, so a resume can close the last one */
    interruptions?: SimInterruption[];
    startedAt: number;
    gpuHoursUsed: number;
    gpuHoursLost: number;
  }[];
}

export function rolloutName(model: string, environment: string): string {
  return `${model}-${environment}`;
}

/** Builds the fleet a topology describes (on first start, from the seeded inventory). */
export function initialFleet(seed: number, topology: FleetTopology, now: number): FleetState {
  const clusters: SimCluster[] = topology.clusters.map((c) => ({
    name: c.name,
    region: c.region,
    pools: c.pools.map((p) => ({
      name: p.name,
      gpuType: p.gpuType,
      gpusPerNode: p.gpusPerNode,
      minNodes: p.minNodes,
      maxNodes: Math.max(p.maxNodes, p.nodes),
      nodes: Array.from({ length: p.nodes }, (_, i) => ({
        name: `${c.name}-${p.name}-${i}`,
        gpus: p.gpusPerNode,
        cordoned: i >= p.nodes - p.cordonedNodes,
        faultUntil: null,
        faultReason: null,
      })),
      nextNodeIndex: p.nodes,
      provisioningUntil: null,
      spareSince: null,
    })),
  }));

  const groups = new Map<string, FleetTopology["deployments"]>();
  for (const d of topology.deployments) {
    const key = `${d.model}|${d.environment}|${d.cluster}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const rollouts: SimRollout[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => b.trafficWeight - a.trafficWeight);
    const stable = sorted[0];
    if (!stable) continue;
    const canary = sorted[1] ?? null;
    const profile = servingProfile(stable.model);
    const replicas = Math.max(stable.replicas, stable.hpaMin);
    // Sized so the replicas the inventory shows are about what the daily peak needs.
    const share = stable.environment === "staging" ? STAGING_TRAFFIC_SHARE : 1;
    const peak = peakRps(stable.model, stable.region) * share;
    const rpsPerReplica = Math.max(0.01, peak / (0.6 * (replicas + 1)));
    const set = (version: string, desired: number): SimReplicaSet => ({
      version,
      desired,
      scheduled: 0,
      ready: 0,
      starting: [],
    });
    rollouts.push({
      name: rolloutName(stable.model, stable.environment),
      cluster: stable.cluster,
      namespace: stable.namespace,
      region: stable.region,
      model: stable.model,
      environment: stable.environment,
      gpuType: profile.gpuType,
      gpusPerReplica: profile.gpusPerReplica,
      startupMs: profile.startupMs,
      stable: set(stable.version, replicas),
      canary: canary ? set(canary.version, Math.max(1, canary.replicas)) : null,
      canaryWeight: canary?.trafficWeight ?? 0,
      paused: false,
      aborted: false,
      phase: canary ? "Progressing" : "Healthy",
      message: "",
      revisions: [
        { revision: 1, version: stable.version },
        ...(canary ? [{ revision: 2, version: canary.version }] : []),
      ],
      resourceVersion: 1,
      hpa: {
        min: stable.hpaMin,
        max: Math.max(stable.hpaMax, replicas),
        targetUtilization: 0.6,
        current: replicas,
        desired: replicas,
      },
      rpsPerReplica,
      lowerSince: null,
    });
  }

  const jobs: SimTrainingJob[] = topology.jobs.map((j) => {
    const cluster = clusters.find((c) => c.name === j.cluster);
    const pool = cluster?.pools.find((p) => p.gpuType === j.gpuType) ?? cluster?.pools[0];
    const hours = Math.max(1, (now - j.startedAt) / HOUR);
    // The cadence the job's checkpoints show, else one every twentieth of the run.
    const known = (j.checkpoints ?? []).map((c) => c.step).sort((a, b) => a - b);
    const steps = known
      .slice(1)
      .map((s, i) => s - (known[i] ?? 0))
      .sort((a, b) => a - b);
    const cadence = steps[Math.floor(steps.length / 2)];
    const checkpointEvery = Math.max(1, cadence ?? Math.round(j.stepsTotal / 20));
    return {
      name: j.name,
      cluster: j.cluster,
      namespace: j.namespace,
      pool: pool?.name ?? "",
      gpus: j.gpus,
      status: j.status === "checkpointing" ? "running" : j.status,
      stepsDone: j.stepsDone,
      stepsTotal: j.stepsTotal,
      stepsPerHour: Math.max(1, Math.round(j.stepsDone / hours)),
      checkpointEvery,
      checkpoints: j.checkpoints
        ? j.checkpoints.slice(-KEEP_CHECKPOINTS).map((c) => ({
            step: c.step,
            at: c.at,
            writeMs: c.writeSeconds === null ? null : Math.round(c.writeSeconds * 1000),
          }))
        : j.checkpointSteps.slice(-KEEP_CHECKPOINTS).map((step) => ({ step, at: now })),
      checkpointWriteMs: checkpointWriteMs(seed, j.name, j.gpus),
      interruptions: (j.interruptions ?? []).slice(-KEEP_INTERRUPTIONS),
      restarts: j.restarts,
      backoffLimit: Math.max(3, j.restarts),
      failureReason: j.failureReason,
      until: j.status === "restarting" ? now + JOB_RESTART_DELAY_MS : null,
      nodes: [],
      gpuHoursUsed: j.gpuHoursUsed,
      gpuHoursLost: j.gpuHoursLost,
    };
  });

  // Quotas at least fit what the inventory already runs at twice the autoscalers' ceilings: a
  // serving namespace keeps room to take another region's traffic in a drain or a failover (its
  // autoscalers' limits, raised through a drain's plan, are then what bounds it, not the quota).
  const namespaces = topology.namespaces.map((n) => {
    const serving = rollouts
      .filter((r) => r.cluster === n.cluster && r.namespace === n.name)
      .reduce((s, r) => s + r.hpa.max * r.gpusPerReplica * 2, 0);
    const training = jobs
      .filter((j) => j.cluster === n.cluster && j.namespace === n.name)
      .reduce((s, j) => s + j.gpus, 0);
    return { ...n, gpuQuota: Math.max(n.gpuQuota, Math.ceil(serving + training)) };
  });

  const state: FleetState = {
    seed,
    simTime: now,
    wallTime: now,
    clusters,
    namespaces,
    rollouts,
    jobs,
  };
  // Place what already runs, ready from the start.
  schedule(state, now, [], now);
  for (const r of state.rollouts) {
    for (const rs of replicaSets(r)) {
      rs.ready = rs.scheduled;
      rs.starting = [];
    }
  }
  return state;
}

function peakRps(model: string, region: string): number {
  let peak = 0;
  for (let h = 0; h < 24; h++) peak = Math.max(peak, regionRps(model, region, h * HOUR));
  return peak;
}

// ---------------------------------------------------------------------------------------------
// Derived views

export function replicaSets(r: SimRollout): SimReplicaSet[] {
  return r.canary ? [r.stable, r.canary] : [r.stable];
}

export interface NodeView {
  node: SimNode;
  ready: boolean;
  /** GPUs that can run work: 0 when NotReady or cordoned */
  healthyGpus: number;
  reason: string | null;
}

/** A node's health at wall time `wall`, with chaos applied. */
export function nodeView(
  state: FleetState,
  cluster: SimCluster,
  pool: SimPool,
  node: SimNode,
  simTime: number,
  wall: number,
  chaos: readonly ChaosEffect[],
): NodeView {
  let ready = node.faultUntil === null || node.faultUntil <= simTime;
  let reason = ready ? null : node.faultReason;
  for (const e of activeEffects(chaos, "node_failure", cluster.region, wall)) {
    if (unit(`${state.seed}:chaos-node:${e.start}:${node.name}`) < e.magnitude) {
      ready = false;
      reason = "NodeNotReady: kubelet stopped posting status (chaos experiment)";
    }
  }
  let failedGpus = 0;
  for (const e of activeEffects(chaos, "gpu_failure", cluster.region, wall)) {
    for (let g = 0; g < node.gpus; g++) {
      if (unit(`${state.seed}:chaos-gpu:${e.start}:${node.name}:${g}`) < e.magnitude) {
        failedGpus += 1;
      }
    }
    if (failedGpus > 0 && ready) {
      reason = `Xid 79: ${failedGpus} GPU${failedGpus === 1 ? "" : "s"} fell off the bus (chaos experiment)`;
    }
  }
  failedGpus = Math.min(node.gpus, failedGpus);
  void pool;
  return {
    node,
    ready,
    healthyGpus: ready && !node.cordoned ? node.gpus - failedGpus : 0,
    reason,
  };
}

export interface PoolView {
  cluster: SimCluster;
  pool: SimPool;
  nodes: NodeView[];
  allocatable: number;
  allocated: number;
  /** each node's GPUs and what holds them (poolViews fills it) */
  gpuNodes?: NodeGpus[];
}

// ---------------------------------------------------------------------------------------------
// Scheduling: serving first (production, then staging), then training jobs as whole gangs.

interface Placement {
  pools: Map<string, PoolView>;
  /** free GPUs per node name */
  free: Map<string, number>;
  /** GPUs per node name held by serving replicas and by training workers */
  held: Map<string, { serving: number; training: number }>;
}

function poolKey(cluster: string, pool: string) {
  return `${cluster}/${pool}`;
}

function place(
  state: FleetState,
  simTime: number,
  wall: number,
  chaos: readonly ChaosEffect[],
): Placement {
  const pools = new Map<string, PoolView>();
  const free = new Map<string, number>();
  for (const c of state.clusters) {
    for (const p of c.pools) {
      const nodes = p.nodes.map((n) => nodeView(state, c, p, n, simTime, wall, chaos));
      for (const n of nodes) free.set(n.node.name, n.healthyGpus);
      pools.set(poolKey(c.name, p.name), {
        cluster: c,
        pool: p,
        nodes,
        allocatable: nodes.reduce((s, n) => s + n.healthyGpus, 0),
        allocated: 0,
      });
    }
  }
  return { pools, free, held: new Map() };
}

function hold(placement: Placement, node: string, kind: "serving" | "training", gpus: number) {
  const h = placement.held.get(node) ?? { serving: 0, training: 0 };
  h[kind] += gpus;
  placement.held.set(node, h);
}

function take(
  placement: Placement,
  view: PoolView,
  gpus: number,
  gang?: { previous: string[]; chosen: string[] },
): boolean {
  // A replica needs its GPUs on one node; a training job needs all of its workers placed at
  // once (gang scheduling), preferring the nodes it already runs on so a healthy job stays put.
  if (gang) {
    let need = gpus;
    const chosen: string[] = [];
    const ordered = [
      ...view.nodes.filter((n) => gang.previous.includes(n.node.name)),
      ...view.nodes.filter((n) => !gang.previous.includes(n.node.name)),
    ];
    for (const n of ordered) {
      const f = placement.free.get(n.node.name) ?? 0;
      if (f <= 0 || need <= 0) continue;
      chosen.push(n.node.name);
      need -= Math.min(f, need);
    }
    if (need > 0) return false;
    need = gpus;
    for (const name of chosen) {
      const f = placement.free.get(name) ?? 0;
      const used = Math.min(f, need);
      placement.free.set(name, f - used);
      hold(placement, name, "training", used);
      need -= used;
    }
    gang.chosen.push(...chosen);
    view.allocated += gpus;
    return true;
  }
  for (const n of view.nodes) {
    const f = placement.free.get(n.node.name) ?? 0;
    if (f >= gpus) {
      placement.free.set(n.node.name, f - gpus);
      hold(placement, n.node.name, "serving", gpus);
      view.allocated += gpus;
      return true;
    }
  }
  return false;
}

/** Places replicas and jobs on healthy GPUs within quotas; returns the resulting pool views. */
function schedule(
  state: FleetState,
  simTime: number,
  chaos: readonly ChaosEffect[],
  wall: number,
): Placement & {
  evictedJobs: Map<string, { message: string; cause: InterruptionCause }>;
  starved: Set<string>;
} {
  const placement = place(state, simTime, wall, chaos);
  // Pools where work waits for GPUs (not for quota): only there does a new node help.
  const starved = new Set<string>();
  const quotaLeft = new Map(state.namespaces.map((n) => [`${n.cluster}/${n.name}`, n.gpuQuota]));
  const order = [...state.rollouts].sort(
    (a, b) =>
      (a.environment === b.environment ? 0 : a.environment === "production" ? -1 : 1) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  // A replica goes to the first pool of its GPU type in its cluster.
  const poolFor = new Map<string, PoolView>();
  for (const v of placement.pools.values()) {
    const key = `${v.cluster.name}/${v.pool.gpuType}`;
    if (!poolFor.has(key)) poolFor.set(key, v);
  }
  for (const r of order) {
    const view = poolFor.get(`${r.cluster}/${r.gpuType}`);
    const nsKey = `${r.cluster}/${r.namespace}`;
    for (const rs of replicaSets(r)) {
      let placed = 0;
      for (let i = 0; i < rs.desired; i++) {
        const quota = quotaLeft.get(nsKey) ?? Infinity;
        if (!view || quota < r.gpusPerReplica) break;
        if (!take(placement, view, r.gpusPerReplica)) {
          starved.add(poolKey(view.cluster.name, view.pool.name));
          break;
        }
        quotaLeft.set(nsKey, quota - r.gpusPerReplica);
        placed += 1;
      }
      // Replicas that lost their GPUs stop at once; newly placed ones start.
      const kept = Math.min(placed, rs.scheduled);
      const readyKept = Math.min(rs.ready, kept);
      const startingKept = rs.starting.slice(0, kept - readyKept);
      const fresh = Array.from({ length: placed - kept }, () => simTime + r.startupMs);
      rs.scheduled = placed;
      rs.ready = readyKept;
      rs.starting = [...startingKept, ...fresh];
    }
  }
  const evictedJobs = new Map<string, { message: string; cause: InterruptionCause }>();
  /** a worker's node went away: a GPU fault names the GPU, anything else the node */
  const nodeLost = (message: string) => ({
    message,
    cause: /\bXid\b/.test(message) ? ("gpu_xid" as const) : ("node_lost" as const),
  });
  for (const j of state.jobs) {
    if (j.status !== "running" && j.status !== "checkpointing" && j.status !== "queued") {
      j.nodes = [];
      continue;
    }
    const view = placement.pools.get(poolKey(j.cluster, j.pool));
    const nsKey = `${j.cluster}/${j.namespace}`;
    const quota = quotaLeft.get(nsKey) ?? Infinity;
    const previous = j.nodes;
    const nodes: string[] = [];
    if (view && quota >= j.gpus && take(placement, view, j.gpus, { previous, chosen: nodes })) {
      quotaLeft.set(nsKey, quota - j.gpus);
      if (j.status === "queued") {
        j.status = "running";
        j.failureReason = null;
      } else {
        // A running gang that had to move lost a member: the job fails.
        const lost = previous.filter((n) => !nodes.includes(n));
        if (previous.length > 0 && lost.length > 0) {
          const v = view.nodes.find((n) => n.node.name === lost[0]);
          evictedJobs.set(
            j.name,
            nodeLost(`Worker on ${lost[0]} lost: ${v?.reason ?? "node no longer schedulable"}`),
          );
        }
      }
      j.nodes = nodes;
    } else {
      if (view && quota >= j.gpus && j.gpus <= view.pool.maxNodes * view.pool.gpusPerNode) {
        starved.add(poolKey(j.cluster, j.pool));
      }
      if (j.status !== "queued") {
        const lostNode = previous.find((name) => (placement.free.get(name) ?? 0) <= 0);
        const v = view?.nodes.find((n) => n.node.name === lostNode);
        // Serving is placed first: with its nodes still there, the job lost its GPUs to it.
        evictedJobs.set(
          j.name,
          lostNode
            ? nodeLost(`Worker on ${lostNode} lost: ${v?.reason ?? "node no longer schedulable"}`)
            : {
                message: `Preempted: not enough healthy ${view?.pool.gpuType ?? ""} GPUs for ${j.gpus} workers once serving replicas were placed`,
                cause: "preemption",
              },
        );
      }
      j.nodes = [];
    }
  }
  return { ...placement, evictedJobs, starved };
}

// ---------------------------------------------------------------------------------------------
// Time stepping

export interface AdvanceOptions {
  /** simulated seconds per wall second (FLIGHTDECK_SIM_SPEED); 1 = real time */
  speed: number;
  chaos: readonly ChaosEffect[];
}

/**
 * How many whole quanta `advanceFleet` steps to bring `state` to `wallNow`: two reads of one
 * stored state that step the same number of quanta (with the same chaos) see the same fleet.
 */
export function quantaToAdvance(state: FleetState, wallNow: number, speedOption: number): number {
  const speed = speedOption > 0 ? speedOption : 1;
  if (wallNow <= state.wallTime) return 0;
  const ahead = (wallNow - state.wallTime) * speed;
  return Math.floor(Math.min(ahead, MAX_CATCH_UP_MS) / QUANTUM_MS);
}

/** Moves the fleet forward to wall time `wallNow`. Pure: returns a new state. */
export function advanceFleet(state: FleetState, wallNow: number, opts: AdvanceOptions): FleetState {
  return advanceFleetInPlace(structuredClone(state), wallNow, opts);
}

/**
 * `advanceFleet` on a state the caller owns (a store's transaction hands its change a copy):
 * changes and returns it, without copying megabytes of state first.
 */
export function advanceFleetInPlace(
  next: FleetState,
  wallNow: number,
  opts: AdvanceOptions,
): FleetState {
  const speed = opts.speed > 0 ? opts.speed : 1;
  if (wallNow <= next.wallTime) return next;
  let target = next.simTime + (wallNow - next.wallTime) * speed;
  if (target - next.simTime > MAX_CATCH_UP_MS) {
    // Skip history older than the catch-up limit; the fleet resumes from there.
    const skip = target - MAX_CATCH_UP_MS - next.simTime;
    next.simTime += skip;
    next.wallTime += skip / speed;
    target = next.simTime + MAX_CATCH_UP_MS;
  }
  const anchorSim = next.simTime;
  const anchorWall = next.wallTime;
  while (next.simTime + QUANTUM_MS <= target) {
    const t = next.simTime + QUANTUM_MS;
    const wall = anchorWall + (t - anchorSim) / speed;
    stepQuantum(next, t, wall, opts.chaos);
    next.simTime = t;
    next.wallTime = wall;
  }
  return next;
}

function chance(seed: number, key: string, t: number, perHour: number): boolean {
  const k = Math.floor(t / QUANTUM_MS);
  return unit(`${seed}:${key}:${k}`) < perHour * (QUANTUM_MS / HOUR);
}

const NODE_FAULTS = [
  "NodeNotReady: kubelet stopped posting status",
  "Xid 48: double-bit ECC error, node drained",
  "Xid 79: GPU fell off the bus, node drained",
  "NVLink error: node drained for repair",
];
const JOB_CRASHES: readonly { message: string; cause: InterruptionCause }[] = [
  { message: "NCCL timeout: a rank stopped answering all-reduce", cause: "nccl_timeout" },
  { message: "CUDA out of memory on rank 0", cause: "oom" },
  { message: "Loss became NaN: stopped by the divergence guard", cause: "other" },
];

function stepQuantum(
  state: FleetState,
  t: number,
  wall: number,
  chaos: readonly ChaosEffect[],
): void {
  const seed = state.seed;
  // 1. Hardware: background faults appear and get repaired.
  for (const c of state.clusters) {
    for (const p of c.pools) {
      for (const n of p.nodes) {
        if (n.faultUntil !== null && n.faultUntil <= t) {
          n.faultUntil = null;
          n.faultReason = null;
        }
        if (n.faultUntil === null && chance(seed, `fault:${n.name}`, t, NODE_FAULT_PER_HOUR)) {
          const h = hash32(`${seed}:fault-kind:${n.name}:${t}`);
          n.faultUntil = t + (20 + (h % 40)) * MINUTE;
          n.faultReason = NODE_FAULTS[h % NODE_FAULTS.length] ?? NODE_FAULTS[0] ?? "";
        }
      }
    }
  }

  // 2. Horizontal pod autoscalers follow load, as the global load balancer routes it.
  const routing = routingOf(state);
  for (const r of state.rollouts) {
    const load = rolloutLoad(r, routing, wall);
    const wanted = Math.ceil(load / (r.rpsPerReplica * r.hpa.targetUtilization));
    const desired = Math.min(r.hpa.max, Math.max(r.hpa.min, wanted));
    r.hpa.desired = desired;
    if (desired > r.hpa.current) {
      r.hpa.current = desired;
      r.lowerSince = null;
    } else if (desired < r.hpa.current) {
      r.lowerSince ??= t;
      if (t - r.lowerSince >= HPA_SCALE_DOWN_WINDOW_MS) {
        r.hpa.current = desired;
        r.lowerSince = null;
      }
    } else {
      r.lowerSince = null;
    }
    sizeReplicaSets(r);
  }

  // 3. Training jobs: restarts come due, checkpoints finish.
  for (const j of state.jobs) {
    if (j.status === "restarting" && j.until !== null && j.until <= t) {
      j.status = "queued";
      j.until = null;
    }
    if (j.status === "checkpointing" && j.until !== null && j.until <= t) {
      // The checkpoint exists once its write has finished.
      if (j.pendingCheckpoint != null) {
        j.checkpoints = [
          ...j.checkpoints,
          { step: j.pendingCheckpoint, at: t, writeMs: j.pendingWriteMs ?? null },
        ].slice(-KEEP_CHECKPOINTS);
      }
      j.pendingCheckpoint = null;
      j.pendingWriteMs = null;
      j.status = "running";
      j.until = null;
    }
  }

  // 4. Place everything on the GPUs that work now.
  const placement = schedule(state, t, chaos, wall);

  // 5. Replicas finish starting.
  for (const r of state.rollouts) {
    for (const rs of replicaSets(r)) {
      const done = rs.starting.filter((at) => at <= t).length;
      rs.ready += done;
      rs.starting = rs.starting.filter((at) => at > t);
    }
    r.phase = rolloutPhase(r);
  }

  // 6. Training progress, checkpoints, failures and restarts.
  const dtHours = QUANTUM_MS / HOUR;
  for (const j of state.jobs) {
    const evicted = placement.evictedJobs.get(j.name);
    const crashed =
      !evicted &&
      j.status === "running" &&
      chance(seed, `crash:${j.name}`, t, JOB_CRASH_PER_HOUR * Math.max(1, j.gpus / 64));
    if (evicted || crashed) {
      const last = j.checkpoints.at(-1);
      const lastCheckpoint = last?.step ?? 0;
      const lostSteps = Math.max(0, j.stepsDone - lastCheckpoint);
      j.gpuHoursLost += (lostSteps / j.stepsPerHour) * j.gpus;
      const failure = evicted ??
        JOB_CRASHES[hash32(`${seed}:crash-kind:${j.name}:${t}`) % JOB_CRASHES.length] ?? {
          message: "crashed",
          cause: "other" as const,
        };
      const restarts = j.restarts < j.backoffLimit;
      j.interruptions = [
        ...(j.interruptions ?? []),
        {
          at: t,
          cause: failure.cause,
          message: failure.message,
          stepAtFailure: Math.floor(j.stepsDone),
          lastCheckpointStep: last?.step ?? null,
          lastCheckpointAt: last?.at ?? null,
          restartMs: restarts ? JOB_RESTART_DELAY_MS : null,
        },
      ].slice(-KEEP_INTERRUPTIONS);
      j.stepsDone = lastCheckpoint;
      j.pendingCheckpoint = null; // a write cut short leaves no checkpoint
      j.pendingWriteMs = null;
      j.failureReason = failure.message;
      j.nodes = [];
      if (restarts) {
        j.restarts += 1;
        j.status = "restarting";
        j.until = t + JOB_RESTART_DELAY_MS;
        j.gpuHoursLost += (JOB_RESTART_DELAY_MS / HOUR) * j.gpus;
      } else {
        j.status = "failed";
        j.until = null;
      }
      continue;
    }
    if (j.status !== "running" && j.status !== "checkpointing") continue;
    j.gpuHoursUsed += dtHours * j.gpus;
    if (j.status === "checkpointing") continue;
    const before = j.stepsDone;
    j.stepsDone = Math.min(j.stepsTotal, j.stepsDone + j.stepsPerHour * dtHours);
    const due = Math.floor(j.stepsDone / j.checkpointEvery) * j.checkpointEvery;
    if (j.stepsDone >= j.stepsTotal) {
      j.stepsDone = j.stepsTotal;
      j.checkpoints = [
        ...j.checkpoints,
        { step: j.stepsTotal, at: t, writeMs: oneWriteMs(seed, j, j.stepsTotal) },
      ].slice(-KEEP_CHECKPOINTS);
      j.status = "succeeded";
      j.nodes = [];
      j.failureReason = null;
    } else if (due > before && due > (j.checkpoints.at(-1)?.step ?? 0)) {
      j.pendingCheckpoint = due;
      j.pendingWriteMs = oneWriteMs(seed, j, due);
      j.status = "checkpointing";
      j.until = t + j.pendingWriteMs;
    }
  }

  // 7. Cluster autoscaler: add a node where work waits for GPUs, remove idle ones.
  for (const view of placement.pools.values()) {
    const { pool, cluster } = view;
    const pending = placement.starved.has(poolKey(cluster.name, pool.name));
    if (pool.provisioningUntil !== null && pool.provisioningUntil <= t) {
      pool.nodes.push({
        name: `${cluster.name}-${pool.name}-${pool.nextNodeIndex}`,
        gpus: pool.gpusPerNode,
        cordoned: false,
        faultUntil: null,
        faultReason: null,
      });
      pool.nextNodeIndex += 1;
      pool.provisioningUntil = null;
    }
    if (pending && pool.provisioningUntil === null && pool.nodes.length < pool.maxNodes) {
      pool.provisioningUntil = t + NODE_PROVISION_MS;
    }
    const spare = view.allocatable - view.allocated >= pool.gpusPerNode;
    if (!pending && spare && pool.nodes.length > pool.minNodes) {
      pool.spareSince ??= t;
      if (t - pool.spareSince >= NODE_SCALE_DOWN_AFTER_MS) {
        // Remove the newest node nothing runs on.
        const busy = new Set(state.jobs.flatMap((j) => j.nodes));
        for (let i = pool.nodes.length - 1; i >= 0; i--) {
          const n = pool.nodes[i];
          const free = n ? (placement.free.get(n.name) ?? 0) : 0;
          if (n && !busy.has(n.name) && !n.cordoned && free === n.gpus) {
            pool.nodes.splice(i, 1);
            break;
          }
        }
        pool.spareSince = null;
      }
    } else {
      pool.spareSince = null;
    }
  }
}

/** Replicas each set wants: the stable at the autoscaler's count, the canary at its weight's share. */
export function sizeReplicaSets(r: SimRollout): void {
  r.stable.desired = r.hpa.current;
  if (r.canary) {
    r.canary.desired = r.aborted
      ? 0
      : r.canaryWeight === 0
        ? 1
        : Math.max(1, Math.ceil((r.hpa.current * r.canaryWeight) / 100));
  }
}

/**
 * Places replicas at once after a change to a rollout (a new version, a weight), as the
 * Kubernetes scheduler would within seconds, instead of at the next simulated step.
 */
export function rescheduleNow(
  state: FleetState,
  chaos: readonly ChaosEffect[],
  at: { simTime: number; wallTime: number } = state,
): void {
  for (const r of state.rollouts) sizeReplicaSets(r);
  schedule(state, at.simTime, chaos, at.wallTime);
}

function rolloutPhase(r: SimRollout): SimRolloutPhase {
  if (r.aborted) return "Degraded";
  if (r.paused) return "Paused";
  if (r.canary) return "Progressing";
  return r.stable.ready < r.stable.desired && r.stable.ready === 0 ? "Degraded" : "Healthy";
}

/**
 * A fleet whose parts `schedule` changes (its rollouts' replica sets and its jobs) are copies and
 * whose other parts are the original's, shared and only read. A whole copy of a large fleet
 * (structuredClone) took most of a pool view's time.
 */
function placementCopy(state: FleetState): FleetState {
  return {
    ...state,
    rollouts: state.rollouts.map((r) => ({
      ...r,
      stable: { ...r.stable },
      canary: r.canary && { ...r.canary },
    })),
    jobs: state.jobs.map((j) => ({ ...j })),
  };
}

/**
 * Pool views (allocatable, allocated, node health) at the state's time, or at a later moment
 * within the current quantum (`at`), so a fault shows the moment it starts.
 */
export function poolViews(
  state: FleetState,
  chaos: readonly ChaosEffect[],
  at: { simTime: number; wallTime: number } = state,
): PoolView[] {
  const placement = schedule(placementCopy(state), at.simTime, chaos, at.wallTime);
  return [...placement.pools.values()].map((v) => ({
    ...v,
    gpuNodes: v.nodes.map((n) => {
      const held = placement.held.get(n.node.name) ?? { serving: 0, training: 0 };
      return {
        name: n.node.name,
        gpus: n.node.gpus,
        allocatable: n.healthyGpus,
        allocated: held.serving + held.training,
        ...held,
      };
    }),
  }));
}

/** GPUs a namespace uses now, serving replicas and training workers together. */
export function namespaceUsage(state: FleetState): Map<string, number> {
  const used = new Map<string, number>();
  const add = (key: string, n: number) => used.set(key, (used.get(key) ?? 0) + n);
  for (const r of state.rollouts) {
    for (const rs of replicaSets(r))
      add(`${r.cluster}/${r.namespace}`, rs.scheduled * r.gpusPerReplica);
  }
  for (const j of state.jobs) {
    if (j.nodes.length > 0) add(`${j.cluster}/${j.namespace}`, j.gpus);
  }
  return used;
}
