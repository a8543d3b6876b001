import { clock } from "@/lib/clock";
import { VERSION_NAME, VERSION_NAME_RULE } from "@/lib/domain/models/registry";
import {
  ConflictError,
  PlatformError,
  assertSelector,
  type AdapterHealth,
  type ClusterInventory,
  type ClusterState,
  type Environment,
  type HpaState,
  type NamespaceState,
  type PartialResult,
  type RolloutDriver,
  type RolloutKey,
  type RolloutObject,
  type RolloutRef,
  type Selector,
  type ServingDeployment,
  type TrainingJobState,
  type TrainingPlatform,
  type Workloads,
  type AutoscalerControl,
  type AutoscalerKey,
  type RegionDials,
  type RegionDialsRef,
  type TrafficManager,
} from "../types";
import type { ChaosEffect } from "./chaos";
import {
  advanceFleet,
  advanceFleetInPlace,
  namespaceUsage,
  quantaToAdvance,
  rescheduleNow,
  poolViews,
  rolloutLoad,
  routingOf,
  type FleetState,
  type PoolView,
  type SimPool,
  type SimRollout,
  type SimTrainingJob,
} from "./fleet";
import { matches } from "./metrics";
import { unit } from "./math";
import { demandAt, dialsAt, withChange, type DialChange } from "./traffic";

/** A read of a fleet not saved for this long (wall clock) saves its catch-up. */
const PERSIST_AFTER_MS = 2 * 60_000;

/** Where the fleet's state lives: PostgreSQL in the app, memory in unit tests. */
export interface FleetStore {
  load(): Promise<FleetState>;
  /**
   * Runs `change` on the stored state under a lock and saves what it returns. `change` gets a
   * copy of its own: it may change it in place.
   */
  transact<T>(change: (state: FleetState) => { state: FleetState; result: T }): Promise<T>;
}

export class MemoryFleetStore implements FleetStore {
  constructor(private state: FleetState) {}
  async load() {
    return structuredClone(this.state);
  }
  async transact<T>(change: (state: FleetState) => { state: FleetState; result: T }) {
    const { state, result } = change(structuredClone(this.state));
    this.state = structuredClone(state);
    return result;
  }
}

export interface SimulatorPlatformOptions {
  store: FleetStore;
  /** simulated seconds per wall second (FLIGHTDECK_SIM_SPEED) */
  speed?: number;
  chaos?: () => Promise<ChaosEffect[]>;
  now?: () => number;
}

/** The fleet as it is now: at the last whole quantum, with the exact moment beside it. */
interface Snapshot {
  state: FleetState;
  chaos: ChaosEffect[];
  /** `chaos` as a key: views made from one state and chaos are reused */
  chaosKey: string;
  at: { simTime: number; wallTime: number };
}

/** A serving deployment with what the simulator alone knows: the load its ready replicas absorb. */
export interface SimServingDeployment extends ServingDeployment {
  capacityRps: number;
  /** production of a model whose regions' dials moved: how the balancer routes it */
  routing?: { regions: string[]; history: DialChange[] };
}

/** How long a cluster view of one stored fleet and chaos is shared (see `clusters`). */
const CLUSTER_VIEW_MS = 5_000;

/**
 * The built-in platform: cluster inventory, workloads, an Argo-Rollouts-like driver and training
 * jobs over the time-stepped fleet. Reads show the fleet advanced to now; writes advance it,
 * apply the change under the store's lock and save it.
 */
export class SimulatorPlatform
  implements
    ClusterInventory,
    Workloads,
    RolloutDriver,
    TrainingPlatform,
    TrafficManager,
    AutoscalerControl
{
  constructor(private readonly options: SimulatorPlatformOptions) {}

  private now() {
    return this.options.now?.() ?? clock.ms();
  }

  private async chaos(): Promise<ChaosEffect[]> {
    return (await this.options.chaos?.()) ?? [];
  }

  /** The snapshot being taken now: reads that start meanwhile share it. */
  private inflight: Promise<Snapshot> | null = null;

  /**
   * The fleet as it is now, with the chaos in force. `state` is at the last whole quantum;
   * `at` is the exact moment, for views that must show a fault as soon as it starts.
   *
   * Reads that start while one is being taken share it (the fleet sync's five reads, a burst of
   * pages): at fleet scale each costs a load, a parse and an advance of megabytes of state.
   * Readers never change it. A write of this process ends the sharing, so a read that starts
   * after a write returns sees it.
   */
  snapshot(): Promise<Snapshot> {
    if (this.inflight) return this.inflight;
    const taking = this.takeSnapshot().finally(() => {
      if (this.inflight === taking) this.inflight = null;
    });
    this.inflight = taking;
    return taking;
  }

  /** Runs `change` on the stored fleet (the store's lock); later reads take a new snapshot. */
  private async transact<T>(
    change: (state: FleetState) => { state: FleetState; result: T },
  ): Promise<T> {
    try {
      return await this.options.store.transact(change);
    } finally {
      this.inflight = null;
    }
  }

  /** The last advance of a stored state: reads within the same quantum reuse it. */
  private advanced: {
    stored: FleetState;
    quanta: number;
    chaos: string;
    state: FleetState;
  } | null = null;

  /**
   * `stored` advanced to `now`. A store that returns the same state object while the stored row
   * is unchanged (PostgreSQL's, see PgFleetStore) lets every read in one quantum share one
   * advance, instead of copying and stepping megabytes of state for each page and health check.
   */
  private advance(
    stored: FleetState,
    now: number,
    chaos: ChaosEffect[],
    chaosKey: string,
  ): FleetState {
    const speed = this.options.speed ?? 1;
    const quanta = quantaToAdvance(stored, now, speed);
    const last = this.advanced;
    if (last && last.stored === stored && last.quanta === quanta && last.chaos === chaosKey) {
      return last.state;
    }
    // Nothing to step (just written, or read within its quantum): the stored state as it is,
    // which readers share and never change, not a copy of it.
    const state = quanta === 0 ? stored : advanceFleet(stored, now, { speed, chaos });
    this.advanced = { stored, quanta, chaos: chaosKey, state };
    return state;
  }

  private async takeSnapshot(): Promise<Snapshot> {
    const [stored, chaos] = await Promise.all([this.options.store.load(), this.chaos()]);
    const speed = this.options.speed ?? 1;
    const now = this.now();
    const chaosKey = JSON.stringify(chaos);
    let state = this.advance(stored, now, chaos, chaosKey);
    if (now - stored.wallTime > PERSIST_AFTER_MS) {
      // Far behind (no worker ticking in this process, or after downtime): save the catch-up
      // once instead of repeating it on every read.
      state = await this.transact((s) => {
        const next = advanceFleetInPlace(s, now, { speed, chaos });
        return { state: next, result: next };
      });
    }
    const wallTime = Math.max(now, state.wallTime);
    return {
      state,
      chaos,
      chaosKey,
      at: { wallTime, simTime: state.simTime + (wallTime - state.wallTime) * speed },
    };
  }

  /** Advances the stored fleet to now and saves it (the worker's tick). */
  async tick(): Promise<{ simTime: Date }> {
    const chaos = await this.chaos();
    const now = this.now();
    return this.transact((stored) => {
      const state = advanceFleetInPlace(stored, now, { speed: this.options.speed ?? 1, chaos });
      return { state, result: { simTime: new Date(state.simTime) } };
    });
  }

  private async write<T>(
    ref: RolloutRef,
    op: string,
    change: (r: SimRollout) => T,
  ): Promise<{ resourceVersion: string }> {
    const chaos = await this.chaos();
    const now = this.now();
    return this.transact((stored) => {
      const state = advanceFleetInPlace(stored, now, { speed: this.options.speed ?? 1, chaos });
      const r = findRollout(state, ref, op);
      if (String(r.resourceVersion) !== ref.resourceVersion) {
        throw new ConflictError(
          `rollout ${ref.namespace}/${ref.name}`,
          ref.resourceVersion,
          String(r.resourceVersion),
        );
      }
      change(r);
      r.resourceVersion += 1;
      const entry = journalEntry(op, r);
      r.writes = { ...r.writes, [entry]: (r.writes?.[entry] ?? 0) + 1 };
      rescheduleNow(state, chaos);
      return { state, result: { resourceVersion: String(r.resourceVersion) } };
    });
  }

  // ------------------------------------------------------------------------- inventory

  /** The last cluster view made, with what it was made from. */
  private clusterView: {
    state: FleetState;
    chaos: string;
    slot: number;
    result: PartialResult<ClusterState[]>;
  } | null = null;

  /**
   * Clusters, pools and nodes as they are now. Placing every replica and job on the nodes takes
   * 25 to 50 ms at fleet scale, so a view is made at most once per 5 seconds for the same stored
   * fleet and chaos (as the header's platform status is read): every page and the header share
   * it, and a write or a chaos experiment that starts or ends makes a new one at once. Readers
   * never change it.
   */
  async clusters(): Promise<PartialResult<ClusterState[]>> {
    const snapshot = await this.snapshot();
    const { chaosKey } = snapshot;
    const slot = Math.floor(snapshot.at.wallTime / CLUSTER_VIEW_MS);
    const last = this.clusterView;
    if (last && last.state === snapshot.state && last.chaos === chaosKey && last.slot === slot) {
      return last.result;
    }
    const result = this.makeClusters(snapshot);
    this.clusterView = { state: snapshot.state, chaos: chaosKey, slot, result };
    return result;
  }

  private makeClusters({ state, chaos, at }: Snapshot): PartialResult<ClusterState[]> {
    const views = poolViews(state, chaos, at);
    const utilization = gpuUtilizations(state);
    // one pass over the views, not one per cluster (200 clusters, 500 pools at fleet scale)
    const viewsOf = new Map<string, PoolView[]>();
    for (const v of views) {
      const list = viewsOf.get(v.cluster.name);
      if (list) list.push(v);
      else viewsOf.set(v.cluster.name, [v]);
    }
    const data = state.clusters.map((c): ClusterState => {
      const pools = (viewsOf.get(c.name) ?? []).map((v) => {
        const unhealthy = v.nodes.filter((n) => n.reason !== null);
        return {
          name: v.pool.name,
          gpuType: v.pool.gpuType,
          nodes: v.nodes.length,
          readyNodes: v.nodes.filter((n) => n.ready).length,
          unhealthyNodes: unhealthy.map((n) => ({
            name: n.node.name,
            ready: n.ready,
            reason: n.reason ?? "",
          })),
          scalingUp: v.pool.provisioningUntil !== null,
          minNodes: v.pool.minNodes,
          maxNodes: v.pool.maxNodes,
          gpus: v.nodes.reduce((s, n) => s + n.node.gpus, 0),
          allocatable: v.allocatable,
          allocated: v.allocated,
          utilization: v.allocated > 0 ? utilization(c.name, v.pool) : 0,
          ...(v.gpuNodes
            ? {
                allocatedTo: {
                  serving: v.gpuNodes.reduce((s, n) => s + n.serving, 0),
                  training: v.gpuNodes.reduce((s, n) => s + n.training, 0),
                },
                gpuNodes: v.gpuNodes,
              }
            : {}),
        };
      });
      const degraded = pools.some((p) => p.readyNodes < p.nodes);
      return {
        name: c.name,
        region: c.region,
        status: degraded ? "degraded" : "healthy",
        pools,
      };
    });
    return { data, errors: [] };
  }

  /** The last namespace view made, and the stored fleet it was made from. */
  private namespaceView: {
    state: FleetState;
    result: PartialResult<NamespaceState[]>;
  } | null = null;

  /** Namespaces and their GPU use, made once per stored fleet (readers never change it). */
  async namespaces(): Promise<PartialResult<NamespaceState[]>> {
    const { state } = await this.snapshot();
    if (this.namespaceView?.state === state) return this.namespaceView.result;
    const result = this.makeNamespaces(state);
    this.namespaceView = { state, result };
    return result;
  }

  private makeNamespaces(state: FleetState): PartialResult<NamespaceState[]> {
    const used = namespaceUsage(state);
    return {
      data: state.namespaces.map((n) => ({
        cluster: n.cluster,
        name: n.name,
        gpuQuota: n.gpuQuota,
        gpuUsed: used.get(`${n.cluster}/${n.name}`) ?? 0,
      })),
      errors: [],
    };
  }

  /** The last autoscaler view made, and the stored fleet it was made from. */
  private autoscalerView: { state: FleetState; result: PartialResult<HpaState[]> } | null = null;

  /** Every autoscaler, made once per stored fleet (readers never change it). */
  async autoscalers(): Promise<PartialResult<HpaState[]>> {
    const { state } = await this.snapshot();
    if (this.autoscalerView?.state === state) return this.autoscalerView.result;
    const result = this.makeAutoscalers(state);
    this.autoscalerView = { state, result };
    return result;
  }

  private makeAutoscalers(state: FleetState): PartialResult<HpaState[]> {
    return {
      data: state.rollouts.map((r) => ({
        cluster: r.cluster,
        namespace: r.namespace,
        target: r.name,
        min: r.hpa.min,
        max: r.hpa.max,
        current: r.hpa.current,
        desired: r.hpa.desired,
      })),
      errors: [],
    };
  }

  // ------------------------------------------------------------------------- workloads

  async deployments(selector: Selector): Promise<PartialResult<SimServingDeployment[]>> {
    assertSelector(selector);
    const { state } = await this.snapshot();
    return { data: servingDeploymentsOf(state, selector), errors: [] };
  }

  // ------------------------------------------------------------------------- rollouts

  async rollouts(
    selector: Selector & { environment?: Environment },
  ): Promise<PartialResult<RolloutObject[]>> {
    const { environment, ...labels } = selector;
    assertSelector(labels);
    const { state } = await this.snapshot();
    const data = state.rollouts
      .filter((r) => environment === undefined || r.environment === environment)
      .filter(
        (r) =>
          (labels.model === undefined || labels.model === r.model) &&
          (labels.region === undefined || labels.region === r.region) &&
          (labels.cluster === undefined || labels.cluster === r.cluster) &&
          (labels.version === undefined ||
            labels.version === r.stable.version ||
            labels.version === r.canary?.version),
      )
      .map(rolloutObject);
    return { data, errors: [] };
  }

  async rollout(key: RolloutKey): Promise<RolloutObject> {
    const { state } = await this.snapshot();
    return rolloutObject(findRollout(state, key, "get rollout"));
  }

  setVersion(ref: RolloutRef, version: string) {
    if (!VERSION_NAME.test(version)) {
      return Promise.reject(new PlatformError("set version", VERSION_NAME_RULE));
    }
    return this.write(ref, "set version", (r) => {
      if (version === r.stable.version) {
        // Going back to the stable version is immediate, as in Argo Rollouts.
        r.canary = null;
        r.canaryWeight = 0;
      } else {
        r.canary = { version, desired: 1, scheduled: 0, ready: 0, starting: [] };
        r.canaryWeight = 0;
      }
      r.paused = false;
      r.aborted = false;
      r.message = `Updated to ${version}`;
      newRevision(r, version);
      r.phase = r.canary ? "Progressing" : "Healthy";
    });
  }

  setCanaryWeight(ref: RolloutRef, weight: number) {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      return Promise.reject(
        new PlatformError("set canary weight", "weight must be a whole percent from 0 to 100"),
      );
    }
    return this.write(ref, "set canary weight", (r) => {
      requireCanary(r, "set canary weight");
      if (r.aborted) throw new PlatformError("set canary weight", "the rollout is aborted");
      r.canaryWeight = weight;
      r.phase = r.paused ? "Paused" : "Progressing";
    });
  }

  pause(ref: RolloutRef) {
    return this.write(ref, "pause", (r) => {
      requireCanary(r, "pause");
      r.paused = true;
      r.phase = "Paused";
      r.message = "Paused";
    });
  }

  resume(ref: RolloutRef) {
    return this.write(ref, "resume", (r) => {
      requireCanary(r, "resume");
      r.paused = false;
      r.phase = r.aborted ? "Degraded" : "Progressing";
      r.message = "";
    });
  }

  promote(ref: RolloutRef, opts: { full: boolean }) {
    return this.write(ref, opts.full ? "promote full" : "promote", (r) => {
      const canary = requireCanary(r, "promote");
      if (r.aborted) throw new PlatformError("promote", "the rollout is aborted; retry it first");
      r.paused = false;
      if (opts.full) {
        // Argo switches traffic once the new replicas are available: capacity carries over.
        r.stable = { ...r.stable, version: canary.version, desired: r.hpa.current };
        r.canary = null;
        r.canaryWeight = 0;
        r.phase = "Healthy";
        r.message = `Promoted ${canary.version}`;
      } else {
        r.phase = "Progressing";
      }
    });
  }

  abort(ref: RolloutRef) {
    return this.write(ref, "abort", (r) => {
      requireCanary(r, "abort");
      r.aborted = true;
      r.paused = false;
      r.canaryWeight = 0;
      r.phase = "Degraded";
      r.message = "Rollout aborted: all traffic on the stable version";
    });
  }

  retry(ref: RolloutRef) {
    return this.write(ref, "retry", (r) => {
      requireCanary(r, "retry");
      if (!r.aborted) throw new PlatformError("retry", "only an aborted rollout can be retried");
      r.aborted = false;
      r.canaryWeight = 0;
      r.phase = "Progressing";
      r.message = "Retrying";
    });
  }

  undo(ref: RolloutRef, toRevision: number) {
    return this.write(ref, "undo", (r) => {
      const target = r.revisions.find((x) => x.revision === toRevision);
      if (!target) throw new PlatformError("undo", `revision ${toRevision} does not exist`);
      if (target.version === r.stable.version) {
        r.canary = null;
        r.canaryWeight = 0;
      } else {
        // The earlier version becomes stable at once: an undo is a rollback, not a canary.
        r.stable = { ...r.stable, version: target.version, desired: r.hpa.current };
        r.canary = null;
        r.canaryWeight = 0;
      }
      r.paused = false;
      r.aborted = false;
      r.phase = "Progressing";
      r.message = `Rolled back to revision ${toRevision} (${target.version})`;
      newRevision(r, target.version);
    });
  }

  // ------------------------------------------------------------------------- global traffic

  /** The simulated global load balancer's dials: one entry per model serving production. */
  async dials(): Promise<PartialResult<RegionDials[]>> {
    const { state, at } = await this.snapshot();
    const regions = new Map<string, string[]>();
    for (const r of state.rollouts) {
      if (r.environment !== "production") continue;
      const list = regions.get(r.model) ?? [];
      if (!list.includes(r.region)) list.push(r.region);
      regions.set(r.model, list);
    }
    const byModel = new Map((state.traffic ?? []).map((t) => [t.model, t]));
    const data: RegionDials[] = [];
    for (const [model, list] of [...regions].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const t = byModel.get(model);
      const inForce = t ? dialsAt(t.history, at.wallTime) : {};
      const dials: Record<string, number> = {};
      for (const r of [...list].sort()) dials[r] = inForce[r] ?? 100;
      data.push({
        model,
        dials,
        resourceVersion: String(t?.resourceVersion ?? 0),
        demandRps: demandAt(model, list, at.wallTime),
      });
    }
    return { data, errors: [] };
  }

  async setDials(ref: RegionDialsRef, dials: Record<string, number>) {
    for (const [region, d] of Object.entries(dials)) {
      if (!Number.isFinite(d) || d < 0 || d > 100) {
        throw new PlatformError("set dials", `dial of ${region} must be 0 to 100, not ${d}`);
      }
    }
    const chaos = await this.chaos();
    const now = this.now();
    return this.transact((stored) => {
      const state = advanceFleetInPlace(stored, now, { speed: this.options.speed ?? 1, chaos });
      const served = new Set(
        state.rollouts
          .filter((r) => r.model === ref.model && r.environment === "production")
          .map((r) => r.region),
      );
      if (served.size === 0) {
        throw new PlatformError("set dials", `${ref.model} serves no production traffic`);
      }
      const unknown = Object.keys(dials).filter((r) => !served.has(r));
      if (unknown.length > 0) {
        throw new PlatformError(
          "set dials",
          `${ref.model} does not serve production in ${unknown.join(", ")}`,
        );
      }
      const traffic = (state.traffic ??= []);
      let t = traffic.find((x) => x.model === ref.model);
      const current = String(t?.resourceVersion ?? 0);
      if (current !== ref.resourceVersion) {
        throw new ConflictError(`traffic dials of ${ref.model}`, ref.resourceVersion, current);
      }
      if (!t) {
        t = { model: ref.model, resourceVersion: 0, history: [] };
        traffic.push(t);
      }
      const next: Record<string, number> = {};
      for (const r of [...served].sort()) next[r] = dials[r] ?? 100;
      t.history = withChange(t.history, { at: state.wallTime, dials: next });
      t.resourceVersion += 1;
      // The autoscalers see the new load at once, as they would within their sync period.
      const routing = routingOf(state);
      for (const r of state.rollouts) {
        if (r.model !== ref.model || r.environment !== "production") continue;
        const load = rolloutLoad(r, routing, state.wallTime);
        const wanted = Math.ceil(load / (r.rpsPerReplica * r.hpa.targetUtilization));
        r.hpa.desired = Math.min(r.hpa.max, Math.max(r.hpa.min, wanted));
        if (r.hpa.desired > r.hpa.current) r.hpa.current = r.hpa.desired;
      }
      rescheduleNow(state, chaos);
      return { state, result: { resourceVersion: String(t.resourceVersion) } };
    });
  }

  async setAutoscalerBounds(
    key: AutoscalerKey,
    expected: { min: number; max: number },
    bounds: { min: number; max: number },
  ): Promise<void> {
    if (!Number.isInteger(bounds.min) || !Number.isInteger(bounds.max) || bounds.min < 1) {
      throw new PlatformError("set autoscaler", "bounds must be whole numbers, minimum at least 1");
    }
    if (bounds.min > bounds.max) {
      throw new PlatformError(
        "set autoscaler",
        `minimum ${bounds.min} is above maximum ${bounds.max}`,
      );
    }
    const chaos = await this.chaos();
    const now = this.now();
    await this.transact((stored) => {
      const state = advanceFleetInPlace(stored, now, { speed: this.options.speed ?? 1, chaos });
      const r = state.rollouts.find(
        (x) => x.cluster === key.cluster && x.namespace === key.namespace && x.name === key.target,
      );
      if (!r) {
        throw new PlatformError(
          "set autoscaler",
          `no autoscaler for ${key.namespace}/${key.target} in ${key.cluster}`,
        );
      }
      if (r.hpa.min !== expected.min || r.hpa.max !== expected.max) {
        throw new ConflictError(
          `autoscaler ${key.namespace}/${key.target}`,
          `${expected.min}-${expected.max}`,
          `${r.hpa.min}-${r.hpa.max}`,
        );
      }
      r.hpa.min = bounds.min;
      r.hpa.max = bounds.max;
      r.hpa.desired = Math.min(r.hpa.max, Math.max(r.hpa.min, r.hpa.desired));
      // A raised minimum scales up at once; a lowered one waits for the scale-down window.
      if (r.hpa.current < r.hpa.min) r.hpa.current = r.hpa.min;
      if (r.hpa.current > r.hpa.max) r.hpa.current = r.hpa.max;
      // The autoscaler is its own object: the rollout's resource version does not move.
      rescheduleNow(state, chaos);
      return { state, result: undefined };
    });
  }

  // ------------------------------------------------------------------------- training

  async jobs(): Promise<PartialResult<TrainingJobState[]>> {
    const { state } = await this.snapshot();
    return { data: state.jobs.map(jobState), errors: [] };
  }

  async resumeFromCheckpoint(job: string): Promise<TrainingJobState> {
    const chaos = await this.chaos();
    const now = this.now();
    return this.transact((stored) => {
      const state = advanceFleetInPlace(stored, now, { speed: this.options.speed ?? 1, chaos });
      const j = state.jobs.find((x) => x.name === job);
      if (!j) throw new PlatformError("resume", `training job ${job} does not exist`);
      if (j.status !== "failed") {
        throw new PlatformError("resume", `${job} is ${j.status}; only a failed job can resume`);
      }
      j.status = "queued";
      j.stepsDone = j.checkpoints.at(-1)?.step ?? 0;
      // The failure that stopped it ends now. The time it sat failed held no GPUs, so it is no
      // restart: a resume by hand restarts in the time from the resume until it runs again,
      // and a resumed job queues at once (waiting for GPUs holds none, as after a restart of its
      // own), so none.
      const stopped = j.interruptions?.at(-1);
      if (stopped && stopped.restartMs === null) {
        stopped.restartMs = 0;
        stopped.resumedAt = state.simTime;
      }
      j.restarts += 1;
      j.backoffLimit = j.restarts + 3;
      j.failureReason = null;
      return { state, result: jobState(j) };
    });
  }

  async health(): Promise<AdapterHealth> {
    const { state } = await this.snapshot();
    const lag = this.now() - state.wallTime;
    return {
      adapter: "simulator",
      status: "ok",
      detail: `${state.clusters.length} clusters, ${state.rollouts.length} rollouts, ${state.jobs.length} training jobs; simulated clock ${new Date(state.simTime).toISOString()}${lag > 60_000 ? ` (catching up ${Math.round(lag / 1000)} s)` : ""}`,
      checkedAt: clock.now(),
    };
  }
}

function findRollout(state: FleetState, key: RolloutKey, op: string): SimRollout {
  const r = state.rollouts.find(
    (x) => x.cluster === key.cluster && x.namespace === key.namespace && x.name === key.name,
  );
  if (!r) {
    throw new PlatformError(op, `rollout ${key.namespace}/${key.name} not found in ${key.cluster}`);
  }
  return r;
}

/** A write as the simulator's journal counts it: the operation and what it set. */
function journalEntry(op: string, r: SimRollout): string {
  if (op === "set version" || op === "undo") return `${op} ${r.revisions.at(-1)?.version}`;
  if (op === "set canary weight") return `${op} ${r.canaryWeight}`;
  return op;
}

function requireCanary(r: SimRollout, op: string) {
  if (!r.canary) throw new PlatformError(op, `${r.name} has no rollout in progress`);
  return r.canary;
}

function newRevision(r: SimRollout, version: string) {
  const revision = (r.revisions.at(-1)?.revision ?? 0) + 1;
  r.revisions = [...r.revisions, { revision, version }].slice(-10);
}

/**
 * Each pool's mean utilization of its allocated GPUs: serving replicas of its GPU type in its
 * cluster carry the load they receive (up to saturation), training workers on it run near full.
 * Grouped in one pass over the fleet; the sums run in the fleet's order, as a pool-by-pool scan
 * would add them.
 */
function gpuUtilizations(state: FleetState): (cluster: string, pool: SimPool) => number {
  const serving = new Map<string, { weighted: number; gpus: number }>();
  const routing = routingOf(state);
  for (const r of state.rollouts) {
    const ready = r.stable.ready + (r.canary?.ready ?? 0);
    if (ready === 0) continue;
    const load = rolloutLoad(r, routing, state.wallTime);
    const key = `${r.cluster}/${r.gpuType}`;
    const sum = serving.get(key) ?? { weighted: 0, gpus: 0 };
    sum.weighted += ready * r.gpusPerReplica * Math.min(1, load / (ready * r.rpsPerReplica));
    sum.gpus += ready * r.gpusPerReplica;
    serving.set(key, sum);
  }
  const training = new Map<string, SimTrainingJob[]>();
  for (const j of state.jobs) {
    if (j.nodes.length === 0) continue;
    const key = `${j.cluster}/${j.pool}`;
    training.set(key, [...(training.get(key) ?? []), j]);
  }
  return (cluster, pool) => {
    const s = serving.get(`${cluster}/${pool.gpuType}`);
    let weighted = s?.weighted ?? 0;
    let gpus = s?.gpus ?? 0;
    for (const j of training.get(`${cluster}/${pool.name}`) ?? []) {
      const u =
        j.status === "checkpointing" ? 0.3 : 0.9 + unit(`${j.name}:${state.simTime}`) * 0.08;
      weighted += j.gpus * u;
      gpus += j.gpus;
    }
    return gpus > 0 ? Math.min(1, weighted / gpus) : 0;
  };
}

export function rolloutObject(r: SimRollout): RolloutObject {
  return {
    cluster: r.cluster,
    namespace: r.namespace,
    name: r.name,
    resourceVersion: String(r.resourceVersion),
    model: r.model,
    region: r.region,
    environment: r.environment,
    stableVersion: r.stable.version,
    canaryVersion: r.canary?.version ?? null,
    canaryWeight: r.canary ? r.canaryWeight : 0,
    paused: r.paused,
    aborted: r.aborted,
    phase: r.phase,
    message: r.message,
    revision: r.revisions.at(-1)?.revision ?? 1,
    revisions: r.revisions,
    replicas: {
      stable: { desired: r.stable.desired, ready: r.stable.ready },
      canary: r.canary ? { desired: r.canary.desired, ready: r.canary.ready } : null,
    },
  };
}

/** The serving deployments a fleet runs: each rollout's stable and (unless aborted) canary. */
export function servingDeploymentsOf(
  state: FleetState,
  selector: Selector = {},
): SimServingDeployment[] {
  const out: SimServingDeployment[] = [];
  const routing = routingOf(state);
  for (const r of state.rollouts) {
    // Most reads ask for one model or cluster: skip the others before building anything (the
    // SLI feed asks once per SLO, 1,000 times a tick over 3,000 deployments at fleet scale).
    if (
      (selector.model !== undefined && selector.model !== r.model) ||
      (selector.region !== undefined && selector.region !== r.region) ||
      (selector.cluster !== undefined && selector.cluster !== r.cluster) ||
      (selector.environment !== undefined && selector.environment !== r.environment)
    ) {
      continue;
    }
    const canaryLive = r.canary !== null && !r.aborted;
    const sets = [
      { rs: r.stable, weight: canaryLive ? 100 - r.canaryWeight : 100 },
      ...(canaryLive && r.canary ? [{ rs: r.canary, weight: r.canaryWeight }] : []),
    ];
    for (const { rs, weight } of sets) {
      const d: SimServingDeployment = {
        model: r.model,
        version: rs.version,
        region: r.region,
        cluster: r.cluster,
        environment: r.environment,
        replicasReady: rs.ready,
        replicasDesired: rs.desired,
        replicasScheduled: rs.scheduled,
        trafficWeight: weight,
        // Replicas still starting count: stable pods keep serving while new ones warm up, and
        // traffic shifts once a canary is scheduled. Replicas with no GPU to run on do not.
        capacityRps: rs.scheduled * r.rpsPerReplica,
        gpusPerReplica: r.gpusPerReplica,
        gpuType: r.gpuType,
      };
      const routed = r.environment === "production" ? routing.get(r.model) : undefined;
      if (routed) d.routing = routed;
      if (matches(d, selector)) out.push(d);
    }
  }
  return out;
}

function jobState(j: SimTrainingJob): TrainingJobState {
  return {
    name: j.name,
    cluster: j.cluster,
    namespace: j.namespace,
    status: j.status,
    gpus: j.gpus,
    stepsDone: Math.floor(j.stepsDone),
    stepsTotal: j.stepsTotal,
    restarts: j.restarts,
    lastCheckpointStep: j.checkpoints.at(-1)?.step ?? null,
    checkpoints: j.checkpoints.map((c) => ({
      step: c.step,
      at: new Date(c.at),
      writeSeconds: c.writeMs == null ? null : c.writeMs / 1000,
    })),
    interruptions: (j.interruptions ?? []).map((i) => ({
      at: new Date(i.at),
      cause: i.cause,
      message: i.message,
      stepAtFailure: i.stepAtFailure,
      lastCheckpointStep: i.lastCheckpointStep,
      lastCheckpointAt: i.lastCheckpointAt === null ? null : new Date(i.lastCheckpointAt),
      restartSeconds: i.restartMs === null ? null : i.restartMs / 1000,
      ...(i.resumedAt != null ? { ranAgainAt: new Date(i.resumedAt + (i.restartMs ?? 0)) } : {}),
    })),
    failureReason: j.failureReason,
    gpuHoursUsed: Math.round(j.gpuHoursUsed * 10) / 10,
    gpuHoursLost: Math.round(j.gpuHoursLost * 10) / 10,
  };
}
