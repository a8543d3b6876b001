import "server-only";
import { db } from "@/server/db/client";
import { SimulatorMetrics } from "@/lib/platform/simulator/metrics";
import { SimulatorExporter } from "@/lib/platform/simulator/exporter";
import { PrometheusMetrics, type QueryTemplates } from "@/lib/platform/prometheus";
import type { MetricsSource, ServingDeployment } from "@/lib/platform/types";

/** The demo fleet's seed; FLIGHTDECK_SIM_SEED picks another simulated world. */
export function simulatorSeed(): number {
  return Number(process.env.FLIGHTDECK_SIM_SEED ?? 20261129);
}

const g = globalThis as unknown as {
  flightdeckMetrics?: MetricsSource;
  flightdeckExporter?: SimulatorExporter;
};

/**
 * The metrics source this process uses: Prometheus when PROMETHEUS_URL is set, otherwise the
 * built-in simulator.
 */
export function metricsSource(): MetricsSource {
  if (!g.flightdeckMetrics) {
    const url = process.env.PROMETHEUS_URL;
    if (url) {
      const parse = <T>(name: string): T | undefined => {
        const raw = process.env[name];
        if (!raw) return undefined;
        try {
          return JSON.parse(raw) as T;
        } catch {
          throw new Error(`${name} must be JSON`);
        }
      };
      g.flightdeckMetrics = new PrometheusMetrics({
        url,
        window: process.env.PROMETHEUS_RATE_WINDOW,
        timeoutMs: Number(process.env.PROMETHEUS_TIMEOUT_MS ?? 5_000),
        templates: parse<Partial<QueryTemplates>>("PROMETHEUS_QUERIES"),
        modelTemplates: parse<Record<string, Partial<QueryTemplates>>>("PROMETHEUS_MODEL_QUERIES"),
      });
    } else {
      g.flightdeckMetrics = new SimulatorMetrics({
        seed: simulatorSeed(),
        deployments: servingDeployments,
      });
    }
  }
  return g.flightdeckMetrics;
}

/** The simulator's Prometheus exposition, for GET /api/sim/metrics. */
export async function simulatorExposition(now = Date.now()): Promise<string> {
  g.flightdeckExporter ??= new SimulatorExporter(simulatorSeed());
  return g.flightdeckExporter.render(await servingDeployments(), now);
}

/** Every model-serving deployment, as the platform layer describes it. One query. */
export async function servingDeployments(): Promise<ServingDeployment[]> {
  const rows = await db().deployment.findMany({
    orderBy: [{ modelId: "asc" }, { environmentId: "asc" }, { clusterId: "asc" }],
    select: {
      readyReplicas: true,
      replicas: true,
      trafficWeight: true,
      model: { select: { name: true } },
      modelVersion: { select: { version: true } },
      cluster: { select: { name: true } },
      environment: { select: { tier: true, region: { select: { code: true } } } },
    },
  });
  return rows.map((d) => ({
    model: d.model.name,
    version: d.modelVersion.version,
    region: d.environment.region.code,
    cluster: d.cluster.name,
    environment: d.environment.tier,
    replicasReady: d.readyReplicas,
    replicasDesired: d.replicas,
    trafficWeight: d.trafficWeight,
  }));
}
