import type { FleetTopology } from "@/lib/platform/simulator/fleet";

/** A small fleet: two regions, a serving and a training cluster each, three models. */
export function smallTopology(): FleetTopology {
  const regions = ["us-east-1", "eu-west-1"];
  return {
    clusters: regions.flatMap((region) => [
      {
        name: `${region}-serve`,
        region,
        pools: [
          {
            name: "l4-pool",
            gpuType: "L4" as const,
            gpusPerNode: 4,
            nodes: 6,
            cordonedNodes: 0,
            minNodes: 2,
            maxNodes: 10,
          },
          {
            name: "h100-pool",
            gpuType: "H100" as const,
            gpusPerNode: 8,
            nodes: 3,
            cordonedNodes: 1,
            minNodes: 1,
            maxNodes: 6,
          },
        ],
      },
      {
        name: `${region}-train`,
        region,
        pools: [
          {
            name: "a100-pool",
            gpuType: "A100" as const,
            gpusPerNode: 8,
            nodes: 6,
            cordonedNodes: 0,
            minNodes: 4,
            maxNodes: 8,
          },
        ],
      },
    ]),
    namespaces: regions.flatMap((region) => [
      { cluster: `${region}-serve`, name: "search-serving", gpuQuota: 16 },
      { cluster: `${region}-serve`, name: "assist-serving", gpuQuota: 16 },
      { cluster: `${region}-train`, name: "search-training", gpuQuota: 32 },
    ]),
    deployments: [
      ...regions.map((region) => ({
        model: "fraud-scorer",
        namespace: "search-serving",
        version: "1.4.0",
        region,
        cluster: `${region}-serve`,
        environment: "production" as const,
        replicas: 4,
        hpaMin: 2,
        hpaMax: 10,
        trafficWeight: 100,
      })),
      ...regions.map((region) => ({
        model: "assistant-llm-70b",
        namespace: "assist-serving",
        version: "2.0.0",
        region,
        cluster: `${region}-serve`,
        environment: "production" as const,
        replicas: 3,
        hpaMin: 2,
        hpaMax: 6,
        trafficWeight: 100,
      })),
      {
        model: "fraud-scorer",
        namespace: "search-serving",
        version: "1.5.0",
        region: "us-east-1",
        cluster: "us-east-1-serve",
        environment: "staging" as const,
        replicas: 1,
        hpaMin: 1,
        hpaMax: 3,
        trafficWeight: 100,
      },
    ],
    jobs: [
      {
        name: "ranker-train-001",
        cluster: "us-east-1-train",
        namespace: "search-training",
        gpuType: "A100",
        gpus: 16,
        status: "running",
        stepsDone: 10_000,
        stepsTotal: 100_000,
        restarts: 0,
        failureReason: null,
        checkpointSteps: [5_000, 10_000],
        startedAt: Date.parse("2026-11-28T00:00:00Z"),
        gpuHoursUsed: 100,
        gpuHoursLost: 0,
      },
      {
        name: "asr-train-002",
        cluster: "eu-west-1-train",
        namespace: "search-training",
        gpuType: "A100",
        gpus: 8,
        status: "failed",
        stepsDone: 3_000,
        stepsTotal: 50_000,
        restarts: 3,
        failureReason: "NCCL timeout",
        checkpointSteps: [2_500],
        startedAt: Date.parse("2026-11-28T00:00:00Z"),
        gpuHoursUsed: 40,
        gpuHoursLost: 6,
      },
    ],
  };
}

export const T0 = Date.parse("2026-11-29T00:00:00Z");
