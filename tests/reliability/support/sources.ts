// The outside sources a scenario breaks on purpose: a real Prometheus that scrapes the app's
// simulated fleet, and a proxy in front of it whose answers a scenario turns down, slow or into
// garbage while the app keeps running.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import os from "node:os";
import path from "node:path";

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";

export interface Prometheus {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus on `port` scraping `target` (host:port) every second at /api/sim/metrics,
 * the simulator's exposition, which the Prometheus adapter's default queries read.
 */
export async function startScrapingPrometheus(port: number, target: string): Promise<Prometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-rel-prom-"));
  writeFileSync(
    path.join(dir, "prometheus.yml"),
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      "scrape_configs:",
      "  - job_name: flightdeck-sim",
      "    metrics_path: /api/sim/metrics",
      `    static_configs: [{ targets: ["${target}"] }]`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-10_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`Prometheus exited:\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 300) throw new Error(`Prometheus was not ready in 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How the proxy answers. */
export type FaultMode = "pass" | "down" | "slow" | "garbage";

/** The answers of "garbage" mode, in turn: each is something a broken source has sent. */
const GARBAGE: { status: number; type: string; body: string }[] = [
  { status: 200, type: "text/html", body: "<html><body>502 Bad Gateway</body></html>" },
  { status: 200, type: "application/json", body: '{"status":"success","data":{"result":7}}' },
  {
    status: 200,
    type: "application/json",
    body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[0,"NaN"]}]}}',
  },
  { status: 200, type: "application/json", body: '{"status":"success"' },
];

export interface FaultProxy {
  url: string;
  mode: FaultMode;
  /** requests answered in each mode so far */
  answered: Record<FaultMode, number>;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy on `port` in front of `upstream`: "pass" forwards, "down" drops the connection,
 * "slow" forwards after `slowMs`, "garbage" answers 200 with something that is not a Prometheus
 * answer (see GARBAGE).
 */
export async function startFaultProxy(
  port: number,
  upstream: string,
  slowMs = 5_000,
): Promise<FaultProxy> {
  const target = new URL(upstream);
  let turn = 0;
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    mode: "pass",
    answered: { pass: 0, down: 0, slow: 0, garbage: 0 },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const out = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  };
  const server: Server = createServer((req, res) => {
    const mode = proxy.mode;
    proxy.answered[mode] += 1;
    if (mode === "down") {
      req.socket.destroy();
      return;
    }
    if (mode === "garbage") {
      const g = GARBAGE[turn++ % GARBAGE.length]!;
      res.writeHead(g.status, { "content-type": g.type });
      res.end(g.body);
      return;
    }
    if (mode === "slow") {
      const timer = setTimeout(() => forward(req, res), slowMs);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    forward(req, res);
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return proxy;
}
