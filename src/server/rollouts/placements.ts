import "server-only";
import { type Tx } from "@/server/db/tx";
import { fleetPlatform } from "@/server/fleet/platform";
import { withTimeout } from "@/lib/platform/types";

/**
 * The environments a model runs in now, with the version serving most of the traffic: live
 * from the platform (the inventory tables lag it by a few seconds), ids from the registry.
 */
export async function placements(tx: Tx, model: { id: string; name: string }) {
  // One query at a time: a transaction is one connection.
  const live = await withTimeout(
    "deployments",
    10_000,
    fleetPlatform().deployments({ model: model.name }),
  );
  const environments = await tx.environment.findMany({
    select: { id: true, name: true, tier: true },
  });
  const versions = await tx.modelVersion.findMany({
    where: { modelId: model.id },
    select: { id: true, version: true },
  });
  const envByName = new Map(environments.map((e) => [e.name, e]));
  const versionId = new Map(versions.map((v) => [v.version, v.id]));
  const byEnv = new Map<
    string,
    {
      id: string;
      name: string;
      tier: "staging" | "production";
      versionId: string;
      version: string;
      weight: number;
    }
  >();
  for (const d of [...live.data].sort((a, b) => b.trafficWeight - a.trafficWeight)) {
    const env = envByName.get(`${d.environment}/${d.region}`);
    const vid = versionId.get(d.version);
    if (!env || !vid || byEnv.has(env.name)) continue;
    byEnv.set(env.name, { ...env, versionId: vid, version: d.version, weight: d.trafficWeight });
  }
  return byEnv;
}
