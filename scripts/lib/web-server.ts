// The HTTP server of every Flightdeck process: Next.js behind our own listener, which is the
// only place that knows the TCP peer. It writes the client's address into a header the app can
// trust (see src/lib/net/client-address.ts) before Next.js sees the request, because Next.js
// passes a client-supplied X-Forwarded-For through unchanged. It also gives every request its
// id (x-request-id, carried by the request's audit rows and log line), times it into
// /metrics by route pattern, and serves /metrics itself.
//
// Roles: `web` serves pages and APIs; `worker` runs the background loops (started by
// src/instrumentation.ts) and serves only its probes and /metrics; `all` (the demo) does both.
import { randomUUID, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import next from "next";
import {
  CLIENT_ADDRESS_HEADER,
  parseTrustedProxies,
  peerIsTrustedProxy,
  stampClientAddress,
  type TrustedProxies,
} from "../../src/lib/net/client-address";
import { isSignInRequest, SignInGate, type ShedSignIns } from "../../src/lib/net/sign-in-gate";
import { isPageRender, PageGate } from "../../src/lib/net/page-gate";
import { refuseRequest } from "../../src/lib/net/request-guards";
import { envNumber } from "../../src/lib/config/env";
import { log } from "../../src/lib/telemetry/log";
import { exposition, httpRequestDuration } from "../../src/lib/telemetry/metrics";
import { routeMatcher } from "./routes";

export type Role = "web" | "worker" | "all";

/** The only paths a worker answers: its probes and its metrics. */
const WORKER_PATHS = new Set(["/api/health/live", "/api/health/ready", "/metrics"]);

/** A request id as proxies and tracing systems write them (no spaces, no control characters). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,100}$/;

/**
 * The request's id, which its log line and audit rows carry: the one a trusted proxy sent
 * (X-Request-Id, so its logs join ours), else a new one. A client's own value is never the id
 * (it could reuse another request's); it is kept beside it in the log line.
 */
function requestId(req: IncomingMessage, trusted: TrustedProxies): { id: string; given?: string } {
  const header = req.headers["x-request-id"];
  const given = typeof header === "string" && REQUEST_ID.test(header) ? header : undefined;
  const id = given && peerIsTrustedProxy(req, trusted) ? given : randomUUID();
  req.headers["x-request-id"] = id;
  return { id, given: given !== id ? given : undefined };
}

/** The bearer token /metrics asks for; without FLIGHTDECK_METRICS_TOKEN the endpoint is off. */
function metricsAllowed(req: IncomingMessage, token: string): boolean {
  const given = req.headers.authorization ?? "";
  const expected = Buffer.from(`Bearer ${token}`);
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

async function serveMetrics(req: IncomingMessage, res: ServerResponse) {
  const token = process.env.FLIGHTDECK_METRICS_TOKEN;
  if (!token) {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("Metrics are off: set FLIGHTDECK_METRICS_TOKEN to serve them here.\n");
    return;
  }
  if (!metricsAllowed(req, token)) {
    res.writeHead(401, {
      "content-type": "text/plain; charset=utf-8",
      "www-authenticate": 'Bearer realm="flightdeck-metrics"',
    });
    res.end("Send Authorization: Bearer <FLIGHTDECK_METRICS_TOKEN>.\n");
    return;
  }
  const { contentType, body } = await exposition();
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

export interface ServeOptions {
  role: Role;
  dev: boolean;
  /** the app's directory (the checkout, or the built standalone directory) */
  dir: string;
  port: number;
  hostname: string;
}

export async function serve(options: ServeOptions): Promise<void> {
  const { role, dev, dir, port, hostname } = options;
  let trusted: TrustedProxies;
  try {
    trusted = parseTrustedProxies(process.env.FLIGHTDECK_TRUSTED_PROXIES);
  } catch (error) {
    log().fatal((error as Error).message);
    process.exit(1);
  }

  const app = next({ dev, dir, hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const manifest = path.join(dir, ".next", "app-path-routes-manifest.json");
  const routeOf = routeMatcher(
    existsSync(manifest)
      ? Object.values(JSON.parse(readFileSync(manifest, "utf8")) as Record<string, string>)
      : [],
  );

  const signIns = new SignInGate();
  // Page renders beyond this many wait their turn (src/lib/net/page-gate.ts); 0 turns it off.
  const pageLimit = envNumber("FLIGHTDECK_MAX_CONCURRENT_PAGES", 8, { min: 0, max: 10_000 });
  const pages = pageLimit > 0 ? new PageGate(pageLimit) : null;
  const server = createServer((req, res) => {
    const started = performance.now();
    const { id, given } = requestId(req, trusted);
    res.setHeader("x-request-id", id);
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    const route = pathname === "/metrics" ? "/metrics" : routeOf(pathname);
    // "close" always comes, "finish" only for a response sent whole: a request its client gave
    // up on is counted too, as status "aborted".
    res.once("close", () => {
      const seconds = (performance.now() - started) / 1000;
      const status = res.writableFinished ? String(res.statusCode) : "aborted";
      httpRequestDuration.observe({ route, method: req.method ?? "GET", status }, seconds);
      const line = {
        requestId: id,
        ...(given ? { clientRequestId: given } : {}),
        method: req.method,
        route,
        status,
        ms: Math.round(seconds * 10_000) / 10,
      };
      if (route.startsWith("/_next") || route.startsWith("/api/health")) log().debug(line);
      else log().info(line, "request");
    });
    stampClientAddress(req, trusted);
    if (role === "worker" && !WORKER_PATHS.has(pathname)) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end(
        "This is a Flightdeck worker: it serves /api/health/live, /api/health/ready and /metrics only.\n",
      );
      return;
    }
    const refused = refuseRequest(req, route);
    if (refused) {
      if (refused.json) {
        res.writeHead(refused.status, { "content-type": "application/json" });
        res.end(JSON.stringify(refused.json));
      } else {
        res.writeHead(refused.status, { "content-type": "text/plain; charset=utf-8" });
        res.end(`${refused.message}\n`);
      }
      return;
    }
    if (pathname === "/metrics") {
      serveMetrics(req, res).catch((error: unknown) => {
        log().error({ err: error }, "Serving /metrics failed");
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    if (isSignInRequest(req.method, req.url)) {
      const address = req.headers[CLIENT_ADDRESS_HEADER];
      const done = signIns.admit(typeof address === "string" ? address : null);
      if (!done) {
        res.writeHead(429, { "content-type": "text/plain; charset=utf-8", "retry-after": "5" });
        res.end(
          "Too many sign-in attempts at once from your address. Try again in a few seconds.\n",
        );
        return;
      }
      res.once("close", done);
    }
    if (pages && isPageRender(req.method, req.url)) {
      pages.run(res, () => void handle(req, res));
      return;
    }
    void handle(req, res);
  });

  // Once a minute, what the door refused: a log line, and one audit row through the app.
  const report = setInterval(() => {
    const shed = signIns.takeShed();
    if (!shed) return;
    log().warn(
      { refused: shed.refused, addresses: shed.addresses, topAddress: shed.topAddress },
      `Refused ${shed.refused} sign-in requests at once in the last minute from ${shed.addresses} address(es); most from ${shed.topAddress ?? "unknown"} (${shed.topCount})`,
    );
    const record = (
      globalThis as { flightdeckRecordShedSignIns?: (s: ShedSignIns) => Promise<void> }
    ).flightdeckRecordShedSignIns;
    record?.(shed).catch((error: unknown) =>
      log().error({ err: error }, "Auditing refused sign-ins failed"),
    );
  }, 60_000);
  report.unref();
  if (dev) {
    // Hot reloading talks over a WebSocket.
    const upgrade = app.getUpgradeHandler();
    server.on("upgrade", (req, socket, head) => {
      stampClientAddress(req, trusted);
      void upgrade(req, socket, head);
    });
  }
  // Longer than a load balancer's idle timeout (60 s on most), so it never reuses a closed socket.
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => {
    log().info({ port, hostname }, `Flightdeck ${role} listening on http://${hostname}:${port}`);
  });

  // SIGTERM: first drain (readiness answers 503 so load balancers stop sending, while requests
  // still in flight and arriving are served), then stop listening, let running requests end
  // (10 s at most), send the traces still buffered, and exit.
  let closing = false;
  const drainMs = envNumber("FLIGHTDECK_DRAIN_SECONDS", 0, { min: 0, max: 120 }) * 1000;
  const exit = async () => {
    const tracing = (globalThis as { flightdeckTracing?: { shutdown: () => Promise<void> } | null })
      .flightdeckTracing;
    await Promise.race([
      tracing?.shutdown().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
    ]);
    process.exit(0);
  };
  const stop = () => {
    if (closing) return;
    closing = true;
    (globalThis as { flightdeckDraining?: boolean }).flightdeckDraining = true;
    if (drainMs > 0) log().info({ drainMs }, "Draining before stopping");
    setTimeout(() => {
      server.close(() => void exit());
      server.closeIdleConnections();
      setTimeout(() => void exit(), 10_000).unref();
    }, drainMs).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
