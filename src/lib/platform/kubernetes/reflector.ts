/**
 * A cache of one resource of one cluster, kept current the way client-go's reflector does: list
 * (page by page), then watch from the list's resource version with bookmarks; a `410 Gone` lists
 * again; a broken watch reconnects with exponential backoff (a 429 waits its `Retry-After`); and
 * a periodic resync lists again in case an event was ever missed. Page views read the cache and
 * never call the API server.
 */
import { clock } from "@/lib/clock";
import {
  describeKubeError,
  KubeApiError,
  type KubeConnection,
  type KubeObject,
  type WatchEvent,
} from "./client";

export interface ResourceKind {
  /** name used in messages and freshness: "nodes", "rollouts.argoproj.io" */
  name: string;
  /** collection path across namespaces, e.g. /apis/apps/v1/deployments */
  path: string;
  /** a custom resource a cluster may not have installed: 404 means none, not an error */
  optional?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  /** keeps only what is read of each object, to spare memory in large clusters */
  transform?: (object: KubeObject) => KubeObject;
}

export interface ReflectorTiming {
  /** first reconnect delay, doubled per failure up to maxBackoffMs */
  backoffMs: number;
  maxBackoffMs: number;
  /** list again this often even when the watch is healthy */
  resyncMs: number;
  /** a watch that sends nothing (not even a bookmark) for this long is reconnected */
  idleMs: number;
  /** asked of the server for each watch; it ends the stream after about this long */
  watchTimeoutSeconds: number;
  pageSize: number;
}

export const DEFAULT_TIMING: ReflectorTiming = {
  backoffMs: 1_000,
  maxBackoffMs: 60_000,
  resyncMs: 10 * 60_000,
  idleMs: 3 * 60_000,
  watchTimeoutSeconds: 300,
  pageSize: 500,
};

export interface ResourceFreshness {
  resource: string;
  /** the cache matched the server at this instant (list, event or bookmark); null before the first list */
  asOf: Date | null;
  /** the watch is connected (or the resource is absent and that was just confirmed) */
  live: boolean;
  /** why it is not live */
  error: string | null;
  /** a custom resource the cluster does not serve */
  absent: boolean;
  objects: number;
}

const key = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

export class Reflector {
  private readonly objects = new Map<string, KubeObject>();
  private resourceVersion = "";
  private asOf: Date | null = null;
  private live = false;
  private absent = false;
  private error: string | null = null;
  private failures = 0;
  private listedAt = 0;
  private controller: AbortController | null = null;
  private running: Promise<void> | null = null;
  private readonly listeners = new Set<() => void>();
  /** resolves once the first list succeeded or failed */
  readonly firstSync: Promise<void>;
  private settleFirst: () => void = () => {};

  constructor(
    private readonly connection: KubeConnection,
    readonly kind: ResourceKind,
    private readonly timing: ReflectorTiming = DEFAULT_TIMING,
  ) {
    this.firstSync = new Promise((resolve) => (this.settleFirst = resolve));
  }

  start(): void {
    if (this.running) return;
    this.controller = new AbortController();
    this.running = this.loop(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
    this.running = null;
  }

  /** The resourceVersion the cache is at (its list's, then each event's and bookmark's). */
  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  items(): KubeObject[] {
    return [...this.objects.values()];
  }

  freshness(): ResourceFreshness {
    return {
      resource: this.kind.name,
      asOf: this.asOf,
      live: this.live,
      error: this.error,
      absent: this.absent,
      objects: this.objects.size,
    };
  }

  /** Called after every change to the cache (tests wait on it instead of sleeping). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Counts changes to the cache, so derived figures are computed again only after one. */
  changes = 0;

  private changed(): void {
    this.changes += 1;
    for (const l of this.listeners) l();
  }

  private async list(signal: AbortSignal): Promise<void> {
    try {
      const { items, resourceVersion } = await this.connection.listAll(
        this.kind.path,
        this.selectors(),
        this.timing.pageSize,
        signal,
      );
      this.objects.clear();
      for (const item of items) this.objects.set(key(item), this.slim(item));
      this.resourceVersion = resourceVersion;
      this.absent = false;
    } catch (error) {
      if (this.kind.optional && error instanceof KubeApiError && error.status === 404) {
        this.objects.clear();
        this.resourceVersion = "";
        this.absent = true;
      } else {
        throw error;
      }
    }
    this.listedAt = clock.ms();
    this.asOf = clock.now();
    this.live = true;
    this.error = null;
    this.failures = 0;
    this.changed();
  }

  private selectors() {
    return { labelSelector: this.kind.labelSelector, fieldSelector: this.kind.fieldSelector };
  }

  private slim(object: KubeObject): KubeObject {
    return this.kind.transform ? this.kind.transform(object) : object;
  }

  private apply(event: WatchEvent): void {
    const object = event.object;
    if (event.type === "ERROR") {
      const code = object.code ?? 0;
      throw new KubeApiError(code, object.reason ?? "Error", object.message ?? "watch error");
    }
    if (object.metadata?.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
    this.asOf = clock.now();
    if (event.type === "ADDED" || event.type === "MODIFIED")
      this.objects.set(key(object), this.slim(object));
    else if (event.type === "DELETED") this.objects.delete(key(object));
    this.changed();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const resyncDue = clock.ms() - this.listedAt >= this.timing.resyncMs;
        if (!this.resourceVersion || resyncDue) {
          await this.list(signal);
          this.settleFirst();
        }
        if (this.absent) {
          // No such resource here: look again at the next resync.
          await sleep(this.timing.resyncMs, signal);
          continue;
        }
        await this.connection.watch(this.kind.path, this.resourceVersion, (e) => this.apply(e), {
          signal,
          query: this.selectors(),
          onOpen: () => {
            this.live = true;
            this.error = null;
            this.failures = 0;
            this.changed();
          },
          idleMs: this.timing.idleMs,
          timeoutSeconds: this.timing.watchTimeoutSeconds,
        });
        // The server ended the watch (its timeout): watch again from where it stopped.
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof KubeApiError && error.status === 410) {
          // Expired resource version: list again at once.
          this.resourceVersion = "";
          continue;
        }
        this.live = false;
        this.error = describeKubeError(error);
        this.failures += 1;
        this.settleFirst();
        this.changed();
        const wait = retryDelay(error, this.failures, this.timing, Math.random());
        await sleep(wait, signal);
      }
    }
    this.live = false;
  }
}

/**
 * How long to wait before the next attempt after `failures` failures in a row: the server's
 * `Retry-After` when it sent one (a 429 or 503), else exponential backoff with ±20% jitter.
 */
export function retryDelay(
  error: unknown,
  failures: number,
  timing: Pick<ReflectorTiming, "backoffMs" | "maxBackoffMs">,
  random: number,
): number {
  if (error instanceof KubeApiError && error.retryAfterMs !== null) return error.retryAfterMs;
  const base = Math.min(timing.maxBackoffMs, timing.backoffMs * 2 ** Math.min(failures - 1, 16));
  return base * (0.8 + random * 0.4);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
