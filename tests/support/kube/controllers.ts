/**
 * Controllers for the test Kubernetes API server: what the Argo Rollouts controller (canary
 * strategy) and the KServe controller (InferenceService, serverless mode over Knative revisions)
 * do to the objects' status when a client changes them, so a test can drive a rollout through the
 * API exactly as Flightdeck will on a real cluster and see the status the real controllers report.
 *
 * ```ts
 * const server = await KubeApiServer.start();
 * const controllers = attachControllers(server);
 * // … a client PATCHes a Rollout's image; the canary's ReplicaSet and status follow …
 * controllers.advance(5 * 60_000); // a timed pause step ends
 * controllers.stop();
 * ```
 *
 * How they run: they watch the store (Rollouts, ReplicaSets, InferenceServices) and reconcile on
 * a microtask after each change, one object at a time in the order the changes came, each pass
 * doing what one pass of the real controller does (one step, one status write); their own writes
 * trigger the next pass until nothing changes. There are no timers: time is the controllers' own
 * clock, which only `advance()`/`setTime()` move, and `tick()` re-evaluates everything against it
 * (timed pause steps, scale-down delays). `pause()` stops reconciling (the controller is down), so
 * a status lags its spec until `resume()`.
 *
 * What they do and do not simulate is listed in README.md beside this file; the behaviour follows
 * argoproj/argo-rollouts (rollout/canary.go, pause.go, sync.go, trafficrouting.go,
 * utils/rollout/rolloututil.go) and kserve/kserve (ksvc_reconciler.go and
 * InferenceServiceStatus.PropagateStatus).
 */
import { uidFor } from "./fleet-objects";
import type { ChangeType, KubeStore } from "./store";
import {
  clone,
  isRecord,
  jsonEqual,
  type KubeObject,
  type ObjectRef,
  type OwnerReference,
  type StoredObject,
} from "./types";

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Reading fields defensively

function rec(value: unknown): Json {
  return isRecord(value) ? value : {};
}
function recs(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
function int(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

/** A deep copy without undefined fields (what would go over the wire). */
function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** RFC 3339 at second precision, as metav1.Time serializes. */
function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// ---------------------------------------------------------------------------------------------
// Hashes

/**
 * JSON text with object keys sorted, and null, empty objects and empty arrays left out: two
 * pod templates that differ only in those (as the API server's defaulting may make them) are the
 * same template.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    const parts: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v === undefined || v === null) continue;
      const text = canonicalJson(v);
      if (text === "{}" || text === "[]") continue;
      parts.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** Kubernetes' rand.SafeEncodeString: every character mapped into an alphabet without vowels. */
function safeEncode(text: string): string {
  let out = "";
  for (const c of text) out += SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length] ?? "b";
  return out;
}

function hashText(text: string): string {
  return safeEncode(String(fnv32a(text)));
}

export const POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash";

/** A pod template without the hash label the controller adds to its ReplicaSets' copies. */
function withoutHashLabel(template: unknown): Json {
  const t = clone(rec(template));
  const labels = rec(rec(t.metadata).labels);
  if (POD_TEMPLATE_HASH_LABEL in labels) {
    delete labels[POD_TEMPLATE_HASH_LABEL];
  }
  return t;
}

/**
 * The pod-template-hash of a Rollout's template, like Argo's `controller.ComputeHash` (an FNV-32a
 * of the template, plus the collision count, safe-encoded): not the same digits as Go's (which
 * hashes Go's printout of the struct), but stable and of the same shape, e.g. `6b7c9f8d4`.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  const text = canonicalJson(withoutHashLabel(template));
  return hashText(collisionCount ? `${text}/${collisionCount}` : text);
}

/** Argo's `currentStepHash`: a hash of the canary steps. */
export function stepsHash(steps: unknown): string {
  return hashText(canonicalJson(steps ?? []));
}

function templatesEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}

// ---------------------------------------------------------------------------------------------
// Durations

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * The seconds of a pause step's `duration`, read as Argo's `RolloutPause.DurationSeconds` does: a
 * number of seconds, an integer string, or a Go duration ("30s", "5m", "1h30m"); 0 when it cannot
 * be read.
 */
export function pauseDurationSeconds(value: unknown): number {
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value !== "string") return 0;
  if (/^[+-]?\d+$/.test(value)) return Number(value);
  let text = value;
  let sign = 1;
  if (text.startsWith("-") || text.startsWith("+")) {
    sign = text.startsWith("-") ? -1 : 1;
    text = text.slice(1);
  }
  if (text === "0") return 0;
  if (text === "") return 0;
  const unit = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let ms = 0;
  while (unit.lastIndex < text.length) {
    const m = unit.exec(text);
    if (!m) return 0;
    ms += Number(m[1]) * (DURATION_UNITS[m[2] ?? ""] ?? 0);
  }
  return Math.trunc((sign * ms) / 1000);
}

// ---------------------------------------------------------------------------------------------
// Argo Rollouts: names, reasons and messages as utils/conditions/conditions.go words them

const ROLLOUT = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout" } as const;
const REPLICA_SET = { apiVersion: "apps/v1", kind: "ReplicaSet" } as const;
const POD = { apiVersion: "v1", kind: "Pod" } as const;
const ISVC = { apiVersion: "serving.kserve.io/v1beta1", kind: "InferenceService" } as const;

export const ROLLOUT_REVISION_ANNOTATION = "rollout.argoproj.io/revision";
const DESIRED_REPLICAS_ANNOTATION = "rollout.argoproj.io/desired-replicas";
export const SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline";
const CANARY_PAUSE_STEP = "CanaryPauseStep";
/** Argo's default scaleDownDelaySeconds and abortScaleDownDelaySeconds (traffic-routed canary) */
const DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30;

const MSG = {
  available: "Rollout has minimum availability",
  notAvailable: "Rollout does not have minimum availability",
  paused: "Rollout is paused",
  resumed: "Rollout is resumed",
  retry: "Retrying Rollout after abort",
  healthy: "Rollout is healthy",
  notHealthy: "Rollout is not healthy",
  aborted: (revision: number) => `Rollout aborted update to revision ${revision}`,
  newReplicaSet: (name: string) => `Created new replica set "${name}"`,
  progressing: (name: string) => `ReplicaSet "${name}" is progressing.`,
  completed: (name: string) => `ReplicaSet "${name}" has successfully progressed.`,
};

/** A Rollout's conditions, changed the way Argo's SetRolloutCondition does. */
class RolloutConditions {
  constructor(
    readonly list: Json[],
    private readonly now: string,
  ) {}

  get(type: string): Json | undefined {
    return this.list.find((c) => c.type === type);
  }

  /** Sets a condition unless one with the same status and reason is there; true when it changed. */
  set(type: string, status: string, reason: string, message: string): boolean {
    const current = this.get(type);
    if (current && current.status === status && current.reason === reason) return false;
    const keepTransition = current !== undefined && current.status === status;
    this.remove(type);
    this.list.push({
      type,
      status,
      reason,
      message,
      lastTransitionTime: keepTransition ? (str(current.lastTransitionTime) ?? this.now) : this.now,
      lastUpdateTime: this.now,
    });
    return true;
  }

  remove(type: string): void {
    const i = this.list.findIndex((c) => c.type === type);
    if (i >= 0) this.list.splice(i, 1);
  }
}

function revisionOf(object: KubeObject): number {
  return int(object.metadata.annotations?.[ROLLOUT_REVISION_ANNOTATION]) ?? 0;
}

function hashOf(rs: KubeObject): string {
  return rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? "";
}

function specReplicas(rs: KubeObject): number {
  return int(rec(rs.spec).replicas) ?? 1;
}

function statusCount(rs: KubeObject, field: string): number {
  return int(rec(rs.status)[field]) ?? 0;
}

function ownerRef(owner: StoredObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** metav1.FormatLabelSelector: `app=x,tier in (a,b)`, requirements sorted by key. */
function formatSelector(selector: unknown): string {
  const s = rec(selector);
  const parts: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(rec(s.matchLabels))) {
    parts.push({ key, text: `${key}=${String(value)}` });
  }
  for (const e of recs(s.matchExpressions)) {
    const key = str(e.key) ?? "";
    const values = (Array.isArray(e.values) ? e.values : []).map(String).sort();
    const op = str(e.operator);
    const text =
      op === "In"
        ? `${key} in (${values.join(",")})`
        : op === "NotIn"
          ? `${key} notin (${values.join(",")})`
          : op === "DoesNotExist"
            ? `!${key}`
            : key;
    parts.push({ key, text });
  }
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.map((p) => p.text).join(",");
}

interface PauseContext {
  add: string[];
  remove: string[];
  clear: boolean;
  addAbort: boolean;
  removeAbort: boolean;
}

/** What one pass computed for the Rollout's status, before the common fields are filled in. */
interface RolloutOutcome {
  currentPodHash: string;
  stableRS: string | undefined;
  currentStepIndex: number | undefined;
  promoteFull: boolean;
  canary: Json;
}

// ---------------------------------------------------------------------------------------------
// KServe

const DEPLOYMENT_MODE_ANNOTATION = "serving.kserve.io/deploymentMode";
const TAG_ROUTING_ANNOTATION = "serving.kserve.io/enable-tag-routing";
const ISVC_LABEL = "serving.kserve.io/inferenceservice";
const REVISION_LABEL = "serving.knative.dev/revision";
const SERVERLESS_CONDITIONS = [
  "IngressReady",
  "LatestDeploymentReady",
  "PredictorConfigurationReady",
  "PredictorReady",
  "PredictorRouteReady",
  "Ready",
  "RoutesReady",
];
const RAW_CONDITIONS = ["IngressReady", "PredictorReady", "Ready"];

interface Revision {
  number: number;
  hash: string;
  /** what the revision was made from: the InferenceService's labels and the predictor spec */
  template: Json;
  /** made by this controller (it runs its pods); false for one found in the status at start */
  managed: boolean;
}

interface ServiceMemory {
  revisions: Map<string, Revision>;
  highest: number;
}

interface TrafficTarget {
  tag?: string;
  revisionName: string;
  latestRevision: boolean;
  percent: number;
  url?: string;
}

/**
 * What a predictor revision is made of, as KServe builds the Knative Service's template: the
 * predictor spec (canaryTrafficPercent is routing, not template) and the InferenceService's labels
 * and annotations, which KServe copies onto the revision template.
 */
function revisionTemplate(isvc: KubeObject): Json {
  const predictor = clone(rec(rec(isvc.spec).predictor));
  delete predictor.canaryTrafficPercent;
  const annotations = { ...(isvc.metadata.annotations ?? {}) };
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  return { labels: { ...(isvc.metadata.labels ?? {}) }, annotations, predictor };
}

function revisionNumber(name: string | undefined): number {
  const m = name ? /-(\d+)$/.exec(name) : null;
  return m ? Number(m[1]) : 0;
}

/** The serving container of a predictor: its own `containers`, or KServe's for a model format. */
function predictorContainers(predictor: Json): Json[] {
  const own = recs(predictor.containers);
  if (own.length) return own.map((c, i) => ({ ...c, name: str(c.name) ?? `container-${i}` }));
  const model = rec(predictor.model);
  const format = str(rec(model.modelFormat).name) ?? "model";
  const runtime = str(model.runtime) ?? `kserve-${format}server`;
  const version = str(model.runtimeVersion) ?? "latest";
  return [
    {
      name: "kserve-container",
      image: `kserve/${runtime}:${version}`,
      ...(isRecord(model.resources) ? { resources: model.resources } : {}),
      ...(str(model.storageUri) ? { env: [{ name: "STORAGE_URI", value: model.storageUri }] } : {}),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Pods

function runningPod(o: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  owner: OwnerReference;
  containers: Json[];
  node: string | undefined;
  createdAt: string;
}): KubeObject {
  const condition = (type: string) => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: o.createdAt,
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: o.labels,
      ownerReferences: [o.owner],
      creationTimestamp: o.createdAt,
    },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      containers: o.containers,
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
    },
    status: {
      phase: "Running",
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map(condition),
      startTime: o.createdAt,
      containerStatuses: o.containers.map((c) => ({
        name: str(c.name) ?? "",
        image: str(c.image) ?? "",
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: o.createdAt } },
      })),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The controllers

export interface ControllerOptions {
  /**
   * The clock the controllers start from (default: the time of attaching, frozen). It is read
   * whenever they reconcile; `advance()` and `setTime()` move their time relative to it.
   */
  clock?: () => Date;
  /** run the Argo Rollouts controller (default true) */
  rollouts?: boolean;
  /** run the KServe controller (default true) */
  inferenceServices?: boolean;
  /**
   * Pods, Running and Ready at once: for InferenceService revisions that get traffic (default
   * on; Flightdeck counts a predictor's ready pods) and for Rollouts' ReplicaSets (default off:
   * the ReplicaSets' status carries the counts). Bound to `nodes` in turn, else to no node (so
   * they take no GPUs from a node).
   */
  pods?: { rollouts?: boolean; inferenceServices?: boolean; nodes?: string[] };
  /** the cluster's domain in KServe's URLs (default example.com) */
  domain?: string;
  /** passes one object may take in one round before it is reported as not settling (default 100) */
  maxPasses?: number;
  /** called with every error a reconcile hits (they are also kept in `errors`) */
  onError?: (error: ControllerError) => void;
}

export interface ControllerError {
  /** `Rollout ns/name` or `InferenceService ns/name` */
  object: string;
  error: Error;
}

export interface KubeControllers {
  /** the controllers' time */
  now(): Date;
  /** moves the controllers' time forward and reconciles everything against it */
  advance(ms: number): void;
  /** sets the controllers' time (forward or back) and reconciles everything against it */
  setTime(time: Date | string): void;
  /** reconciles every Rollout and InferenceService now (a resync) */
  tick(): void;
  /** reconciles what is queued now, instead of on the next microtask */
  flush(): void;
  /** resolves once the changes made so far are reconciled; rejects with a reconcile's error */
  settled(): Promise<void>;
  /** the controllers stop reconciling (as if they were down): statuses lag their specs */
  pause(): void;
  /** back up: everything is reconciled again */
  resume(): void;
  readonly paused: boolean;
  readonly errors: readonly ControllerError[];
  /** detaches from the store for good */
  stop(): void;
}

type Task =
  | { kind: "rollout" | "isvc"; namespace: string; name: string }
  | { kind: "rollout-deleted" | "isvc-deleted"; namespace: string; name: string; uid: string };

function taskKey(t: Task): string {
  return "uid" in t
    ? `${t.kind}|${t.namespace}|${t.name}|${t.uid}`
    : `${t.kind}|${t.namespace}|${t.name}`;
}

/**
 * Attaches the Argo Rollouts and KServe controllers to a test API server (or its store); they
 * reconcile the objects already there at once.
 */
export function attachControllers(
  target: { store: KubeStore } | KubeStore,
  options: ControllerOptions = {},
): KubeControllers {
  const store = "store" in target ? target.store : target;
  return new Controllers(store, options);
}

class Controllers implements KubeControllers {
  readonly errors: ControllerError[] = [];
  private reported = 0;
  private readonly baseClock: () => Date;
  private offset = 0;
  private readonly queue = new Map<string, Task>();
  private scheduled = false;
  private draining = false;
  private down = false;
  private stopped = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly domain: string;
  private readonly maxPasses: number;
  private readonly rolloutPods: boolean;
  private readonly servicePods: boolean;
  private readonly nodes: string[];
  /** per Rollout uid: the status it had when first seen, taken as this controller's own */
  private readonly adopted = new Map<string, { generation: number; stepHash?: string }>();
  /** per InferenceService uid: the revisions this controller made (Knative's Revision objects) */
  private readonly services = new Map<string, ServiceMemory>();

  constructor(
    private readonly store: KubeStore,
    private readonly options: ControllerOptions,
  ) {
    const frozen = new Date();
    this.baseClock = options.clock ?? (() => frozen);
    this.domain = options.domain ?? "example.com";
    this.maxPasses = options.maxPasses ?? 100;
    this.rolloutPods = options.pods?.rollouts ?? false;
    this.servicePods = options.pods?.inferenceServices ?? true;
    this.nodes = options.pods?.nodes ?? [];
    const all = { labels: [], fields: [] };
    if (options.rollouts !== false) {
      this.unsubscribe.push(
        store.watch(store.typeOf(ROLLOUT.apiVersion, ROLLOUT.kind), all, (type, o) =>
          this.onRollout(type, o),
        ),
        store.watch(store.typeOf(REPLICA_SET.apiVersion, REPLICA_SET.kind), all, (_type, o) =>
          this.onReplicaSet(o),
        ),
      );
    }
    if (options.inferenceServices !== false) {
      this.unsubscribe.push(
        store.watch(store.typeOf(ISVC.apiVersion, ISVC.kind), all, (type, o) =>
          this.onInferenceService(type, o),
        ),
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // The API

  now(): Date {
    return new Date(this.baseClock().getTime() + this.offset);
  }

  advance(ms: number): void {
    this.offset += ms;
    this.tick();
  }

  setTime(time: Date | string): void {
    const t = typeof time === "string" ? new Date(time) : time;
    this.offset = t.getTime() - this.baseClock().getTime();
    this.tick();
  }

  tick(): void {
    this.resyncAll();
    this.flush();
    this.raise();
  }

  async settled(): Promise<void> {
    await Promise.resolve();
    this.flush();
    this.raise();
  }

  get paused(): boolean {
    return this.down;
  }

  pause(): void {
    this.down = true;
  }

  resume(): void {
    if (!this.down) return;
    this.down = false;
    this.resyncAll();
    this.flush();
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
    this.queue.clear();
  }

  flush(): void {
    if (this.draining || this.down || this.stopped) return;
    this.draining = true;
    const passes = new Map<string, number>();
    try {
      for (let next = this.queue.entries().next(); !next.done; next = this.queue.entries().next()) {
        const [key, task] = next.value;
        this.queue.delete(key);
        if (this.down || this.stopped) break;
        const n = (passes.get(key) ?? 0) + 1;
        passes.set(key, n);
        const what = `${task.kind.startsWith("rollout") ? "Rollout" : "InferenceService"} ${task.namespace}/${task.name}`;
        if (n > this.maxPasses) {
          if (n === this.maxPasses + 1) {
            this.fail(what, new Error(`${what} did not settle in ${this.maxPasses} passes`));
          }
          continue;
        }
        try {
          this.run(task);
        } catch (e) {
          this.fail(what, e instanceof Error ? e : new Error(String(e)));
        }
      }
    } finally {
      this.draining = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Queueing

  private enqueue(task: Task): void {
    if (this.stopped) return;
    this.queue.set(taskKey(task), task);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private resyncAll(): void {
    if (this.options.rollouts !== false) {
      for (const o of this.store.list(ROLLOUT.apiVersion, ROLLOUT.kind)) {
        this.enqueue({
          kind: "rollout",
          namespace: o.metadata.namespace ?? "",
          name: o.metadata.name,
        });
      }
    }
    if (this.options.inferenceServices !== false) {
      for (const o of this.store.list(ISVC.apiVersion, ISVC.kind)) {
        this.enqueue({
          kind: "isvc",
          namespace: o.metadata.namespace ?? "",
          name: o.metadata.name,
        });
      }
    }
  }

  private onRollout(type: ChangeType, o: StoredObject): void {
    const namespace = o.metadata.namespace ?? "";
    if (type === "DELETED") {
      this.enqueue({
        kind: "rollout-deleted",
        namespace,
        name: o.metadata.name,
        uid: o.metadata.uid,
      });
    } else this.enqueue({ kind: "rollout", namespace, name: o.metadata.name });
  }

  private onReplicaSet(o: StoredObject): void {
    const owner = (o.metadata.ownerReferences ?? []).find(
      (r) => r.kind === ROLLOUT.kind && r.controller === true,
    );
    if (owner)
      this.enqueue({ kind: "rollout", namespace: o.metadata.namespace ?? "", name: owner.name });
  }

  private onInferenceService(type: ChangeType, o: StoredObject): void {
    const namespace = o.metadata.namespace ?? "";
    if (type === "DELETED") {
      this.enqueue({ kind: "isvc-deleted", namespace, name: o.metadata.name, uid: o.metadata.uid });
    } else this.enqueue({ kind: "isvc", namespace, name: o.metadata.name });
  }

  private run(task: Task): void {
    switch (task.kind) {
      case "rollout":
        this.reconcileRollout(task.namespace, task.name);
        return;
      case "isvc":
        this.reconcileInferenceService(task.namespace, task.name);
        return;
      case "rollout-deleted":
        this.collectRollout(task.namespace, task.uid);
        return;
      case "isvc-deleted":
        this.collectInferenceService(task.namespace, task.name, task.uid);
        return;
    }
  }

  private fail(object: string, error: Error): void {
    const e = { object, error };
    this.errors.push(e);
    this.options.onError?.(e);
  }

  /** Throws the first error not thrown yet. */
  private raise(): void {
    if (this.reported >= this.errors.length) return;
    const e = this.errors[this.reported];
    this.reported = this.errors.length;
    if (e)
      throw new Error(`controller error on ${e.object}: ${e.error.message}`, { cause: e.error });
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  private write(object: KubeObject): StoredObject {
    return this.store.apply(wire(object));
  }

  private nodeFor(index: number): string | undefined {
    return this.nodes.length ? this.nodes[index % this.nodes.length] : undefined;
  }

  /**
   * Makes the pods of one owner match: `count` pods named `${prefix}-${suffix(i)}`, the others
   * among `existing` deleted.
   */
  private syncPods(o: {
    existing: StoredObject[];
    count: number;
    name: (i: number) => string;
    build: (name: string, i: number) => KubeObject;
  }): void {
    const wanted = new Set<string>();
    for (let i = 0; i < o.count; i++) wanted.add(o.name(i));
    for (const pod of o.existing) {
      if (!wanted.has(pod.metadata.name))
        this.store.delete({ ...POD, namespace: pod.metadata.namespace, name: pod.metadata.name });
    }
    const have = new Set(o.existing.map((p) => p.metadata.name));
    let i = 0;
    for (const name of wanted) {
      if (!have.has(name)) this.write(o.build(name, i));
      i++;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Argo Rollouts

  private ownedReplicaSets(ro: StoredObject): StoredObject[] {
    return this.store
      .list(REPLICA_SET.apiVersion, REPLICA_SET.kind, { namespace: ro.metadata.namespace ?? "" })
      .filter((rs) =>
        (rs.metadata.ownerReferences ?? []).some(
          (r) => r.kind === ROLLOUT.kind && r.controller === true && r.uid === ro.metadata.uid,
        ),
      )
      .sort((a, b) =>
        a.metadata.creationTimestamp === b.metadata.creationTimestamp
          ? a.metadata.name < b.metadata.name
            ? -1
            : 1
          : a.metadata.creationTimestamp < b.metadata.creationTimestamp
            ? -1
            : 1,
      );
  }

  /** Scales a ReplicaSet (its pods ready at once) and sets its annotations; returns it as stored. */
  private updateReplicaSet(
    rs: StoredObject,
    change: { replicas?: number; annotations?: Record<string, string | null> },
  ): StoredObject {
    const next = clone(rs);
    const annotations = { ...(next.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(change.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    next.metadata.annotations = annotations;
    const spec = rec(next.spec);
    const replicas = change.replicas ?? specReplicas(rs);
    let generation = rs.metadata.generation ?? 1;
    if (replicas !== specReplicas(rs)) {
      spec.replicas = replicas;
      generation += 1;
      next.metadata.generation = generation;
      next.status = replicaSetStatus(replicas, generation);
    }
    next.spec = spec;
    if (jsonEqual(next, rs)) return rs;
    return this.write(next);
  }

  private reconcileRollout(namespace: string, name: string): void {
    const ref: ObjectRef = { ...ROLLOUT, namespace, name };
    const ro = this.store.get(ref);
    if (!ro) return;
    const spec = rec(ro.spec);
    const strategy = rec(spec.strategy);
    // Blue-green and workloadRef Rollouts are not simulated.
    if (!isRecord(strategy.canary) || !isRecord(spec.template)) return;
    const canary = strategy.canary;
    const template = spec.template;
    const old = rec(ro.status);
    const steps = recs(canary.steps);
    const stepCount = steps.length;
    const replicas = int(spec.replicas) ?? 1;
    const routed = isRecord(canary.trafficRouting);
    const generation = ro.metadata.generation ?? 1;
    const userPaused = spec.paused === true;
    const now = this.now();
    const nowTs = timestamp(now);
    const collisionCount = int(old.collisionCount);
    const stepHash = stepsHash(steps);

    // A Rollout first seen with an up-to-date status (objects loaded before the controllers
    // came up) is taken as this controller's own, whatever hashes its writer used.
    let adopted = this.adopted.get(ro.metadata.uid);
    if (!adopted) {
      adopted =
        old.observedGeneration === String(generation)
          ? {
              generation,
              ...(str(old.currentStepHash) ? { stepHash: str(old.currentStepHash) } : {}),
            }
          : { generation: -1 };
      this.adopted.set(ro.metadata.uid, adopted);
    }
    const trusted = adopted.generation === generation;

    let owned = this.ownedReplicaSets(ro);
    const byHash = (h: string | undefined) =>
      h ? owned.find((rs) => hashOf(rs) === h) : undefined;
    let newRS =
      owned.find((rs) => templatesEqual(rec(rs.spec).template, template)) ??
      (trusted ? byHash(str(old.currentPodHash)) : undefined);
    const stableHash = str(old.stableRS);
    const stableRS = byHash(stableHash);
    const isStable = (rs: StoredObject | undefined) =>
      rs !== undefined && stableRS !== undefined && rs.metadata.name === stableRS.metadata.name;

    const pause: PauseContext = {
      add: [],
      remove: [],
      clear: false,
      addAbort: false,
      removeAbort: false,
    };
    const aborted = () => !pause.removeAbort && (pause.addAbort || old.abort === true);
    const conditions = new RolloutConditions(
      recs(old.conditions).map((c) => ({ ...c })),
      nowTs,
    );
    const oldPauses = recs(old.pauseConditions);
    const wasPaused = oldPauses.length > 0 || userPaused;

    // checkPausedConditions: the Progressing and Paused conditions follow pauses and retries.
    {
      const progressing = conditions.get("Progressing");
      const progressingPaused = progressing?.reason === "RolloutPaused";
      const abortCondition = progressing?.reason === "RolloutAborted";
      if (wasPaused !== progressingPaused && !abortCondition) {
        if (wasPaused) conditions.set("Progressing", "Unknown", "RolloutPaused", MSG.paused);
        else conditions.set("Progressing", "Unknown", "RolloutResumed", MSG.resumed);
      }
      if (old.abort !== true && abortCondition) {
        conditions.set("Progressing", "Unknown", "RolloutRetry", MSG.retry);
      }
      const pausedTrue = conditions.get("Paused")?.status === "True";
      if (wasPaused !== pausedTrue && !abortCondition) {
        conditions.set("Paused", wasPaused ? "True" : "False", "RolloutPaused", MSG.paused);
      }
    }

    // Revisions: the desired ReplicaSet carries the highest, and the Rollout the same.
    let rolloutRevision = revisionOf(ro);
    const replaceOwned = (rs: StoredObject) => {
      owned = owned.map((o) => (o.metadata.name === rs.metadata.name ? rs : o));
      return rs;
    };
    const setRolloutRevision = (revision: number) => {
      if (revision === rolloutRevision) return;
      this.store.patch(ref, {
        metadata: { annotations: { [ROLLOUT_REVISION_ANNOTATION]: String(revision) } },
      });
      rolloutRevision = revision;
    };
    const syncRevision = (rs: StoredObject): StoredObject => {
      const maxOld = Math.max(
        0,
        ...owned.filter((o) => o.metadata.name !== rs.metadata.name).map(revisionOf),
      );
      let updated = rs;
      if (revisionOf(rs) < maxOld + 1) {
        updated = replaceOwned(
          this.updateReplicaSet(rs, {
            annotations: { [ROLLOUT_REVISION_ANNOTATION]: String(maxOld + 1) },
          }),
        );
      }
      setRolloutRevision(revisionOf(updated));
      return updated;
    };

    const podHash = newRS ? hashOf(newRS) : podTemplateHash(template, collisionCount);
    const oldStepHash = str(old.currentStepHash);
    const oldPodHash = str(old.currentPodHash);
    const stepsChanged =
      oldStepHash !== undefined &&
      oldStepHash !== stepHash &&
      !(trusted && oldStepHash === adopted.stepHash);
    const templateChanged = oldPodHash !== undefined && oldPodHash !== podHash;

    const finish = (outcome: RolloutOutcome) =>
      this.finishRollout({
        ro,
        ref,
        old,
        owned,
        newRS,
        outcome,
        conditions,
        pause,
        aborted: aborted(),
        wasPaused,
        replicas,
        routed,
        stepCount,
        stepHash,
        generation,
        revision: rolloutRevision,
        nowTs,
      });

    // A new template (or new steps): the update starts over from the first step, or, back on the
    // stable ReplicaSet, skips them all (Argo's "Rollback to stable").
    if (stepsChanged || templateChanged) {
      if (newRS) newRS = syncRevision(newRS);
      pause.clear = true;
      pause.removeAbort = true;
      let index = stepCount ? 0 : undefined;
      if (newRS && stableHash === hashOf(newRS) && stepCount) index = stepCount;
      finish({
        currentPodHash: podHash,
        stableRS: stableHash,
        currentStepIndex: index,
        promoteFull: false,
        canary: rec(old.canary),
      });
      return;
    }

    // The desired ReplicaSet: found (its revision brought up to date) or created.
    if (newRS) newRS = syncRevision(newRS);
    else if (!userPaused) {
      const hash = podTemplateHash(template, collisionCount);
      const rsName = `${ro.metadata.name}-${hash}`;
      const clash = this.store.get({ ...REPLICA_SET, namespace, name: rsName });
      if (clash) {
        // A hash collision: another template has this name; Argo bumps collisionCount.
        this.store.patchStatus(ref, { collisionCount: (collisionCount ?? 0) + 1 });
        return;
      }
      const weight = this.scaleWeight(old, steps);
      const count = stableRS ? canaryCount(replicas, weight) : replicas;
      const revision = Math.max(0, ...owned.map(revisionOf)) + 1;
      const labels: Record<string, string> = {
        ...(rec(rec(template.metadata).labels) as Record<string, string>),
        [POD_TEMPLATE_HASH_LABEL]: hash,
      };
      const selector = rec(clone(spec.selector));
      selector.matchLabels = { ...rec(selector.matchLabels), [POD_TEMPLATE_HASH_LABEL]: hash };
      const rsTemplate = clone(template);
      rsTemplate.metadata = { ...rec(rsTemplate.metadata), labels };
      newRS = this.write({
        ...REPLICA_SET,
        metadata: {
          name: rsName,
          namespace,
          labels,
          annotations: {
            [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
            [ROLLOUT_REVISION_ANNOTATION]: String(revision),
          },
          ownerReferences: [ownerRef(ro)],
          creationTimestamp: nowTs,
          generation: 1,
        },
        spec: {
          replicas: count,
          ...(int(spec.minReadySeconds) !== undefined
            ? { minReadySeconds: spec.minReadySeconds }
            : {}),
          selector,
          template: rsTemplate,
        },
        status: replicaSetStatus(count, 1),
      });
      owned = [...owned, newRS];
      setRolloutRevision(revision);
      conditions.set("Progressing", "True", "NewReplicaSetCreated", MSG.newReplicaSet(rsName));
    }

    // reconcileCanaryPause: arriving at a pause step pauses the rollout.
    const oldIndex = stepCount ? (int(old.currentStepIndex) ?? 0) : undefined;
    const currentStep = oldIndex !== undefined ? steps[oldIndex] : undefined;
    const pauseCondition = oldPauses.find((p) => p.reason === CANARY_PAUSE_STEP);
    if (!userPaused && old.promoteFull !== true && currentStep && isRecord(currentStep.pause)) {
      if (!pauseCondition && old.controllerPause !== true) pause.add.push(CANARY_PAUSE_STEP);
    }

    // Where the ReplicaSets should be for the current step, and whether they are there (read
    // before this pass scales them: a step completes on the pass after its scaling).
    const weight = this.scaleWeight(old, steps);
    const others = owned.filter((rs) => rs.metadata.name !== newRS?.metadata.name && !isStable(rs));
    let desiredNew = replicas;
    let desiredStable = 0;
    if (newRS && stableRS && !isStable(newRS)) {
      desiredNew = canaryCount(replicas, weight);
      desiredStable = routed ? replicas : Math.ceil((replicas * (100 - weight)) / 100);
    }
    const ready = (rs: StoredObject, n: number) =>
      specReplicas(rs) === n && statusCount(rs, "availableReplicas") === n;
    const atDesired =
      newRS !== undefined &&
      ready(newRS, desiredNew) &&
      (isStable(newRS) || (stableRS !== undefined && ready(stableRS, desiredStable))) &&
      (routed || others.every((rs) => statusCount(rs, "availableReplicas") === 0));
    const newRSBefore = newRS;

    // Traffic weights (trafficRouting only), as reconcileTrafficRouting sets them.
    let canaryStatus: Json = {};
    if (routed) {
      let desiredWeight = 0;
      const fullyPromoted = (str(old.stableRS) ?? "") === (str(old.currentPodHash) ?? "");
      const previousWeight = int(rec(rec(rec(old.canary).weights).canary).weight) ?? 0;
      if (fullyPromoted || aborted()) desiredWeight = 0;
      else if (!newRS || statusCount(newRS, "availableReplicas") === 0) desiredWeight = 0;
      else if (old.promoteFull === true) desiredWeight = previousWeight;
      else if (oldIndex !== undefined) {
        if (!atDesired) {
          for (let i = oldIndex - 1; i >= 0; i--) {
            const w = int(steps[i]?.setWeight);
            if (w !== undefined) {
              desiredWeight = w;
              break;
            }
          }
        } else if (oldIndex !== stepCount) desiredWeight = this.currentSetWeight(old, steps);
        else desiredWeight = 100;
      }
      const destination = (hash: string | undefined, service: unknown, w: number) => ({
        ...(hash ? { podTemplateHash: hash } : {}),
        ...(str(service) ? { serviceName: service } : {}),
        weight: w,
      });
      canaryStatus = {
        weights: {
          canary: destination(
            newRS ? hashOf(newRS) : undefined,
            canary.canaryService,
            desiredWeight,
          ),
          stable: destination(
            stableRS ? hashOf(stableRS) : undefined,
            canary.stableService,
            100 - desiredWeight,
          ),
        },
      };
    }

    // Scaling: the desired ReplicaSet and the stable one to their counts, the others down (after
    // scaleDownDelaySeconds with trafficRouting; an aborted canary after abortScaleDownDelaySeconds).
    if (newRS) {
      const deadline = (rs: StoredObject) =>
        Date.parse(rs.metadata.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION] ?? "");
      const scaleDownLater = (rs: StoredObject, delaySeconds: number): StoredObject => {
        if (specReplicas(rs) === 0) {
          return rs.metadata.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION]
            ? this.updateReplicaSet(rs, { annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: null } })
            : rs;
        }
        if (delaySeconds <= 0) {
          return this.updateReplicaSet(rs, {
            replicas: 0,
            annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: null },
          });
        }
        const at = deadline(rs);
        if (Number.isNaN(at)) {
          return this.updateReplicaSet(rs, {
            annotations: {
              [SCALE_DOWN_DEADLINE_ANNOTATION]: timestamp(
                new Date(now.getTime() + delaySeconds * 1000),
              ),
            },
          });
        }
        if (now.getTime() >= at) {
          return this.updateReplicaSet(rs, {
            replicas: 0,
            annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: null },
          });
        }
        return rs;
      };
      const desiredAnnotation = { [DESIRED_REPLICAS_ANNOTATION]: String(replicas) };

      if (aborted() && routed && !isStable(newRS)) {
        const delay = int(canary.abortScaleDownDelaySeconds) ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS;
        // abortScaleDownDelaySeconds: 0 leaves the canary up
        newRS = replaceOwned(
          delay === 0
            ? this.updateReplicaSet(newRS, { annotations: desiredAnnotation })
            : scaleDownLater(newRS, delay),
        );
      } else {
        newRS = replaceOwned(
          this.updateReplicaSet(newRS, {
            replicas: desiredNew,
            annotations: { ...desiredAnnotation, [SCALE_DOWN_DEADLINE_ANNOTATION]: null },
          }),
        );
      }
      if (stableRS && !isStable(newRS)) {
        replaceOwned(
          this.updateReplicaSet(stableRS, {
            replicas: desiredStable,
            annotations: { ...desiredAnnotation, [SCALE_DOWN_DEADLINE_ANNOTATION]: null },
          }),
        );
      }
      for (const rs of others) {
        const delay = routed
          ? (int(canary.scaleDownDelaySeconds) ?? DEFAULT_SCALE_DOWN_DELAY_SECONDS)
          : 0;
        replaceOwned(scaleDownLater(rs, delay));
      }
    }
    if (this.rolloutPods) for (const rs of owned) this.syncReplicaSetPods(rs);

    // syncRolloutStatusCanary
    const outcome: RolloutOutcome = {
      currentPodHash: newRS ? hashOf(newRS) : podHash,
      stableRS: stableHash,
      currentStepIndex: oldIndex,
      promoteFull: (newRS ? hashOf(newRS) : podHash) !== stableHash && old.promoteFull === true,
      canary: canaryStatus,
    };
    if (old.promoteFull === true) {
      pause.clear = true;
      pause.removeAbort = true;
      if (stepCount) outcome.currentStepIndex = stepCount;
    }
    // shouldFullPromote
    let promote = false;
    if (!stableRS)
      promote = true; // the initial deploy
    else if (
      !aborted() &&
      newRSBefore &&
      statusCount(newRSBefore, "availableReplicas") === replicas &&
      (old.promoteFull === true || stepCount === 0 || outcome.currentStepIndex === stepCount)
    ) {
      promote = true;
    }
    if (promote && newRS) {
      pause.clear = true;
      pause.removeAbort = true;
      outcome.promoteFull = false;
      outcome.currentStepIndex = stepCount ? stepCount : undefined;
      outcome.stableRS = hashOf(newRS);
      finish(outcome);
      return;
    }
    if (aborted()) {
      if (stepCount)
        outcome.currentStepIndex = stableHash === outcome.currentPodHash ? stepCount : 0;
      finish(outcome);
      return;
    }
    // completedCurrentCanaryStep
    if (!userPaused && currentStep && oldIndex !== undefined) {
      let completed = false;
      if (isRecord(currentStep.pause)) {
        const duration = currentStep.pause.duration;
        if (old.controllerPause === true && !pauseCondition) completed = true;
        else if (duration !== undefined && duration !== null && pauseCondition) {
          const start = Date.parse(str(pauseCondition.startTime) ?? "");
          completed = now.getTime() >= start + pauseDurationSeconds(duration) * 1000;
        }
      } else if (currentStep.setWeight !== undefined) {
        completed = atDesired;
      } else {
        // analysis, experiment, setCanaryScale, header and mirror routes: not simulated, they
        // complete at once
        completed = true;
      }
      if (completed) {
        outcome.currentStepIndex = oldIndex + 1;
        pause.remove.push(CANARY_PAUSE_STEP);
      }
    }
    finish(outcome);
  }

  /** GetCanaryReplicasOrWeight: the weight the ReplicaSets are scaled to. */
  private scaleWeight(old: Json, steps: Json[]): number {
    if (old.promoteFull === true || !str(old.stableRS) || old.currentPodHash === old.stableRS)
      return 100;
    return this.currentSetWeight(old, steps);
  }

  /** GetCurrentSetWeight: 0 when aborted, else the last setWeight at or before the current step. */
  private currentSetWeight(old: Json, steps: Json[]): number {
    if (old.abort === true) return 0;
    const index = int(old.currentStepIndex) ?? 0;
    if (index >= steps.length) return 100;
    for (let i = index; i >= 0; i--) {
      const w = int(steps[i]?.setWeight);
      if (w !== undefined) return w;
    }
    return 0;
  }

  /** calculateRolloutConditions, CalculatePauseStatus and CalculateRolloutPhase, then the write. */
  private finishRollout(c: {
    ro: StoredObject;
    ref: ObjectRef;
    old: Json;
    owned: StoredObject[];
    newRS: StoredObject | undefined;
    outcome: RolloutOutcome;
    conditions: RolloutConditions;
    pause: PauseContext;
    aborted: boolean;
    wasPaused: boolean;
    replicas: number;
    routed: boolean;
    stepCount: number;
    stepHash: string;
    generation: number;
    revision: number;
    nowTs: string;
  }): void {
    const { old, owned, newRS, outcome, conditions, replicas } = c;
    const sum = (field: string) => owned.reduce((n, rs) => n + statusCount(rs, field), 0);
    const actual = sum("replicas");
    const updated = newRS ? statusCount(newRS, "replicas") : 0;
    const readyReplicas = sum("readyReplicas");
    const available = sum("availableReplicas");
    const stable = outcome.stableRS;
    const index = outcome.currentStepIndex;

    // Healthy and Progressing
    const executedAllSteps = c.stepCount > 0 && index !== undefined ? index === c.stepCount : true;
    const healthy =
      updated === replicas &&
      available === replicas &&
      old.observedGeneration === String(c.generation) &&
      executedAllSteps &&
      stable !== undefined &&
      stable === outcome.currentPodHash &&
      actual === replicas;
    let becameUnhealthy = false;
    if (!c.wasPaused && healthy) {
      conditions.set("Healthy", "True", "RolloutHealthy", MSG.healthy);
    } else if (conditions.get("Healthy")) {
      becameUnhealthy = conditions.set("Healthy", "False", "RolloutHealthy", MSG.notHealthy);
    }
    if (c.aborted) {
      conditions.set("Progressing", "False", "RolloutAborted", MSG.aborted(c.revision));
    } else {
      const rsName = newRS?.metadata.name ?? "";
      const progressed =
        outcome.stableRS !== str(old.stableRS) ||
        (index !== undefined &&
          int(old.currentStepIndex) !== undefined &&
          index !== int(old.currentStepIndex)) ||
        c.stepHash !== str(old.currentStepHash) ||
        updated !== (int(old.updatedReplicas) ?? 0) ||
        actual - updated < (int(old.replicas) ?? 0) - (int(old.updatedReplicas) ?? 0) ||
        readyReplicas > (int(old.readyReplicas) ?? 0) ||
        available > (int(old.availableReplicas) ?? 0);
      if (healthy) {
        conditions.set("Progressing", "True", "NewReplicaSetAvailable", MSG.completed(rsName));
      } else if (progressed || becameUnhealthy) {
        const current = conditions.get("Progressing");
        const reason =
          stable === outcome.currentPodHash && becameUnhealthy
            ? "ReplicaSetNotAvailable"
            : "ReplicaSetUpdated";
        const message = reason === "ReplicaSetUpdated" ? MSG.progressing(rsName) : MSG.notAvailable;
        const transition =
          current?.status === "True" ? (str(current.lastTransitionTime) ?? c.nowTs) : c.nowTs;
        conditions.remove("Progressing");
        conditions.list.push({
          type: "Progressing",
          status: "True",
          reason,
          message,
          lastTransitionTime: transition,
          lastUpdateTime: c.nowTs,
        });
      }
    }
    if (available >= replicas)
      conditions.set("Available", "True", "AvailableReason", MSG.available);
    else conditions.set("Available", "False", "AvailableReason", MSG.notAvailable);
    const completed = stable !== undefined && stable === outcome.currentPodHash;
    conditions.set(
      "Completed",
      completed ? "True" : "False",
      "RolloutCompleted",
      "RolloutCompleted",
    );

    // CalculatePauseStatus
    const status: Json = {
      HPAReplicas: actual,
      availableReplicas: available,
      blueGreen: {},
      canary: outcome.canary,
      ...(old.collisionCount !== undefined ? { collisionCount: old.collisionCount } : {}),
      conditions: conditions.list,
      currentPodHash: outcome.currentPodHash,
      currentStepHash: c.stepHash,
      ...(index !== undefined ? { currentStepIndex: index } : {}),
      observedGeneration: String(c.generation),
      readyReplicas,
      replicas: actual,
      selector: formatSelector(rec(c.ro.spec).selector),
      ...(stable ? { stableRS: stable } : {}),
      updatedReplicas: updated,
      ...(outcome.promoteFull ? { promoteFull: true } : {}),
      ...(old.restartedAt !== undefined ? { restartedAt: old.restartedAt } : {}),
    };
    const { pause } = c;
    if (pause.addAbort || (!pause.removeAbort && old.abort === true)) {
      status.abort = true;
      status.abortedAt = str(old.abortedAt) ?? c.nowTs;
    } else if (!pause.clear) {
      let controllerPause = old.controllerPause === true;
      const remove = new Set(pause.remove);
      const kept = recs(old.pauseConditions).filter((p) => !remove.has(str(p.reason) ?? ""));
      const existing = new Set(recs(old.pauseConditions).map((p) => str(p.reason)));
      for (const reason of pause.add) {
        if (existing.has(reason)) continue;
        kept.push({ reason, startTime: c.nowTs });
        controllerPause = true;
      }
      if (kept.length) {
        status.pauseConditions = kept;
        if (controllerPause) status.controllerPause = true;
      }
    }

    // CalculateRolloutPhase
    const [phase, message] = rolloutPhase(rec(c.ro.spec), status, replicas, c.routed);
    status.phase = phase;
    if (message) status.message = message;
    this.store.patchStatus(c.ref, () => wire(status));
  }

  private syncReplicaSetPods(rs: StoredObject): void {
    const namespace = rs.metadata.namespace ?? "";
    const existing = this.store
      .list(POD.apiVersion, POD.kind, { namespace })
      .filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === rs.metadata.uid));
    const template = rec(rec(rs.spec).template);
    const labels = { ...(rec(rec(template.metadata).labels) as Record<string, string>) };
    const containers = recs(rec(template.spec).containers);
    const createdAt = timestamp(this.now());
    this.syncPods({
      existing,
      count: specReplicas(rs),
      name: (i) => `${rs.metadata.name}-${hashText(`${rs.metadata.name}/${i}`).slice(0, 5)}`,
      build: (name, i) =>
        runningPod({
          name,
          namespace,
          labels,
          owner: ownerRef(rs),
          containers,
          node: this.nodeFor(i),
          createdAt,
        }),
    });
  }

  /** The garbage collector's part: a deleted Rollout's ReplicaSets and their pods go too. */
  private collectRollout(namespace: string, uid: string): void {
    this.adopted.delete(uid);
    const ownedBy = (o: StoredObject, owner: string) =>
      (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner);
    const sets = this.store
      .list(REPLICA_SET.apiVersion, REPLICA_SET.kind, { namespace })
      .filter((rs) => ownedBy(rs, uid));
    if (!sets.length) return;
    const pods = this.store.list(POD.apiVersion, POD.kind, { namespace });
    for (const rs of sets) {
      for (const pod of pods) {
        if (ownedBy(pod, rs.metadata.uid))
          this.store.delete({ ...POD, namespace, name: pod.metadata.name });
      }
      this.store.delete({ ...REPLICA_SET, namespace, name: rs.metadata.name });
    }
  }

  // -------------------------------------------------------------------------------------------
  // KServe

  private reconcileInferenceService(namespace: string, name: string): void {
    const ref: ObjectRef = { ...ISVC, namespace, name };
    const isvc = this.store.get(ref);
    if (!isvc) return;
    const annotations = isvc.metadata.annotations ?? {};
    const mode = annotations[DEPLOYMENT_MODE_ANNOTATION] ?? "Serverless";
    if (mode === "ModelMesh") return;
    if (mode === "RawDeployment" || mode === "Standard") {
      this.reconcileRawInferenceService(isvc, ref, mode);
      return;
    }
    const predictor = rec(rec(isvc.spec).predictor);
    const old = rec(isvc.status);
    const oldPredictor = rec(rec(old.components).predictor);
    const generation = isvc.metadata.generation ?? 1;
    const template = revisionTemplate(isvc);
    const hash = hashText(canonicalJson(template));
    const nowTs = timestamp(this.now());

    // Knative makes a new Revision whenever the template changes. An InferenceService first seen
    // with an up-to-date status keeps the revision it names as the current template's.
    const before = str(oldPredictor.latestCreatedRevision);
    let memory = this.services.get(isvc.metadata.uid);
    if (!memory) {
      memory = { revisions: new Map(), highest: revisionNumber(before) };
      if (before && int(old.observedGeneration) === generation) {
        memory.revisions.set(before, {
          number: revisionNumber(before),
          hash,
          template,
          managed: false,
        });
      }
      this.services.set(isvc.metadata.uid, memory);
    }
    let latestCreated = before;
    if (!latestCreated || memory.revisions.get(latestCreated)?.hash !== hash) {
      const n = Math.max(memory.highest, revisionNumber(before)) + 1;
      latestCreated = `${name}-predictor-${String(n).padStart(5, "0")}`;
      memory.revisions.set(latestCreated, { number: n, hash, template, managed: true });
      memory.highest = n;
    }
    // Revisions are ready at once.
    const latestReady = latestCreated;

    // The Knative Service's traffic, as KServe's createKnativeService writes it from the status
    // it had: the canary percent to the latest revision, the rest to the last rolled-out one.
    const percent = int(predictor.canaryTrafficPercent);
    const tagRouting = annotations[TAG_ROUTING_ANNOTATION] === "true";
    const lastRolledOut = str(oldPredictor.latestRolledoutRevision);
    const tagUrl = (tag: string) => `http://${tag}-${name}-predictor.${namespace}.${this.domain}`;
    const latestTarget = (p: number): TrafficTarget => ({
      ...(tagRouting ? { tag: "latest" } : {}),
      revisionName: latestReady,
      latestRevision: true,
      percent: p,
      ...(tagRouting ? { url: tagUrl("latest") } : {}),
    });
    const traffic: TrafficTarget[] = [];
    if (percent !== undefined && lastRolledOut) {
      traffic.push(latestTarget(percent));
      if (percent < 100) {
        traffic.push({
          tag: "prev",
          revisionName: lastRolledOut,
          latestRevision: false,
          percent: 100 - percent,
          url: tagUrl("prev"),
        });
      }
    } else traffic.push(latestTarget(100));

    // PropagateStatus: the last revision rolled out with 100% (and the one before it).
    let latestRolledOut = lastRolledOut;
    let previousRolledOut = str(oldPredictor.previousRolledoutRevision);
    const byRevision = new Map<string, number>();
    for (const t of traffic)
      byRevision.set(t.revisionName, (byRevision.get(t.revisionName) ?? 0) + t.percent);
    for (const t of traffic) {
      if (t.revisionName !== latestReady || !t.latestRevision) continue;
      if (latestRolledOut !== latestReady) {
        if (t.percent === 100) {
          previousRolledOut = latestRolledOut;
          latestRolledOut = latestReady;
        }
      } else if (
        latestReady === latestCreated &&
        t.percent < 100 &&
        byRevision.get(t.revisionName) === 100 &&
        previousRolledOut
      ) {
        // rolled back after a full rollout: the traffic went to the revision itself as "prev"
        latestRolledOut = previousRolledOut;
      }
    }

    // Pods follow the traffic: a revision with some gets its minReplicas (at least one).
    const podsPerRevision = Math.max(1, int(predictor.minReplicas) ?? 1);
    if (this.servicePods) {
      const existing = this.store.list(POD.apiVersion, POD.kind, {
        namespace,
        labelSelector: `${ISVC_LABEL}=${name}`,
      });
      for (const [revisionName, revision] of memory.revisions) {
        if (!revision.managed) continue;
        const count = (byRevision.get(revisionName) ?? 0) > 0 ? podsPerRevision : 0;
        this.syncRevisionPods(isvc, revisionName, revision, count, existing, nowTs);
      }
    }
    const latestPods = (byRevision.get(latestReady) ?? 0) > 0 ? podsPerRevision : 0;

    const predictorStatus: Json = {
      ...oldPredictor,
      latestCreatedRevision: latestCreated,
      latestReadyRevision: latestReady,
      latestRolledoutRevision: latestRolledOut,
      previousRolledoutRevision: previousRolledOut,
      traffic,
      url: `http://${name}-predictor.${namespace}.${this.domain}`,
      address: { url: `http://${name}-predictor.${namespace}.svc.cluster.local` },
    };
    this.store.patchStatus(ref, () =>
      wire({
        ...old,
        url: `http://${name}.${namespace}.${this.domain}`,
        address: { url: `http://${name}.${namespace}.svc.cluster.local` },
        observedGeneration: generation,
        deploymentMode: "Serverless",
        conditions: readyConditions(old.conditions, SERVERLESS_CONDITIONS, nowTs),
        modelStatus: modelStatus(latestPods),
        components: { ...rec(old.components), predictor: predictorStatus },
      }),
    );
  }

  private syncRevisionPods(
    isvc: StoredObject,
    revisionName: string,
    revision: Revision,
    count: number,
    existing: StoredObject[],
    createdAt: string,
  ): void {
    const name = isvc.metadata.name;
    const namespace = isvc.metadata.namespace ?? "";
    const predictor = rec(revision.template.predictor);
    const rsHash = hashText(`${revisionName}/deployment`).slice(0, 10);
    const labels: Record<string, string> = {
      ...(rec(revision.template.labels) as Record<string, string>),
      ...(rec(predictor.labels) as Record<string, string>),
      app: revisionName,
      component: "predictor",
      [ISVC_LABEL]: name,
      "serving.knative.dev/configuration": `${name}-predictor`,
      "serving.knative.dev/configurationGeneration": String(revision.number),
      "serving.knative.dev/service": `${name}-predictor`,
      [REVISION_LABEL]: revisionName,
      "pod-template-hash": rsHash,
    };
    const deployment = `${revisionName}-deployment-${rsHash}`;
    this.syncPods({
      existing: existing.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revisionName),
      count,
      name: (i) => `${deployment}-${hashText(`${revisionName}/${i}`).slice(0, 5)}`,
      build: (podName, i) =>
        runningPod({
          name: podName,
          namespace,
          labels,
          owner: {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: deployment,
            uid: uidFor(`replicaset/${namespace}/${deployment}`),
            controller: true,
            blockOwnerDeletion: true,
          },
          containers: predictorContainers(predictor),
          node: this.nodeFor(i),
          createdAt,
        }),
    });
  }

  /** RawDeployment/Standard mode: one Deployment, no revisions, no traffic split (KServe has none). */
  private reconcileRawInferenceService(isvc: StoredObject, ref: ObjectRef, mode: string): void {
    const name = isvc.metadata.name;
    const namespace = isvc.metadata.namespace ?? "";
    const predictor = rec(rec(isvc.spec).predictor);
    const old = rec(isvc.status);
    const nowTs = timestamp(this.now());
    const count = Math.max(1, int(predictor.minReplicas) ?? 1);
    if (this.servicePods) {
      const template = revisionTemplate(isvc);
      const rsHash = hashText(canonicalJson(template)).slice(0, 10);
      const deployment = `${name}-predictor-${rsHash}`;
      const existing = this.store.list(POD.apiVersion, POD.kind, {
        namespace,
        labelSelector: `${ISVC_LABEL}=${name}`,
      });
      const labels: Record<string, string> = {
        ...(isvc.metadata.labels ?? {}),
        ...(rec(predictor.labels) as Record<string, string>),
        app: `isvc.${name}-predictor`,
        component: "predictor",
        [ISVC_LABEL]: name,
        "pod-template-hash": rsHash,
      };
      this.syncPods({
        existing,
        count,
        name: (i) => `${deployment}-${hashText(`${deployment}/${i}`).slice(0, 5)}`,
        build: (podName, i) =>
          runningPod({
            name: podName,
            namespace,
            labels,
            owner: {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: deployment,
              uid: uidFor(`replicaset/${namespace}/${deployment}`),
              controller: true,
              blockOwnerDeletion: true,
            },
            containers: predictorContainers(predictor),
            node: this.nodeFor(i),
            createdAt: nowTs,
          }),
      });
    }
    this.store.patchStatus(ref, () =>
      wire({
        ...old,
        url: `http://${name}-${namespace}.${this.domain}`,
        address: { url: `http://${name}-predictor.${namespace}.svc.cluster.local` },
        observedGeneration: isvc.metadata.generation ?? 1,
        deploymentMode: mode,
        conditions: readyConditions(old.conditions, RAW_CONDITIONS, nowTs),
        modelStatus: modelStatus(count),
        components: {
          ...rec(old.components),
          predictor: {
            url: `http://${name}-predictor-${namespace}.${this.domain}`,
            address: { url: `http://${name}-predictor.${namespace}.svc.cluster.local` },
          },
        },
      }),
    );
  }

  /** A deleted InferenceService's pods go too, and its revisions are forgotten. */
  private collectInferenceService(namespace: string, name: string, uid: string): void {
    this.services.delete(uid);
    for (const pod of this.store.list(POD.apiVersion, POD.kind, {
      namespace,
      labelSelector: `${ISVC_LABEL}=${name}`,
    })) {
      this.store.delete({ ...POD, namespace, name: pod.metadata.name });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Status pieces

function canaryCount(replicas: number, weight: number): number {
  return Math.min(replicas, Math.ceil((replicas * weight) / 100));
}

function replicaSetStatus(replicas: number, observedGeneration: number): Json {
  return replicas > 0
    ? {
        replicas,
        fullyLabeledReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        observedGeneration,
      }
    : { replicas: 0, observedGeneration };
}

/** CalculateRolloutPhase (utils/rollout/rolloututil.go) for the canary strategy. */
function rolloutPhase(
  spec: Json,
  status: Json,
  replicas: number,
  routed: boolean,
): [string, string] {
  for (const c of recs(status.conditions)) {
    if (c.type === "InvalidSpec") return ["Degraded", `InvalidSpec: ${str(c.message) ?? ""}`];
    if (c.reason === "RolloutAborted" || c.reason === "ProgressDeadlineExceeded") {
      return ["Degraded", `${String(c.reason)}: ${str(c.message) ?? ""}`];
    }
  }
  if (spec.paused === true) return ["Paused", "manually paused"];
  const pauses = recs(status.pauseConditions);
  if (pauses[0]) return ["Paused", str(pauses[0].reason) ?? ""];
  const updated = int(status.updatedReplicas) ?? 0;
  if (updated < replicas) return ["Progressing", "more replicas need to be updated"];
  if ((int(status.availableReplicas) ?? 0) < updated) {
    return ["Progressing", "updated replicas are still becoming available"];
  }
  if (!routed && (int(status.replicas) ?? 0) > updated) {
    return ["Progressing", "old replicas are pending termination"];
  }
  if (!str(status.stableRS) || status.stableRS !== status.currentPodHash) {
    return ["Progressing", "waiting for all steps to complete"];
  }
  return ["Healthy", ""];
}

/** Knative-style conditions, all True, keeping when each became so. */
function readyConditions(old: unknown, types: string[], now: string): Json[] {
  const previous = recs(old);
  return types.map((type) => {
    const p = previous.find((c) => c.type === type);
    return {
      type,
      status: "True",
      lastTransitionTime: p?.status === "True" ? (str(p.lastTransitionTime) ?? now) : now,
    };
  });
}

function modelStatus(copies: number): Json {
  return {
    transitionStatus: "UpToDate",
    states: { activeModelState: "Loaded", targetModelState: "Loaded" },
    copies: { failedCopies: 0, totalCopies: copies },
  };
}
