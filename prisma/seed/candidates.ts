import { versionBehaviour } from "../../src/lib/platform/simulator/behaviour";
import { HOUR, lookup, sha, type Tx } from "./common";
import { CI_ACTOR, DEMO_SEED, MODELS } from "./demo-data";
import { artifactUri, evalMetrics, imageRef, type SeededModel, type SeededVersion } from "./models";
import { createRng } from "./rng";

/**
 * Candidates: versions registered by CI but not rolled out yet, for trying rollouts, each with
 * the fault the simulator gives it (see `candidates` in the model catalogue). Their own
 * generator keeps the rest of the seed unchanged. Returns every model with its candidates added.
 */
export async function seedCandidates(
  tx: Tx,
  input: { seed: number; nowMs: number; models: ReadonlyMap<string, SeededModel> },
): Promise<ReadonlyMap<string, SeededModel>> {
  const rng = createRng(input.seed + 1);
  const simSeed = Number(process.env.FLIGHTDECK_SIM_SEED ?? DEMO_SEED);
  const withCandidates = new Map<string, SeededModel>();
  for (const m of MODELS) {
    const { modelId, versions } = lookup(input.models, m.name, "model");
    const major = Math.max(...versions.map((v) => Number(v.version.split(".")[0]))) + 1;
    const candidates: SeededVersion[] = [];
    // The first minor versions of the next major whose simulated behaviour has the wanted fault.
    for (let minor = 0; minor < 60 && candidates.length < m.candidates.length; minor++) {
      const version = `${major}.${minor}.0`;
      if (versionBehaviour(simSeed, m.name, version).fault !== m.candidates[candidates.length]) {
        continue;
      }
      // Registered an hour apart, the last one an hour ago: it is the model's newest version.
      const createdAt = input.nowMs - (m.candidates.length - candidates.length) * HOUR;
      const mv = await tx.modelVersion.create({
        data: {
          modelId,
          version,
          imageDigest: imageRef(m.name, sha(rng)),
          baseImageDigest: imageRef("serving-base", sha(rng)),
          artifactUri: artifactUri(m.name, version),
          trainingRunId: `run-${rng.hex(8)}`,
          datasetDigest: sha(rng),
          codeCommit: rng.hex(40),
          evalMetrics: evalMetrics(rng, m.metric, m.base + 0.05 + rng.float(-0.004, 0.006)),
          createdBy: CI_ACTOR,
          createdAt: new Date(createdAt),
        },
      });
      candidates.push({ id: mv.id, version, createdAt });
    }
    withCandidates.set(m.name, { modelId, versions: [...versions, ...candidates] });
  }
  return withCandidates;
}
