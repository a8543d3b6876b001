// The Prometheus metrics adapter against a real Prometheus (Debian's package) scraping the
// simulator's exposition once a second: the adapter's numbers must match the simulator's.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusMetrics } from "@/lib/platform/prometheus";
import { SimulatorExporter } from "@/lib/platform/simulator/exporter";
import { SimulatorMetrics } from "@/lib/platform/simulator/metrics";
import { versionBehaviour } from "@/lib/platform/simulator/behaviour";
import { OutcomeUnknownError, PlatformError } from "@/lib/platform/types";
import { freePort } from "../../scripts/lib/database";
import { metricsContract } from "../support/platform/contract";
import { fixtureFleet } from "../support/platform/fleet";

const SEED = 20261129;
const fleet = fixtureFleet();
const simulator = new SimulatorMetrics({ seed: SEED, deployments: async () => fleet });
let prometheus: PrometheusMetrics;
let server: http.Server;
let prom: ChildProcess;
let dir = "";
let promUrl = "";

async function waitFor(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  const exporter = new SimulatorExporter(SEED);
  server = http.createServer((req, res) => {
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end(exporter.render(fleet, Date.now()));
  });
  const targetPort = await freePort();
  await new Promise<void>((r) => server.listen(targetPort, "127.0.0.1", r));

  dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-prom-"));
  writeFileSync(
    path.join(dir, "prometheus.yml"),
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      "scrape_configs:",
      "  - job_name: flightdeck-sim",
      `    static_configs: [{ targets: ["127.0.0.1:${targetPort}"] }]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prom = spawn(
    process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus",
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: "ignore" },
  );
  prometheus = new PrometheusMetrics({ url: promUrl, window: "15s", timeoutMs: 5_000 });
  await waitFor(
    async () => (await prometheus.health()).status === "ok",
    30_000,
    "Prometheus to start",
  );
  // Enough scrapes for 15-second rates.
  await waitFor(
    async () =>
      (await prometheus.instant("request_rate", { model: "ranker-xl" })).length === fleet.length,
    60_000,
    "rates of every series",
  );
  await new Promise((r) => setTimeout(r, 16_000));
}, 120_000);

afterAll(async () => {
  prom?.kill("SIGTERM");
  await new Promise<void>((r) => server?.close(() => r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

metricsContract("prometheus", {
  source: () => prometheus,
  model: "ranker-xl",
  window: () => ({ start: new Date(Date.now() - 10_000), end: new Date() }),
});

describe("the Prometheus adapter agrees with the simulator", () => {
  const key = (l: object) => JSON.stringify(l);

  it("on request rate per series (within 10%)", async () => {
    const [fromProm, fromSim] = await Promise.all([
      prometheus.instant("request_rate", {}),
      simulator.instant("request_rate", {}),
    ]);
    expect(fromProm).toHaveLength(fleet.length);
    const sim = new Map(fromSim.map((s) => [key(s.labels), s.value]));
    for (const s of fromProm) {
      const expected = sim.get(key(s.labels)) ?? NaN;
      expect(Math.abs(s.value - expected) / expected, key(s.labels)).toBeLessThan(0.1);
    }
  });

  it("on error rate (within 25%) and on which version is worse", async () => {
    for (const s of await prometheus.instant("error_rate", {})) {
      const expected = versionBehaviour(SEED, s.labels.model, s.labels.version).errorRate;
      expect(Math.abs(s.value - expected) / expected, key(s.labels)).toBeLessThan(0.25);
    }
  });

  it("on latency quantiles (within the histogram's resolution)", async () => {
    for (const q of ["latency_p50", "latency_p99"] as const) {
      const [fromProm, fromSim] = await Promise.all([
        prometheus.instant(q, {}),
        simulator.instant(q, {}),
      ]);
      const sim = new Map(fromSim.map((s) => [key(s.labels), s.value]));
      for (const s of fromProm) {
        const expected = sim.get(key(s.labels)) ?? NaN;
        expect(Math.abs(s.value - expected) / expected, `${q} ${key(s.labels)}`).toBeLessThan(0.25);
      }
    }
  });

  it("on model quality gauges (within 10%)", async () => {
    for (const metric of ["prediction_drift_psi", "online_accuracy"] as const) {
      const [fromProm, fromSim] = await Promise.all([
        prometheus.instant(metric, {}),
        simulator.instant(metric, {}),
      ]);
      const sim = new Map(fromSim.map((s) => [key(s.labels), s.value]));
      for (const s of fromProm) {
        const expected = sim.get(key(s.labels)) ?? NaN;
        expect(Math.abs(s.value - expected) / expected, `${metric} ${key(s.labels)}`).toBeLessThan(
          0.1,
        );
      }
    }
  });

  it("on SLI counts over a window (within 15%)", async () => {
    const end = new Date();
    const start = new Date(end.getTime() - 10_000);
    const [p, s] = await Promise.all([
      prometheus.sliCounts({ kind: "availability" }, { model: "ranker-xl" }, start, end),
      simulator.sliCounts({ kind: "availability" }, { model: "ranker-xl" }, start, end),
    ]);
    expect(Math.abs(p.total - s.total) / s.total).toBeLessThan(0.15);
    // A 10-second window holds about a thousand requests and one or two errors: compare counts.
    const bad = (c: { good: number; total: number }) => c.total - c.good;
    expect(Math.abs(bad(p) - bad(s))).toBeLessThanOrEqual(2 + 0.15 * bad(s));
  });
});

describe("Prometheus failures are explicit", () => {
  it("reports an unreachable server as an unknown outcome, within the timeout", async () => {
    const dead = new PrometheusMetrics({
      url: `http://127.0.0.1:${await freePort()}`,
      timeoutMs: 500,
    });
    await expect(dead.instant("request_rate", {})).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect((await dead.health()).status).toBe("down");
  });

  it("reports a bad query as a platform error naming Prometheus's reason", async () => {
    const broken = new PrometheusMetrics({
      url: promUrl,
      templates: { request_rate: "sum(rate(" },
    });
    await expect(broken.instant("request_rate", {})).rejects.toThrow(PlatformError);
    await expect(broken.instant("request_rate", {})).rejects.toThrow(/bad_data/);
  });

  it("uses per-model query templates", () => {
    const custom = new PrometheusMetrics({
      url: promUrl,
      modelTemplates: {
        "ranker-xl": { request_rate: "sum(rate(http_requests_total{{{selector}}}[{{window}}]))" },
      },
    });
    expect(custom.query("request_rate", { model: "ranker-xl" })).toBe(
      'sum(rate(http_requests_total{model="ranker-xl"}[1m]))',
    );
    expect(custom.query("request_rate", { model: "other" })).toContain(
      "flightdeck_sim_requests_total",
    );
  });
});
