/**
 * One Kubernetes API server, spoken to over its REST protocol: JSON reads, paginated lists and
 * watch streams. Credentials come from the kubeconfig context (tokens, client certificates, exec
 * plugins) through @kubernetes/client-node; the requests themselves are plain HTTP(S) so that the
 * answer's status, `Retry-After` and `Status` body reach the caller, which the library's watch
 * helper does not pass on.
 */
import http from "node:http";
import https from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
}

/** Any Kubernetes object: the adapter reads the fields it needs defensively. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface KubeList {
  metadata: { resourceVersion?: string; continue?: string };
  items: KubeObject[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject & { code?: number; message?: string; reason?: string };
}

/** The API server answered with an error status (its `Status` message when it sent one). */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    /** from `Retry-After` on a 429 or 503 */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

/** The API server did not answer (refused, reset, timed out, TLS failure). */
export class KubeUnreachableError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = "KubeUnreachableError";
  }
}

const TLS_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed and not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "its TLS certificate chain is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its TLS certificate could not be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate does not name this server",
  CERT_NOT_YET_VALID: "its TLS certificate is not valid yet",
};

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
  ETIMEDOUT: "timed out",
};

/** A sentence for a failed call to a cluster's API: what an on-call engineer can act on. */
export function describeKubeError(error: unknown): string {
  if (error instanceof KubeApiError) {
    if (error.status === 401)
      return `401 Unauthorized: the cluster refused Flightdeck's credentials (expired or revoked token?)`;
    if (error.status === 403) return `403 Forbidden: ${error.message}`;
    if (error.status === 429) return `429 Too Many Requests: the API server is throttling`;
    return `${error.status} ${error.reason}: ${error.message}`;
  }
  if (error instanceof KubeUnreachableError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

function networkError(error: unknown, server: string, timeoutMs: number): KubeUnreachableError {
  const code = error && typeof error === "object" && "code" in error ? String(error.code) : null;
  if (code && TLS_REASONS[code])
    return new KubeUnreachableError(`${server}: ${TLS_REASONS[code]} (${code})`, code);
  if (code === "TIMEOUT")
    return new KubeUnreachableError(`${server} did not answer within ${timeoutMs} ms`, code);
  if (code && NETWORK_REASONS[code])
    return new KubeUnreachableError(`${server}: ${NETWORK_REASONS[code]}`, code);
  const message = error instanceof Error ? error.message : String(error);
  return new KubeUnreachableError(`${server}: ${message}`, code);
}

function retryAfter(header: string | string[] | undefined): number | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

function apiError(status: number, body: string, headers: http.IncomingHttpHeaders): KubeApiError {
  let reason = http.STATUS_CODES[status] ?? "Error";
  let message = body.slice(0, 300) || reason;
  try {
    const parsed = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    if (parsed.kind === "Status") {
      reason = parsed.reason ?? reason;
      message = parsed.message ?? message;
    }
  } catch {
    // not a Status object: keep the text
  }
  return new KubeApiError(status, reason, message, retryAfter(headers["retry-after"]));
}

export interface ConnectionOptions {
  /** deadline of a single read (not of a watch), ms */
  timeoutMs?: number;
  /**
   * deadline of a write, ms: longer than a read's, since a write that times out has an unknown
   * outcome (and a loaded API server may take seconds to answer one)
   */
  writeTimeoutMs?: number;
}

/** Reads one cluster's API server. */
export class KubeConnection {
  readonly server: string;
  private readonly timeoutMs: number;
  private readonly writeTimeoutMs: number;

  constructor(
    readonly cluster: string,
    private readonly kubeConfig: KubeConfig,
    options: ConnectionOptions = {},
  ) {
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error(`kubeconfig context ${cluster} names no cluster server`);
    this.server = server.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 20_000;
  }

  private async open(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    signal: AbortSignal | undefined,
    timeoutMs: number | null,
    write?: { method: "PATCH" | "PUT"; contentType: string; body: string },
  ): Promise<http.IncomingMessage> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const options: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(options);
    const headers: http.OutgoingHttpHeaders = {
      ...(options.headers as http.OutgoingHttpHeaders | undefined),
      accept: "application/json",
    };
    if (write) {
      headers["content-type"] = write.contentType;
      headers["content-length"] = Buffer.byteLength(write.body);
    }
    const transport = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        { ...options, method: write?.method ?? "GET", headers, signal },
        (res) => resolve(res),
      );
      if (timeoutMs !== null) {
        req.setTimeout(timeoutMs, () =>
          req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })),
        );
      }
      req.on("error", (error) => {
        if (signal?.aborted) reject(signal.reason ?? error);
        else reject(networkError(error, this.server, timeoutMs ?? this.timeoutMs));
      });
      req.end(write?.body);
    });
  }

  /** GET a JSON document; KubeApiError for an error status, KubeUnreachableError for no answer. */
  async get<T>(
    path: string,
    query: Record<string, string | number | boolean | undefined> = {},
    signal?: AbortSignal,
  ): Promise<T> {
    const res = await this.open(path, query, signal, this.timeoutMs);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (error) {
      throw networkError(error, this.server, this.timeoutMs);
    }
    const body = Buffer.concat(chunks).toString("utf8");
    if ((res.statusCode ?? 0) >= 400) throw apiError(res.statusCode ?? 0, body, res.headers);
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new KubeApiError(res.statusCode ?? 0, "BadResponse", `unreadable answer from ${path}`);
    }
  }

  /**
   * PATCH an object (merge or JSON patch). KubeApiError for an error status (a 409 for a stale
   * resourceVersion); KubeUnreachableError when the answer never came, which says nothing about
   * whether the write took effect.
   */
  async patch<T>(
    path: string,
    body: unknown,
    contentType: "application/merge-patch+json" | "application/json-patch+json",
  ): Promise<T> {
    const res = await this.open(path, {}, undefined, this.writeTimeoutMs, {
      method: "PATCH",
      contentType,
      body: JSON.stringify(body),
    });
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (error) {
      throw networkError(error, this.server, this.writeTimeoutMs);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if ((res.statusCode ?? 0) >= 400) throw apiError(res.statusCode ?? 0, text, res.headers);
    return JSON.parse(text) as T;
  }

  /** Every item of a list, page by page (`limit`/`continue`), and the list's resource version. */
  async listAll(
    path: string,
    query: Record<string, string | undefined> = {},
    pageSize = 500,
    signal?: AbortSignal,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const items: KubeObject[] = [];
    let token: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.get<KubeList>(
        path,
        { ...query, limit: pageSize, continue: token },
        signal,
      );
      items.push(...page.items);
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
      token = page.metadata.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }

  /**
   * Streams watch events from `resourceVersion` until the server ends the stream (resolves), the
   * signal aborts (resolves), or the connection fails or stays silent for `idleMs` (rejects).
   */
  async watch(
    path: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    options: {
      signal: AbortSignal;
      idleMs: number;
      timeoutSeconds: number;
      query?: Record<string, string | undefined>;
      /** the server accepted the watch */
      onOpen?: () => void;
    },
  ): Promise<void> {
    const res = await this.open(
      path,
      {
        ...options.query,
        watch: 1,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: options.timeoutSeconds,
      },
      options.signal,
      null,
    );
    if ((res.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      throw apiError(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"), res.headers);
    }
    options.onOpen?.();
    await new Promise<void>((resolve, reject) => {
      let failed: Error | null = null;
      let buffered = "";
      let idle: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () =>
            res.destroy(
              Object.assign(new Error(`watch silent for ${options.idleMs} ms`), {
                code: "IDLE",
              }),
            ),
          options.idleMs,
        );
      };
      arm();
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        arm();
        buffered += chunk;
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) {
            try {
              onEvent(JSON.parse(line) as WatchEvent);
            } catch (error) {
              // An ERROR event (410 Gone, say) or an unreadable line ends the watch with that error.
              failed = error instanceof Error ? error : new Error(String(error));
              clearTimeout(idle);
              res.destroy();
              reject(failed);
              return;
            }
          }
          newline = buffered.indexOf("\n");
        }
      });
      res.on("end", () => {
        clearTimeout(idle);
        resolve();
      });
      res.on("error", (error) => {
        clearTimeout(idle);
        if (failed) return;
        if (options.signal.aborted) resolve();
        else reject(networkError(error, this.server, options.idleMs));
      });
      res.on("close", () => {
        clearTimeout(idle);
        if (failed) return;
        if (options.signal.aborted) resolve();
        else if (!res.complete)
          reject(
            networkError(
              Object.assign(new Error("watch closed"), { code: "ECONNRESET" }),
              this.server,
              options.idleMs,
            ),
          );
        else resolve();
      });
    });
  }
}

/** A kubeconfig reduced to one context, as the current one. */
export function contextConfig(source: KubeConfig, context: string): KubeConfig {
  const kc = new KubeConfig();
  const ctx = source.getContextObject(context);
  if (!ctx) throw new Error(`kubeconfig has no context ${context}`);
  kc.loadFromOptions({
    clusters: source.getClusters().filter((c) => c.name === ctx.cluster),
    users: source.getUsers().filter((u) => u.name === ctx.user),
    contexts: [ctx],
    currentContext: context,
  });
  return kc;
}
