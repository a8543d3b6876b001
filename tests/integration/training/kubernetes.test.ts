// Training jobs read from a Kubernetes API test server serving Kubeflow's PyTorchJob: the adapter
// lists and watches PyTorchJobs and their pods, the fleet sync adds the job to the inventory with
// its interruptions and checkpoints, and the job's page says what each failure cost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clustersFromEnvironment } from "@/lib/platform/kubernetes/config";
import { KubernetesPlatform } from "@/lib/platform/kubernetes/platform";
import { PlatformError } from "@/lib/platform/types";
import { syncFleet } from "@/server/fleet/sync";
import { getTrainingJob } from "@/server/training/reliability";
import { KubeApiServer, kubeconfigFor } from "../../support/kube";
import { kubeSystemNamespace, node, teamNamespace } from "../../support/kube/fleet-objects";
import {
  failedTwice,
  pytorchJob,
  pytorchJobCrd,
  trainingPod,
} from "../../support/kube/training-objects";
import { connectTestDatabase } from "../../support/db";
import { actor } from "../../support/actors";

const prisma = connectTestDatabase();
const CLUSTER = "gke-us-east1-training-test";
const now = Date.now();
const fixture = failedTwice(now);
let server: KubeApiServer;
let platform: KubernetesPlatform;

const gpuNode = (name: string) =>
  node({
    name,
    provider: "gke",
    pool: "h100-pool",
    region: "us-east1",
    zone: "us-east1-b",
    instanceType: "a3-highgpu-8g",
    gpu: { product: "NVIDIA-H100-80GB-HBM3", count: 8 },
    createdAt: new Date(now - 40 * 86_400_000).toISOString(),
  });

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string) {
  const until = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  server = new KubeApiServer({ bookmarkIntervalMs: 200, crds: [pytorchJobCrd()] });
  await server.up();
  server.store.load([
    kubeSystemNamespace({ region: "us-east-1", provider: "gke", role: "training" }),
    teamNamespace("assistant-training", "assistant"),
    ...["gpu-node-0", "gpu-node-1", "gpu-node-2", "gpu-node-3"].map(gpuNode),
    ...fixture.objects,
    // A job whose model Flightdeck does not know: reported, not invented.
    pytorchJob({
      name: "mystery-train",
      namespace: "assistant-training",
      model: "not-in-the-registry",
      workers: 1,
      gpusPerPod: 8,
      startTime: now - 3_600_000,
      conditions: [{ type: "Running", at: now - 3_600_000 }],
    }),
  ]);
  platform = new KubernetesPlatform({
    clusters: clustersFromEnvironment({
      KUBECONFIG: kubeconfigFor([{ name: CLUSTER, server }]),
    }),
    timing: { backoffMs: 20, maxBackoffMs: 200, idleMs: 5_000 },
    requestTimeoutMs: 2_000,
  }).start();
  await platform.ready();
});

afterAll(async () => {
  await platform?.stop();
  await server?.stop();
  await prisma.$disconnect();
});

describe("PyTorchJobs on a Kubernetes cluster", () => {
  it("are read with their interruptions and checkpoints", async () => {
    const { data, errors } = await platform.jobs();
    expect(errors).toEqual([]);
    const job = data.find((j) => j.name === fixture.job);
    expect(job).toMatchObject({
      cluster: CLUSTER,
      namespace: "assistant-training",
      status: "running",
      gpus: fixture.expected.gpus,
      restarts: fixture.expected.restarts,
      model: "assistant-llm-70b",
      gpuType: "H100",
    });
    expect(job?.checkpoints).toHaveLength(fixture.expected.checkpoints);
    expect(job?.interruptions.map((i) => i.cause)).toEqual(["oom", "gpu_xid"]);
  });

  it("are added to the inventory by a discovering sync, once, and the page shows each failure's cost", async () => {
    const report = await syncFleet(platform, { discover: true });
    expect(report?.errors).toContainEqual(
      expect.stringMatching(/mystery-train: model not-in-the-registry is not in the registry/),
    );
    const row = await prisma.trainingJob.findUniqueOrThrow({
      where: { name: fixture.job },
      select: { gpuType: true, gpuCount: true, team: { select: { slug: true } } },
    });
    expect(row).toEqual({ gpuType: "H100", gpuCount: 32, team: { slug: "assistant" } });
    expect(await prisma.trainingJob.count({ where: { name: "mystery-train" } })).toBe(0);

    const again = await syncFleet(platform, { discover: true });
    expect(again).toMatchObject({ jobs: 0, checkpoints: 0, interruptions: 0 });

    const page = await getTrainingJob(actor("viewer"), fixture.job);
    expect(
      page.interruptions.map((i) => [i.cause, i.restartSeconds, i.lastCheckpointStep]),
    ).toEqual(
      [...fixture.expected.interruptions]
        .reverse()
        .map((i) => [i.cause, i.restartSeconds, i.lastCheckpointStep]),
    );
    // the Xid: 2 h since the checkpoint at 20 h and 9 minutes down, on 32 GPUs
    expect(page.interruptions[0]?.gpuHoursLost).toBeCloseTo((2 + 9 / 60) * 32, 1);
    expect(page.reliability.advice).toMatchObject({ kind: "advice", verdict: "too_rarely" });
  });

  it("follow a new failure by watch", async () => {
    const failedAt = now - 60_000;
    server.store.put(
      trainingPod({
        job: fixture.job,
        namespace: "assistant-training",
        replicaType: "Worker",
        index: 0,
        node: "gpu-node-1",
        gpus: 8,
        startedAt: fixture.start,
        phase: "Failed",
        podFailure: {
          reason: "NodeLost",
          message: "Node gpu-node-1 which was running pod llm-pretrain-worker-0 is unresponsive",
          at: failedAt,
        },
      }),
    );
    const job = await eventually(
      async () => (await platform.jobs()).data.find((j) => j.name === fixture.job),
      (j) => (j?.interruptions.length ?? 0) === 3,
      "the third interruption shows",
    );
    expect(job?.interruptions.at(-1)).toMatchObject({ cause: "node_lost", restartSeconds: null });
    const report = await syncFleet(platform, { discover: true });
    expect(report?.interruptions).toBe(1);
  });

  it("are not resumed from Flightdeck", async () => {
    await expect(platform.resumeFromCheckpoint(fixture.job)).rejects.toThrow(PlatformError);
    await expect(platform.resumeFromCheckpoint(fixture.job)).rejects.toThrow(/backoffLimit/);
  });
});
