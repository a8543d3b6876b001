// Data the benchmarks share: the large fleet's inventory, and model versions whose simulated
// behaviour is known.
import type { PrismaClient } from "@/generated/prisma/client";
import { versionBehaviour, type Fault } from "@/lib/platform/simulator/behaviour";
import { LARGE_FLEET, scaleOutFleet } from "../../prisma/seed/large";
import { SEED_NOW } from "../support/constants";

/**
 * The large seed's inventory (200 clusters, 3,000 deployments, 1,000 training jobs and its
 * rollout history) without its SLI history, incidents and audit log. Returns the seconds taken.
 */
export async function scaleOutInventory(prisma: PrismaClient): Promise<number> {
  const started = Date.now();
  await prisma.$transaction(
    (tx) =>
      scaleOutFleet(tx, {
        seed: 1,
        nowMs: SEED_NOW.getTime(),
        size: { ...LARGE_FLEET, slos: 0, incidents: 0, auditEvents: 0 },
      }),
    { timeout: 600_000 },
  );
  return (Date.now() - started) / 1000;
}

/**
 * A new version of `model` whose simulated behaviour has `fault` ("none": its canary keeps
 * going), named `${major}.<n>.${tag}`.
 */
export async function benchVersion(
  prisma: PrismaClient,
  model: string,
  fault: Fault,
  { major, tag }: { major: number; tag: string },
): Promise<string> {
  const m = await prisma.model.findUniqueOrThrow({ where: { name: model } });
  for (let i = 0; i < 500; i++) {
    const v = `${major}.${i}.${tag}`;
    if (versionBehaviour(20261129, model, v).fault !== fault) continue;
    if (await prisma.modelVersion.findFirst({ where: { modelId: m.id, version: v } })) continue;
    await prisma.modelVersion.create({
      data: {
        modelId: m.id,
        version: v,
        imageDigest: `registry.bench/${model}@sha256:${v.replace(/\W/g, "").padEnd(64, "0")}`,
        baseImageDigest: `registry.bench/base@sha256:${"b".repeat(64)}`,
        artifactUri: `s3://bench/${model}/${v}`,
        trainingRunId: "bench",
        datasetDigest: `sha256:${"d".repeat(64)}`,
        codeCommit: "e".repeat(40),
        evalMetrics: {},
        createdBy: "bench",
      },
    });
    return v;
  }
  throw new Error(`no version of ${model} with fault ${fault}`);
}
