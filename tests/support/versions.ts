import type { PrismaClient } from "@/generated/prisma/client";
import { versionBehaviour, type Fault } from "@/lib/platform/simulator/behaviour";

/** The simulator's seed in the test fleet (FLIGHTDECK_SIM_SEED's default). */
export const SIM_SEED = 20261129;

/**
 * Registers a version of `model` that the simulator serves with `fault`: the first name
 * `nameOf(i)` gives (i = 0, 1, …) whose simulated behaviour has it and that is not registered
 * yet. Names are deterministic, so every run judges the same simulated versions.
 */
export async function registerVersionWith(
  prisma: PrismaClient,
  model: string,
  fault: Fault,
  nameOf: (i: number) => string,
  extra: { evalMetrics?: Record<string, number>; createdBy?: string } = {},
): Promise<{ id: string; version: string }> {
  const m = await prisma.model.findUniqueOrThrow({ where: { name: model } });
  for (let i = 0; i < 300; i++) {
    const version = nameOf(i);
    if (versionBehaviour(SIM_SEED, model, version).fault !== fault) continue;
    if (await prisma.modelVersion.findFirst({ where: { modelId: m.id, version } })) continue;
    const digest = Buffer.from(version).toString("hex").slice(0, 64).padEnd(64, "e");
    return prisma.modelVersion.create({
      data: {
        modelId: m.id,
        version,
        imageDigest: `registry.test/${model}@sha256:${digest}`,
        baseImageDigest: `registry.test/base@sha256:${"b".repeat(64)}`,
        artifactUri: `s3://test/${model}/${version}`,
        trainingRunId: "run-test",
        datasetDigest: `sha256:${"c".repeat(64)}`,
        codeCommit: "d".repeat(40),
        evalMetrics: extra.evalMetrics ?? {},
        createdBy: extra.createdBy ?? "test",
      },
      select: { id: true, version: true },
    });
  }
  throw new Error(`no ${fault} version of ${model} found`);
}
