import { defaultPromotionsOnly } from "../../src/lib/domain/rollouts/release-process";
import { DAY, lookup, type Tx } from "./common";
import {
  CLUSTER_KINDS,
  ENVIRONMENT_TIERS,
  K8S_VERSIONS,
  REGIONS,
  TEAMS,
  type ClusterKind,
} from "./demo-data";
import type { Rng } from "./rng";

type Tier = (typeof ENVIRONMENT_TIERS)[number]["tier"];
type Region = (typeof REGIONS)[number];

export interface Topology {
  environmentId(tier: Tier, region: string): string;
  servingClusterId(region: string): string;
  /** in region order */
  trainingClusterIds: readonly string[];
}

/** Regions with their environments, and a serving and a training cluster in each. */
export async function seedTopology(
  tx: Tx,
  input: { rng: Rng; nowMs: number; teamIds: ReadonlyMap<string, string> },
): Promise<Topology> {
  const environments = new Map<string, string>();
  const servingClusters = new Map<string, string>();
  const trainingClusterIds: string[] = [];
  for (const r of REGIONS) {
    const region = await tx.region.create({ data: { code: r.code, name: r.name } });
    for (const e of ENVIRONMENT_TIERS) {
      const env = await tx.environment.create({
        data: {
          name: `${e.tier}/${r.code}`,
          tier: e.tier,
          regionId: region.id,
          requiredApprovals: e.requiredApprovals,
          soakMinutes: e.soakMinutes,
          promotionsOnly: defaultPromotionsOnly(e.tier),
        },
      });
      environments.set(env.name, env.id);
    }
    for (const kind of CLUSTER_KINDS) {
      const clusterId = await seedCluster(tx, { ...input, region: r, regionId: region.id, kind });
      if (kind.kind === "serve") servingClusters.set(r.code, clusterId);
      else trainingClusterIds.push(clusterId);
    }
  }
  return {
    environmentId: (tier, region) => lookup(environments, `${tier}/${region}`, "environment"),
    servingClusterId: (region) => lookup(servingClusters, region, "serving cluster of region"),
    trainingClusterIds,
  };
}

/** A cluster with its GPU node pools and a namespace per team. */
async function seedCluster(
  tx: Tx,
  input: {
    rng: Rng;
    nowMs: number;
    teamIds: ReadonlyMap<string, string>;
    region: Region;
    regionId: string;
    kind: ClusterKind;
  },
): Promise<string> {
  const { rng, region, kind } = input;
  const cluster = await tx.cluster.create({
    data: {
      name: `${region.provider}-${region.short}-${kind.kind}-01`,
      regionId: input.regionId,
      provider: region.provider,
      k8sVersion: rng.pick(K8S_VERSIONS),
      createdAt: new Date(input.nowMs - rng.int(200, 600) * DAY),
    },
  });
  await seedNodePools(tx, rng, cluster.id, kind);
  await seedNamespaces(tx, { rng, teamIds: input.teamIds, clusterId: cluster.id, kind });
  return cluster.id;
}

async function seedNodePools(tx: Tx, rng: Rng, clusterId: string, kind: ClusterKind) {
  // All node counts are drawn before the pools' own figures.
  const pools = kind.pools.map((p) => ({ ...p, nodes: rng.int(p.nodes[0], p.nodes[1]) }));
  for (const p of pools) {
    const gpuCount = p.nodes * p.perNode;
    const cordoned = rng.next() < 0.2 ? p.perNode : 0;
    const allocatable = gpuCount - cordoned;
    await tx.nodePool.create({
      data: {
        clusterId,
        name: `${p.gpu.toLowerCase()}-pool`,
        gpuType: p.gpu,
        nodeCount: p.nodes,
        gpusPerNode: p.perNode,
        gpuCount,
        gpuAllocatable: allocatable,
        gpuAllocated: Math.round(allocatable * rng.float(0.45, 0.92)),
        minNodes: Math.max(1, p.nodes - 4),
        maxNodes: p.nodes + 8,
      },
    });
  }
}

/** One namespace per team, with a GPU quota and some of it in use. */
async function seedNamespaces(
  tx: Tx,
  input: { rng: Rng; teamIds: ReadonlyMap<string, string>; clusterId: string; kind: ClusterKind },
) {
  const { rng } = input;
  for (const t of TEAMS) {
    const gpuQuota = rng.pick(input.kind.gpuQuotas);
    const cpuQuota = gpuQuota * 12;
    const memoryQuotaGi = gpuQuota * 96;
    const use = rng.float(0.3, 0.95);
    await tx.namespace.create({
      data: {
        clusterId: input.clusterId,
        name: `${t.slug}-${input.kind.namespaceSuffix}`,
        teamId: lookup(input.teamIds, t.slug, "team"),
        gpuQuota,
        gpuUsed: Math.round(gpuQuota * use),
        cpuQuota,
        cpuUsed: Math.round(cpuQuota * use * rng.float(0.7, 1)),
        memoryQuotaGi,
        memoryUsedGi: Math.round(memoryQuotaGi * use * rng.float(0.6, 1)),
      },
    });
  }
}
