/**
 * A Kubernetes API server for tests: one instance is one cluster, on its own port, speaking the
 * real REST protocol over plain HTTP with bearer tokens, so `kubectl` and
 * `@kubernetes/client-node` talk to it as to kube-apiserver. See README.md beside this file for
 * what it implements and where it differs from the real one.
 *
 * Faults on demand (latency, connection resets, 500s, 429s with Retry-After, dropped watches,
 * compaction, going down and coming back on the same port, every answer 401 or 403) and a log of
 * every request let adapter tests check partial failures and that a page view made no call.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { parse as parseYaml } from "yaml";
import { KubeErrors, KubeStatusError, type Status } from "./errors";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch";
import { VERBS, type ResourceType } from "./resources";
import { KubeStore, type ChangeType, type StoreOptions } from "./store";
import { testCertificate } from "./tls";
import { clone, isRecord, type KubeObject, type StoredObject } from "./types";

export type Verb =
  "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

/** One request as the server saw it. */
export interface RequestRecord {
  id: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** a watch (`?watch=1|true`, or the legacy /watch/ path) */
  watch: boolean;
  /** for resource requests: what was asked of which resource */
  verb?: Verb;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** the authenticated user, when the token was good */
  user?: string;
  /**
   * the HTTP status answered (200 for a watch once its stream starts); unset while pending. A
   * request held after it was handled has the status it was handled with, sent or not.
   */
  status?: number;
  at: Date;
  userAgent?: string;
  /** a patch's body as sent (text) */
  body?: string;
  /** the client's port: with the server's, names the connection (and so the process) */
  remotePort?: number;
}

export type RequestMatch =
  | {
      method?: string;
      verb?: Verb | Verb[];
      group?: string;
      resource?: string;
      subresource?: string;
      namespace?: string;
      name?: string;
      watch?: boolean;
      path?: string | RegExp;
    }
  | ((request: RequestRecord) => boolean);

export function requestMatches(request: RequestRecord, match: RequestMatch | undefined): boolean {
  if (!match) return true;
  if (typeof match === "function") return match(request);
  if (match.method && match.method !== request.method) return false;
  if (match.verb) {
    const verbs = Array.isArray(match.verb) ? match.verb : [match.verb];
    if (!request.verb || !verbs.includes(request.verb)) return false;
  }
  if (match.group !== undefined && match.group !== request.group) return false;
  if (match.resource !== undefined && match.resource !== request.resource) return false;
  if (match.subresource !== undefined && match.subresource !== request.subresource) return false;
  if (match.namespace !== undefined && match.namespace !== request.namespace) return false;
  if (match.name !== undefined && match.name !== request.name) return false;
  if (match.watch !== undefined && match.watch !== request.watch) return false;
  if (match.path !== undefined) {
    if (
      typeof match.path === "string" ? match.path !== request.path : !match.path.test(request.path)
    ) {
      return false;
    }
  }
  return true;
}

/** Refuses a verb on a resource with 403, as RBAC would (e.g. a reader that may not list nodes). */
export interface DenyRule {
  /** `nodes`, `rollouts`, or a subresource: `rollouts/status` */
  resource: string;
  /** the API group; any group when omitted */
  group?: string;
  /** the verbs refused; all when omitted */
  verbs?: Verb[];
  /** only in this namespace */
  namespace?: string;
  /** only for this user */
  user?: string;
}

export interface KubeApiServerOptions extends StoreOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: a free port */
  port?: number;
  /**
   * Serve https with a self-signed certificate (kubeconfigFor adds it as the certificate
   * authority). Needed for kubectl with tokens: client-go sends no credentials over plain http.
   * Default false: plain http (kubeconfigFor then sets insecure-skip-tls-verify, which
   * @kubernetes/client-node requires for http servers).
   */
  tls?: boolean;
  /** serve https with a certificate that has expired (a cluster whose certificate nobody renewed) */
  expiredCertificate?: boolean;
  /** the bearer token kubeconfigs carry (default: random) */
  token?: string;
  /** the user that token authenticates (default a service account: flightdeck/reader) */
  user?: string;
  /** further tokens and their users */
  tokens?: Record<string, string>;
  deny?: DenyRule[];
  /** how often open watches that asked for them get a BOOKMARK (default 60 s, like the real one) */
  bookmarkIntervalMs?: number;
  /** the longest a watch stays open without timeoutSeconds (default 1800 s) */
  watchTimeoutSeconds?: number;
  /** what /version answers (default v1.30.4) */
  gitVersion?: string;
}

interface CountedFault {
  kind: "reset" | "fail" | "throttle";
  remaining: number;
  match: RequestMatch | undefined;
  code?: number;
  message?: string;
  retryAfterSeconds?: number;
}

interface LatencyFault {
  ms: number;
  match: RequestMatch | undefined;
}

/** Requests held until released: before they are handled, or handled with the answer held. */
interface HoldFault {
  match: RequestMatch | undefined;
  phase: "before" | "after";
  remaining: number;
  /** matching requests let through before the held ones */
  skip: number;
  /** true: go on; false: drop the connection */
  gate: Promise<boolean>;
  reached: (record: RequestRecord) => void;
  /** after: the request was handled (its change applied), its answer waits for the gate */
  handled: () => void;
}

/**
 * A held request: `reached` resolves when one arrives; `release` lets it go, `drop` closes its
 * connection instead (before: nothing applied; after: the outcome never sent).
 */
export interface Hold {
  /** a matching request arrived (nothing handled yet) */
  reached: Promise<RequestRecord>;
  /** `after` holds: the request has been handled, its change applied; only the answer waits */
  handled: Promise<RequestRecord>;
  release: () => void;
  drop: () => void;
}

interface OpenWatch {
  record: RequestRecord;
  end: () => void;
  destroy: () => void;
}

interface Route {
  discovery?: "version" | "api" | "apis" | "group" | "resources" | "health";
  group: string;
  version: string;
  type?: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  verb?: Verb;
}

type Negotiated =
  { as: "json" } | { as: "table"; version: string } | { as: "metadata"; version: string };

const MAX_BODY = 3 * 1024 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class KubeApiServer extends EventEmitter {
  readonly store: KubeStore;
  readonly token: string;
  readonly user: string;
  /** every request received, oldest first (clearRequests() empties it) */
  readonly requests: RequestRecord[] = [];

  readonly tls: boolean;
  private readonly expired: boolean;
  private readonly host: string;
  private port: number;
  private readonly tokens: Map<string, string>;
  private denyRules: DenyRule[];
  private readonly bookmarkIntervalMs: number;
  private readonly watchTimeoutSeconds: number;
  private readonly gitVersion: string;
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<OpenWatch>();
  private counted: CountedFault[] = [];
  private latency: LatencyFault[] = [];
  private holds: HoldFault[] = [];
  private rejecting: "unauthorized" | "forbidden" | null = null;
  private nextId = 1;

  constructor(options: KubeApiServerOptions = {}) {
    super();
    this.store = new KubeStore(options);
    this.host = options.host ?? "127.0.0.1";
    this.tls = (options.tls ?? false) || (options.expiredCertificate ?? false);
    this.expired = options.expiredCertificate ?? false;
    this.port = options.port ?? 0;
    this.token = options.token ?? randomBytes(16).toString("hex");
    this.user = options.user ?? "system:serviceaccount:flightdeck:reader";
    this.tokens = new Map([[this.token, this.user], ...Object.entries(options.tokens ?? {})]);
    this.denyRules = [...(options.deny ?? [])];
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 1800;
    this.gitVersion = options.gitVersion ?? "v1.30.4";
  }

  /** Creates a server and starts listening. */
  static async start(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const server = new KubeApiServer(options);
    await server.up();
    return server;
  }

  /** `http://127.0.0.1:<port>` (https with tls): the `server:` of a kubeconfig cluster. */
  get url(): string {
    return `${this.tls ? "https" : "http"}://${this.host}:${this.port}`;
  }

  /** The PEM certificate clients must trust (tls only). */
  get certificateAuthority(): string | null {
    return this.tls ? testCertificate({ expired: this.expired }).cert : null;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** Starts listening (again, on the same port, with the same state, after down()). */
  async up(): Promise<void> {
    if (this.server) return;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      void this.handle(req, res);
    };
    const server = this.tls
      ? https.createServer(testCertificate({ expired: this.expired }), handler)
      : http.createServer(handler);
    server.keepAliveTimeout = 30_000;
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === "object") this.port = address.port;
    this.server = server;
  }

  /**
   * Goes down: stops listening and cuts every connection (open watches included), so clients
   * get "connection refused" until up(). The objects and their history are kept.
   */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const w of this.watches) w.destroy();
    this.watches.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Stops for good. */
  async stop(): Promise<void> {
    await this.down();
    this.removeAllListeners();
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  /** Delays every matching request by `ms` before it is handled. Returns the undo. */
  addLatency(ms: number, match?: RequestMatch): () => void {
    const fault = { ms, match };
    this.latency.push(fault);
    return () => {
      this.latency = this.latency.filter((f) => f !== fault);
    };
  }

  /**
   * Holds the next `count` matching requests (after letting `skip` through) until `release()`:
   * `before` they are handled (an API
   * server that has not answered yet, nothing applied), or `after` (the change is applied and
   * watchers told, the answer is held: a client killed now never learns the outcome).
   * Deterministic where `addLatency` would make a test wait on the wall clock.
   */
  hold(
    match: RequestMatch,
    options: { phase?: "before" | "after"; count?: number; skip?: number } = {},
  ): Hold {
    let open!: (go: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (open = resolve));
    let reached!: (record: RequestRecord) => void;
    const arrived = new Promise<RequestRecord>((resolve) => (reached = resolve));
    let handled!: () => void;
    const done = new Promise<void>((resolve) => (handled = resolve));
    this.holds.push({
      match,
      phase: options.phase ?? "before",
      remaining: options.count ?? 1,
      skip: options.skip ?? 0,
      gate,
      reached,
      handled,
    });
    return {
      reached: arrived,
      handled: Promise.all([arrived, done]).then(([record]) => record),
      release: () => open(true),
      drop: () => open(false),
    };
  }

  private takeHold(phase: HoldFault["phase"], record: RequestRecord): HoldFault | null {
    const hold = this.holds.find(
      (h) => h.phase === phase && h.remaining > 0 && requestMatches(record, h.match),
    );
    if (!hold) return null;
    if (hold.skip > 0) {
      hold.skip -= 1;
      return null;
    }
    hold.remaining -= 1;
    hold.reached(record);
    return hold;
  }

  /** The next `count` matching requests have their connection reset (ECONNRESET). */
  resetConnections(count: number, match?: RequestMatch): void {
    this.counted.push({ kind: "reset", remaining: count, match });
  }

  /**
   * The next `count` matching requests answer an error Status: 500 InternalError by default,
   * or 503 ServiceUnavailable, 504 Timeout.
   */
  failRequests(
    count: number,
    options: { match?: RequestMatch; code?: 500 | 503 | 504; message?: string } = {},
  ): void {
    this.counted.push({
      kind: "fail",
      remaining: count,
      match: options.match,
      code: options.code ?? 500,
      message: options.message ?? "etcdserver: request timed out",
    });
  }

  /** The next `count` matching requests answer 429 TooManyRequests with `Retry-After`. */
  throttleRequests(count: number, retryAfterSeconds = 1, match?: RequestMatch): void {
    this.counted.push({ kind: "throttle", remaining: count, match, retryAfterSeconds });
  }

  /**
   * Every request answers 401 (an expired or revoked token) or every resource request 403
   * (permissions withdrawn; discovery still answers, as it does for any authenticated user);
   * null to stop.
   */
  rejectAll(mode: "unauthorized" | "forbidden" | null): void {
    this.rejecting = mode;
  }

  /** Replaces the 403 deny list. */
  setDenyRules(rules: DenyRule[]): void {
    this.denyRules = [...rules];
  }

  /** Removes every fault (latency, pending resets/errors/throttles, rejectAll). */
  clearFaults(): void {
    this.counted = [];
    this.latency = [];
    this.holds = [];
    this.rejecting = null;
  }

  /**
   * Ends every open watch: cleanly (the stream ends, as when the API server's watch times out
   * or it restarts gracefully), or abruptly (the connection is destroyed mid-stream).
   */
  dropWatches(options: { abrupt?: boolean } = {}): number {
    const n = this.watches.size;
    for (const w of [...this.watches]) (options.abrupt ? w.destroy : w.end)();
    this.watches.clear();
    return n;
  }

  /**
   * Forgets the history ("compaction"): every resource version and continue token handed out so
   * far answers 410 Gone (watches get an ERROR event). Open watches go on.
   */
  compact(): void {
    this.store.compact();
  }

  // -------------------------------------------------------------------------------------------
  // The request log

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Requests since the log was cleared that match. */
  requestsMatching(match?: RequestMatch): RequestRecord[] {
    return this.requests.filter((r) => requestMatches(r, match));
  }

  /** Resolves with the next matching request received after this call. */
  nextRequest(match?: RequestMatch, timeoutMs = 10_000): Promise<RequestRecord> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("request", onRequest);
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      const onRequest = (r: RequestRecord) => {
        if (!requestMatches(r, match)) return;
        clearTimeout(timer);
        this.off("request", onRequest);
        resolve(r);
      };
      this.on("request", onRequest);
    });
  }

  /** The watches open now. */
  openWatches(match?: RequestMatch): RequestRecord[] {
    return [...this.watches].map((w) => w.record).filter((r) => requestMatches(r, match));
  }

  /** Resolves once a matching watch is open and streaming (at once if one already is). */
  waitForWatch(match?: RequestMatch, timeoutMs = 10_000): Promise<RequestRecord> {
    const open = this.openWatches(match)[0];
    if (open) return Promise.resolve(open);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("watch", onWatch);
        reject(new Error(`no matching watch within ${timeoutMs} ms`));
      }, timeoutMs);
      const onWatch = (r: RequestRecord) => {
        if (!requestMatches(r, match)) return;
        clearTimeout(timer);
        this.off("watch", onWatch);
        resolve(r);
      };
      this.on("watch", onWatch);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Request handling

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const query = Object.fromEntries(url.searchParams);
    const record: RequestRecord = {
      id: this.nextId++,
      method: req.method ?? "GET",
      path: url.pathname,
      query,
      watch: query.watch === "1" || query.watch === "true",
      at: new Date(),
      ...(req.headers["user-agent"] ? { userAgent: req.headers["user-agent"] } : {}),
      ...(req.socket.remotePort ? { remotePort: req.socket.remotePort } : {}),
    };
    let route: Route | null = null;
    let routeError: unknown = null;
    try {
      route = this.route(record.method, url.pathname, record);
    } catch (e) {
      routeError = e;
    }
    this.requests.push(record);
    res.on("finish", () => {
      record.status ??= res.statusCode;
    });
    this.emit("request", record);

    for (const fault of this.latency) {
      if (requestMatches(record, fault.match)) await sleep(fault.ms);
    }
    const before = this.takeHold("before", record);
    if (before && !(await before.gate)) {
      record.status = 0;
      req.socket.destroy();
      return;
    }
    const after = this.takeHold("after", record);
    if (after) {
      // Handled now; the answer leaves only when released (if the client is still there).
      const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
      (res as { end: (...args: unknown[]) => http.ServerResponse }).end = (...args: unknown[]) => {
        // handled: its change is applied and its status decided, whether or not it is ever sent
        record.status ??= res.statusCode;
        after.handled();
        void after.gate.then((go) => {
          if (!go) req.socket.destroy();
          else if (!res.destroyed) end(...args);
        });
        return res;
      };
    }
    if (this.takeFault("reset", record)) {
      record.status = 0;
      try {
        req.socket.resetAndDestroy();
      } catch {
        req.socket.destroy();
      }
      return;
    }
    try {
      if (route?.discovery === "health") {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("ok");
        return;
      }
      const user = this.authenticate(req);
      record.user = user;
      const throttle = this.takeFault("throttle", record);
      if (throttle) throw KubeErrors.tooManyRequests(throttle.retryAfterSeconds ?? 1);
      if (routeError) throw routeError;
      if (!route) throw KubeErrors.noSuchResource();
      if (route.type && route.verb) this.authorize(user, route);
      const fail = this.takeFault("fail", record);
      if (fail) {
        const message = fail.message ?? "etcdserver: request timed out";
        if (fail.code === 503) throw KubeErrors.serviceUnavailable(message, 1);
        if (fail.code === 504) {
          throw new KubeStatusError({
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message:
              "the server was unable to return a response in the time allotted, but may still be processing the request",
            reason: "Timeout",
            details: {
              causes: [{ reason: "UnexpectedServerResponse", message }],
              retryAfterSeconds: 1,
            },
            code: 504,
          });
        }
        throw KubeErrors.internal(message);
      }
      if (route.discovery) {
        this.sendJson(res, 200, this.discovery(route, req));
        return;
      }
      await this.serveResource(route, req, res, record);
    } catch (e) {
      if (e instanceof KubeStatusError) {
        this.sendStatus(res, e);
      } else if (e instanceof RawNotFound) {
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("404 page not found\n");
      } else {
        const message = e instanceof Error ? e.message : String(e);
        this.sendStatus(res, KubeErrors.internal(message));
      }
    }
  }

  private takeFault(kind: CountedFault["kind"], record: RequestRecord): CountedFault | null {
    const fault = this.counted.find(
      (f) => f.kind === kind && f.remaining > 0 && requestMatches(record, f.match),
    );
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.counted = this.counted.filter((f) => f !== fault);
    return fault;
  }

  private authenticate(req: http.IncomingMessage): string {
    if (this.rejecting === "unauthorized") throw KubeErrors.unauthorized();
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const user = m ? this.tokens.get((m[1] ?? "").trim()) : undefined;
    if (!user) throw KubeErrors.unauthorized();
    return user;
  }

  private authorize(user: string, route: Route): void {
    const type = route.type;
    const verb = route.verb;
    if (!type || !verb) return;
    const denied =
      this.rejecting === "forbidden" ||
      this.denyRules.some((rule) => {
        const [resource, sub] = rule.resource.split("/");
        if (resource !== type.resource) return false;
        if ((sub ?? undefined) !== route.subresource) return false;
        if (rule.group !== undefined && rule.group !== type.group) return false;
        if (rule.verbs && !rule.verbs.includes(verb)) return false;
        if (rule.namespace !== undefined && rule.namespace !== route.namespace) return false;
        if (rule.user !== undefined && rule.user !== user) return false;
        return true;
      });
    if (denied) {
      throw KubeErrors.forbidden({
        user,
        verb,
        group: type.group,
        resource: type.resource,
        ...(route.subresource ? { subresource: route.subresource } : {}),
        ...(route.namespace ? { namespace: route.namespace } : {}),
        ...(route.name ? { name: route.name } : {}),
      });
    }
  }

  /** What a path and method ask for; fills the record's resource fields. */
  private route(method: string, path: string, record: RequestRecord): Route | null {
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    if (
      parts.length === 1 &&
      (parts[0] === "healthz" || parts[0] === "livez" || parts[0] === "readyz")
    ) {
      return { discovery: "health", group: "", version: "" };
    }
    if (parts.length === 1 && parts[0] === "version")
      return { discovery: "version", group: "", version: "" };
    let group: string;
    let version: string | undefined;
    let rest: string[];
    if (parts[0] === "api") {
      group = "";
      version = parts[1];
      rest = parts.slice(2);
      if (!version) return { discovery: "api", group, version: "" };
    } else if (parts[0] === "apis") {
      group = parts[1] ?? "";
      version = parts[2];
      rest = parts.slice(3);
      if (!group) return { discovery: "apis", group, version: "" };
      if (!this.store.types.some((t) => t.group === group)) throw KubeErrors.noSuchResource();
      if (!version) return { discovery: "group", group, version: "" };
    } else {
      throw new RawNotFound();
    }
    if (!this.store.types.some((t) => t.group === group && t.version === version)) {
      throw KubeErrors.noSuchResource();
    }
    if (rest.length === 0) return { discovery: "resources", group, version };
    if (rest[0] === "watch") {
      record.watch = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    let subresource: string | undefined;
    if (
      rest[0] === "namespaces" &&
      rest.length >= 3 &&
      this.store.resourceOf(group, rest[2] ?? "")?.namespaced
    ) {
      namespace = rest[1];
      resource = rest[2] ?? "";
      name = rest[3];
      subresource = rest[4];
      if (rest.length > 5) throw KubeErrors.noSuchResource();
    } else {
      resource = rest[0] ?? "";
      name = rest[1];
      subresource = rest[2];
      if (rest.length > 3) throw KubeErrors.noSuchResource();
    }
    const type = this.store.resourceOf(group, resource);
    if (!type || type.version !== version) throw KubeErrors.noSuchResource();
    if (!type.namespaced && namespace) throw KubeErrors.noSuchResource();
    if (type.namespaced && !namespace && name) throw KubeErrors.noSuchResource();
    if (subresource !== undefined && !(subresource === "status" && type.statusSubresource)) {
      throw KubeErrors.noSuchResource();
    }
    let verb: Verb;
    switch (method) {
      case "GET":
        verb = record.watch ? "watch" : name ? "get" : "list";
        break;
      case "POST":
        if (name) throw KubeErrors.methodNotSupported(type, "create");
        verb = "create";
        break;
      case "PUT":
        if (!name) throw KubeErrors.methodNotSupported(type, "update");
        verb = "update";
        break;
      case "PATCH":
        if (!name) throw KubeErrors.methodNotSupported(type, "patch");
        verb = "patch";
        break;
      case "DELETE":
        verb = name ? "delete" : "deletecollection";
        break;
      default:
        throw KubeErrors.methodNotSupported(type, method.toLowerCase());
    }
    Object.assign(record, {
      verb,
      group,
      version,
      resource,
      ...(subresource ? { subresource } : {}),
      ...(namespace ? { namespace } : {}),
      ...(name ? { name } : {}),
    });
    return {
      group,
      version,
      type,
      verb,
      ...(namespace ? { namespace } : {}),
      ...(name ? { name } : {}),
      ...(subresource ? { subresource } : {}),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Discovery

  private discovery(route: Route, req: http.IncomingMessage): unknown {
    const types = this.store.types;
    const groups = [...new Set(types.filter((t) => t.group).map((t) => t.group))];
    const groupOf = (group: string) => {
      const versions = [...new Set(types.filter((t) => t.group === group).map((t) => t.version))];
      const preferred = versions[0] ?? "";
      return {
        name: group,
        versions: versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${group}/${preferred}`, version: preferred },
      };
    };
    switch (route.discovery) {
      case "version": {
        const m = /^v(\d+)\.(\d+)/.exec(this.gitVersion);
        return {
          major: m?.[1] ?? "1",
          minor: m?.[2] ?? "30",
          gitVersion: this.gitVersion,
          gitCommit: "0000000000000000000000000000000000000000",
          gitTreeState: "clean",
          buildDate: "2024-08-14T00:00:00Z",
          goVersion: "go1.22.5",
          compiler: "gc",
          platform: "linux/amd64",
        };
      }
      case "api":
        return {
          kind: "APIVersions",
          versions: ["v1"],
          serverAddressByClientCIDRs: [
            {
              clientCIDR: "0.0.0.0/0",
              serverAddress: req.headers.host ?? `${this.host}:${this.port}`,
            },
          ],
        };
      case "apis":
        return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map(groupOf) };
      case "group":
        return { kind: "APIGroup", apiVersion: "v1", ...groupOf(route.group) };
      case "resources": {
        const resources = types
          .filter((t) => t.group === route.group && t.version === route.version)
          .flatMap((t) => [
            {
              name: t.resource,
              singularName: t.singular,
              namespaced: t.namespaced,
              kind: t.kind,
              verbs: VERBS,
              ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
              ...(t.categories.length ? { categories: t.categories } : {}),
            },
            ...(t.statusSubresource
              ? [
                  {
                    name: `${t.resource}/status`,
                    singularName: "",
                    namespaced: t.namespaced,
                    kind: t.kind,
                    verbs: ["get", "patch", "update"],
                  },
                ]
              : []),
          ]);
        return {
          kind: "APIResourceList",
          ...(route.group ? { apiVersion: "v1" } : {}),
          groupVersion: route.group ? `${route.group}/${route.version}` : route.version,
          resources,
        };
      }
      default:
        throw KubeErrors.noSuchResource();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Resources

  private async serveResource(
    route: Route,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RequestRecord,
  ): Promise<void> {
    const type = route.type;
    if (!type) throw KubeErrors.noSuchResource();
    const q = record.query;
    const negotiated = negotiate(req.headers.accept);
    const warnings: string[] = [];
    const strict = q.fieldValidation === "Strict";
    const ctx = () => ({
      trusted: false,
      validate: true,
      strict,
      pruned: [] as string[],
    });
    const respond = (code: number, object: StoredObject, pruned: string[] = []) => {
      if (q.fieldValidation !== "Ignore") {
        for (const p of pruned) warnings.push(`unknown field ${JSON.stringify(p)}`);
      }
      const headers: Record<string, string> = {};
      if (warnings.length)
        headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ");
      this.sendJson(res, code, this.present(type, [object], negotiated, q, null), headers);
    };

    switch (route.verb) {
      case "get": {
        const object = this.store.getObject(type, route.namespace, route.name ?? "");
        if (!object) throw KubeErrors.notFound(type, route.name ?? "");
        respond(200, object);
        return;
      }
      case "list": {
        const result = this.store.listObjects(type, {
          ...(route.namespace ? { namespace: route.namespace } : {}),
          ...listQuery(q),
        });
        this.sendJson(res, 200, this.present(type, result.items, negotiated, q, result));
        return;
      }
      case "watch": {
        this.serveWatch(type, route, negotiated, record, req, res);
        return;
      }
      case "create": {
        const body = await readObject(req, type);
        checkBodyKind(type, body);
        if (type.namespaced) {
          if (body.metadata.namespace && body.metadata.namespace !== route.namespace) {
            throw KubeErrors.badRequest(
              "the namespace of the provided object does not match the namespace sent on the request",
            );
          }
          body.metadata.namespace = route.namespace ?? "default";
          const ns = this.store.getObject(
            this.store.typeOf("v1", "Namespace"),
            undefined,
            body.metadata.namespace,
          );
          if (!ns)
            throw KubeErrors.notFound(
              { group: "", resource: "namespaces" },
              body.metadata.namespace,
            );
        }
        if (body.metadata.resourceVersion) {
          throw KubeErrors.internal("resourceVersion should not be set on objects to be created");
        }
        const c = ctx();
        const created = this.store.create(type, body, c);
        respond(201, created, c.pruned);
        return;
      }
      case "update": {
        const body = await readObject(req, type);
        checkBodyKind(type, body);
        this.checkNames(type, route, body);
        const c = ctx();
        const updated = this.store.update(type, body, {
          ...c,
          ...(route.subresource === "status" ? { subresource: "status" as const } : {}),
        });
        respond(200, updated, c.pruned);
        return;
      }
      case "patch": {
        const current = this.store.getObject(type, route.namespace, route.name ?? "");
        if (!current) throw KubeErrors.notFound(type, route.name ?? "");
        const raw = await readBody(req);
        record.body = raw.toString("utf8");
        const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
        const accepted = type.custom
          ? ["application/json-patch+json", "application/merge-patch+json"]
          : [
              "application/json-patch+json",
              "application/merge-patch+json",
              "application/strategic-merge-patch+json",
            ];
        if (!accepted.includes(contentType)) throw KubeErrors.unsupportedMediaType(accepted);
        let patch: unknown;
        try {
          patch = JSON.parse(raw.toString("utf8"));
        } catch (e) {
          throw KubeErrors.badRequest(e instanceof Error ? e.message : "invalid JSON");
        }
        const original = clone(current);
        let patched: unknown;
        if (contentType === "application/json-patch+json") patched = jsonPatch(original, patch);
        else if (contentType === "application/merge-patch+json")
          patched = mergePatch(original, patch);
        else patched = strategicMergePatch(original, patch);
        if (!isRecord(patched) || !isRecord(patched.metadata)) {
          throw KubeErrors.badRequest("the patched object has no metadata");
        }
        const next = patched as KubeObject;
        this.checkNames(type, route, next);
        const c = ctx();
        const updated = this.store.update(type, next, {
          ...c,
          ...(route.subresource === "status" ? { subresource: "status" as const } : {}),
        });
        respond(200, updated, c.pruned);
        return;
      }
      case "delete": {
        const raw = await readBody(req);
        let preconditions: { resourceVersion?: string; uid?: string } = {};
        if (raw.length) {
          const options: unknown = JSON.parse(raw.toString("utf8"));
          if (isRecord(options) && isRecord(options.preconditions)) {
            const p = options.preconditions;
            preconditions = {
              ...(typeof p.resourceVersion === "string"
                ? { resourceVersion: p.resourceVersion }
                : {}),
              ...(typeof p.uid === "string" ? { uid: p.uid } : {}),
            };
          }
        }
        const deleted = this.store.remove(type, route.namespace, route.name ?? "", preconditions);
        const status: Status = {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: {
            name: deleted.metadata.name,
            ...(type.group ? { group: type.group } : {}),
            kind: type.resource,
            uid: deleted.metadata.uid,
          },
          code: 200,
        };
        this.sendJson(res, 200, status);
        return;
      }
      case "deletecollection": {
        const result = this.store.listObjects(type, {
          ...(route.namespace ? { namespace: route.namespace } : {}),
          ...listQuery(q),
        });
        const deleted = result.items.map((o) =>
          this.store.remove(type, o.metadata.namespace, o.metadata.name),
        );
        this.sendJson(
          res,
          200,
          this.present(type, deleted, { as: "json" }, q, {
            resourceVersion: this.store.resourceVersion,
            items: deleted,
          }),
        );
        return;
      }
      default:
        throw KubeErrors.noSuchResource();
    }
  }

  private checkNames(type: ResourceType, route: Route, body: KubeObject): void {
    if (body.metadata.name !== route.name) {
      throw KubeErrors.badRequest(
        `the name of the object (${body.metadata.name ?? ""}) does not match the name on the URL (${route.name ?? ""})`,
      );
    }
    if (type.namespaced) {
      if (body.metadata.namespace && body.metadata.namespace !== route.namespace) {
        throw KubeErrors.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      body.metadata.namespace = route.namespace;
    }
  }

  /** An object or list in the representation the client asked for (JSON, Table, metadata). */
  private present(
    type: ResourceType,
    objects: StoredObject[],
    negotiated: Negotiated,
    q: Record<string, string>,
    list: {
      resourceVersion: string;
      continue?: string;
      remainingItemCount?: number;
      items: StoredObject[];
    } | null,
    noHeaders = false,
  ): unknown {
    const listMeta = list
      ? {
          resourceVersion: list.resourceVersion,
          ...(list.continue ? { continue: list.continue } : {}),
          ...(list.remainingItemCount !== undefined
            ? { remainingItemCount: list.remainingItemCount }
            : {}),
        }
      : null;
    if (negotiated.as === "table") {
      const include = q.includeObject ?? "Metadata";
      if (!["Object", "Metadata", "None"].includes(include)) {
        throw KubeErrors.badRequest(`unrecognized includeObject value: ${JSON.stringify(include)}`);
      }
      const now = new Date();
      return {
        kind: "Table",
        apiVersion: `meta.k8s.io/${negotiated.version}`,
        metadata: listMeta ?? { resourceVersion: objects[0]?.metadata.resourceVersion ?? "" },
        columnDefinitions: noHeaders ? null : type.columns,
        rows: objects.map((o) => ({
          cells: type.cells(o, now),
          ...(include === "None"
            ? {}
            : {
                object:
                  include === "Object"
                    ? o
                    : {
                        kind: "PartialObjectMetadata",
                        apiVersion: `meta.k8s.io/${negotiated.version}`,
                        metadata: o.metadata,
                      },
              }),
        })),
      };
    }
    if (negotiated.as === "metadata") {
      const partial = (o: StoredObject) => ({
        kind: "PartialObjectMetadata",
        apiVersion: `meta.k8s.io/${negotiated.version}`,
        metadata: o.metadata,
      });
      if (!list) return partial(objects[0] as StoredObject);
      return {
        kind: "PartialObjectMetadataList",
        apiVersion: `meta.k8s.io/${negotiated.version}`,
        metadata: listMeta,
        items: objects.map(partial),
      };
    }
    if (!list) return objects[0];
    return {
      apiVersion: type.apiVersion,
      kind: type.listKind,
      metadata: listMeta,
      // Like the real server: typed lists' items carry no apiVersion/kind, custom resources' do.
      items: type.custom ? objects : objects.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
    };
  }

  private serveWatch(
    type: ResourceType,
    route: Route,
    negotiated: Negotiated,
    record: RequestRecord,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void {
    const q = record.query;
    const options = this.store.filterOf(type, {
      ...(route.namespace ? { namespace: route.namespace } : {}),
      ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}),
      ...(q.fieldSelector || route.name
        ? {
            fieldSelector: [q.fieldSelector, route.name ? `metadata.name=${route.name}` : ""]
              .filter(Boolean)
              .join(","),
          }
        : {}),
    });
    const bookmarks = q.allowWatchBookmarks === "true" || q.allowWatchBookmarks === "1";
    const initialEvents = q.sendInitialEvents === "true";
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
      "Audit-Id": randomUUID(),
    });
    res.flushHeaders();
    record.status = 200;
    let first = true;
    const write = (eventType: ChangeType | "BOOKMARK" | "ERROR", object: unknown) => {
      if (res.writableEnded || res.destroyed) return;
      let payload = object;
      if (eventType !== "BOOKMARK" && eventType !== "ERROR" && negotiated.as !== "json") {
        payload = this.present(type, [object as StoredObject], negotiated, q, null, !first);
        first = false;
      }
      res.write(`${JSON.stringify({ type: eventType, object: payload })}\n`);
    };
    const bookmark = (annotations?: Record<string, string>) =>
      write("BOOKMARK", {
        kind: type.kind,
        apiVersion: type.apiVersion,
        metadata: {
          resourceVersion: this.store.resourceVersion,
          ...(annotations ? { annotations } : {}),
        },
      });

    let unsubscribe: (() => void) | null = null;
    const timers: NodeJS.Timeout[] = [];
    const watch: OpenWatch = {
      record,
      end: () => {
        cleanup();
        res.end();
      },
      destroy: () => {
        cleanup();
        res.destroy();
      },
    };
    const cleanup = () => {
      unsubscribe?.();
      unsubscribe = null;
      for (const t of timers) clearTimeout(t);
      this.watches.delete(watch);
    };
    req.on("close", cleanup);
    res.on("close", cleanup);
    try {
      const rv = initialEvents ? "" : q.resourceVersion;
      unsubscribe = this.store.watch(
        type,
        { ...options, ...(rv ? { resourceVersion: rv } : {}) },
        write,
      );
    } catch (e) {
      if (e instanceof KubeStatusError) {
        write("ERROR", e.status);
        res.end();
        return;
      }
      throw e;
    }
    if (initialEvents && bookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
    this.watches.add(watch);
    const requested = Number(q.timeoutSeconds);
    const timeout =
      Number.isFinite(requested) && requested > 0 ? requested : this.watchTimeoutSeconds;
    const timer = setTimeout(() => watch.end(), timeout * 1000);
    timer.unref();
    timers.push(timer);
    if (bookmarks) {
      const interval = setInterval(() => bookmark(), this.bookmarkIntervalMs);
      interval.unref();
      timers.push(interval);
    }
    this.emit("watch", record);
  }

  // -------------------------------------------------------------------------------------------
  // Answers

  private sendJson(
    res: http.ServerResponse,
    code: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent) return;
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(code, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
      "Audit-Id": randomUUID(),
      "Content-Length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  private sendStatus(res: http.ServerResponse, error: KubeStatusError): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    this.sendJson(res, error.status.code, error.status, error.headers);
  }
}

class RawNotFound extends Error {}

function listQuery(q: Record<string, string>) {
  const limit = Number(q.limit);
  return {
    ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}),
    ...(q.fieldSelector ? { fieldSelector: q.fieldSelector } : {}),
    ...(Number.isInteger(limit) && limit > 0 ? { limit } : {}),
    ...(q.continue ? { continue: q.continue } : {}),
    ...(q.resourceVersion ? { resourceVersion: q.resourceVersion } : {}),
    ...(q.resourceVersionMatch ? { resourceVersionMatch: q.resourceVersionMatch } : {}),
  };
}

/** Picks the representation from Accept: a Table, partial object metadata, or plain JSON. */
export function negotiate(accept: string | undefined): Negotiated {
  if (!accept) return { as: "json" };
  for (const range of accept.split(",")) {
    const [mediaType, ...paramParts] = range.split(";").map((s) => s.trim());
    const params = Object.fromEntries(
      paramParts.map((p) => {
        const [k, v] = p.split("=");
        return [(k ?? "").trim(), (v ?? "").trim()];
      }),
    );
    if (mediaType !== "application/json" && mediaType !== "*/*" && mediaType !== "application/*")
      continue;
    if (params.as === undefined) return { as: "json" };
    if (params.g !== "meta.k8s.io" || (params.v !== "v1" && params.v !== "v1beta1")) continue;
    if (params.as === "Table") return { as: "table", version: params.v };
    if (params.as === "PartialObjectMetadata" || params.as === "PartialObjectMetadataList") {
      return { as: "metadata", version: params.v };
    }
  }
  return { as: "json" };
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw KubeErrors.tooLarge("the request is too large");
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

async function readObject(req: http.IncomingMessage, type: ResourceType): Promise<KubeObject> {
  const contentType =
    (req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "";
  const raw = (await readBody(req)).toString("utf8");
  let body: unknown;
  try {
    if (contentType === "application/json") body = JSON.parse(raw);
    else if (contentType === "application/yaml") body = parseYaml(raw);
    else throw KubeErrors.unsupportedMediaType(["application/json", "application/yaml"]);
  } catch (e) {
    if (e instanceof KubeStatusError) throw e;
    throw KubeErrors.badRequest(
      `error decoding ${contentType === "application/yaml" ? "YAML" : "JSON"}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!isRecord(body))
    throw KubeErrors.badRequest(`Object '${type.kind}' in the body is not an object`);
  if (!isRecord(body.metadata)) body.metadata = {};
  return body as KubeObject;
}

function checkBodyKind(type: ResourceType, body: KubeObject): void {
  if (type.custom && !body.kind) {
    throw KubeErrors.badRequest(
      `Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`,
    );
  }
  if (body.apiVersion !== undefined && body.apiVersion !== type.apiVersion) {
    throw KubeErrors.badRequest(
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${type.apiVersion})`,
    );
  }
  if (body.kind !== undefined && body.kind !== type.kind) {
    throw KubeErrors.badRequest(
      `the kind in the data (${body.kind}) does not match the expected kind (${type.kind})`,
    );
  }
  body.apiVersion = type.apiVersion;
  body.kind = type.kind;
}
