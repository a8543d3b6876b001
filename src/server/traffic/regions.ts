import "server-only";
import { clock } from "@/lib/clock";
import type { Actor } from "@/server/auth/session";
import { assertCanRead, isAllowed } from "@/server/access/authorize";
import { db } from "@/server/db/client";
import { globalShares, routeTraffic } from "@/lib/domain/traffic/routing";
import {
  DEFAULT_HEADROOM,
  planDrain,
  regionCeilingRps,
  type RegionServing,
  type Verdict,
} from "@/lib/domain/traffic/drain-plan";
import { readServing, type ModelServingDetail } from "./serving";
import { listDrains, type DrainSummary } from "./drains";

export interface RegionRow {
  region: string;
  name: string;
  clusters: string[];
  /** production requests per second served */
  rps: number;
  /** request-weighted error rate (0..1), null without traffic */
  errorRate: number | null;
  /** request-weighted p99 latency, ms */
  p99Ms: number | null;
  /** models serving production here */
  models: number;
  /** models whose dial here is below 100 */
  drainedModels: number;
  /**
   * How much more traffic the region could take (0..1 of what it serves) before its models
   * reach the replicas their autoscalers' maximums and the free GPUs allow, at their current
   * per-replica throughput; null without traffic.
   */
  headroom: number | null;
  freeGpus: number;
  /**
   * The capacity check of draining the region of every model now (the default headroom): the
   * answer to "can we drain it?" at a glance; the plan's page has the per-model verdicts.
   */
  drainCheck: { verdict: Verdict; counts: Record<Verdict, number> } | null;
  /** the drain of this region not yet undrained */
  drain: DrainSummary | null;
}

export interface ModelRegionShare {
  model: string;
  team: string;
  regions: {
    region: string;
    /** share of the model's global production traffic served here (0..1) */
    share: number;
    rps: number;
    dial: number;
    readyReplicas: number;
    errorRate: number | null;
    p99Ms: number | null;
  }[];
}

export interface RegionsView {
  readAt: Date;
  regions: RegionRow[];
  models: ModelRegionShare[];
  drains: DrainSummary[];
  errors: string[];
  balancer: boolean;
  /** the actor may plan and start drains (of their team's models, or all for admins) */
  canDrain: boolean;
  teams: string[];
}

/** The shares of a model's traffic each region serves, as the balancer routes it now. */
export function sharesOf(m: ModelServingDetail): ModelRegionShare {
  const total = m.regions.reduce((s, r) => s + r.servedRps, 0);
  const demand: Record<string, number> = {};
  const dials: Record<string, number> = {};
  for (const r of m.regions) {
    demand[r.region] = r.demandRps;
    dials[r.region] = r.dial;
  }
  // Without measured traffic, the balancer's routing of the demand it reports.
  const routed = total > 0 ? null : globalShares(routeTraffic(demand, dials));
  return {
    model: m.model,
    team: m.team,
    regions: m.regions.map((r) => ({
      region: r.region,
      share: routed ? (routed[r.region] ?? 0) : r.servedRps / total,
      rps: r.servedRps,
      dial: r.dial,
      readyReplicas: r.readyReplicas,
      errorRate: r.errorRate,
      p99Ms: r.p99Ms,
    })),
  };
}

/** Draining `region` of every model serving there; null when none does. */
function drainCheckOf(
  models: readonly ModelServingDetail[],
  region: string,
): RegionRow["drainCheck"] {
  const plan = planDrain(models, { region, headroom: DEFAULT_HEADROOM });
  return plan.models.length > 0 ? { verdict: plan.verdict, counts: plan.counts } : null;
}

/** The Regions page: each region's traffic, errors, latency and headroom; each model's shares. */
export async function regionsView(actor: Actor | null): Promise<RegionsView> {
  assertCanRead(actor);
  const [serving, regionRows, drains, teams] = await Promise.all([
    readServing(),
    db().region.findMany({
      select: {
        code: true,
        name: true,
        clusters: { select: { name: true }, orderBy: { name: "asc" } },
      },
      orderBy: { code: "asc" },
    }),
    listDrains(actor),
    db().team.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  const openDrain = new Map(
    drains.filter((d) => d.phase !== "undrained").map((d) => [d.region, d]),
  );
  const acc = new Map<
    string,
    {
      rps: number;
      errW: number;
      p99W: number;
      p99N: number;
      models: number;
      drained: number;
      serving: RegionServing[];
      free: Map<string, number>;
    }
  >();
  for (const m of serving.models) {
    for (const r of m.regions) {
      const a = acc.get(r.region) ?? {
        rps: 0,
        errW: 0,
        p99W: 0,
        p99N: 0,
        models: 0,
        drained: 0,
        serving: [] as RegionServing[],
        free: new Map(),
      };
      a.rps += r.servedRps;
      if (r.errorRate !== null) a.errW += r.errorRate * r.servedRps;
      if (r.p99Ms !== null && r.servedRps > 0) {
        a.p99W += r.p99Ms * r.servedRps;
        a.p99N += r.servedRps;
      }
      a.models += 1;
      if (r.dial < 100) a.drained += 1;
      a.serving.push(r);
      a.free.set(`${r.cluster}/${r.gpuType}`, r.freeGpus);
      acc.set(r.region, a);
    }
  }
  const regions: RegionRow[] = regionRows.map((row) => {
    const a = acc.get(row.code);
    return {
      region: row.code,
      name: row.name,
      clusters: row.clusters.map((c) => c.name),
      rps: a?.rps ?? 0,
      errorRate: a && a.rps > 0 ? a.errW / a.rps : null,
      p99Ms: a && a.p99N > 0 ? a.p99W / a.p99N : null,
      models: a?.models ?? 0,
      drainedModels: a?.drained ?? 0,
      headroom: a && a.rps > 0 ? Math.max(0, regionCeilingRps(a.serving) / a.rps - 1) : null,
      freeGpus: a ? [...a.free.values()].reduce((s, v) => s + v, 0) : 0,
      drainCheck: drainCheckOf(serving.models, row.code),
      drain: openDrain.get(row.code) ?? null,
    };
  });
  return {
    readAt: clock.now(),
    regions,
    models: serving.models.map(sharesOf),
    drains,
    errors: serving.errors,
    balancer: serving.balancer,
    canDrain: isAllowed(actor, "traffic.shift"),
    teams: teams.map((t) => t.name),
  };
}

/** One model's traffic by region, for its page. */
export async function modelRegionTraffic(
  actor: Actor | null,
  model: string,
): Promise<{ shares: ModelRegionShare | null; errors: string[]; balancer: boolean }> {
  assertCanRead(actor);
  const serving = await readServing([model]);
  const m = serving.models[0];
  return { shares: m ? sharesOf(m) : null, errors: serving.errors, balancer: serving.balancer };
}

/** What the plan form offers: regions, teams and models by name. */
export async function planChoices(
  actor: Actor | null,
): Promise<{ regions: string[]; teams: string[]; models: string[] }> {
  assertCanRead(actor);
  const [regions, teams, models] = await Promise.all([
    db().region.findMany({ select: { code: true }, orderBy: { code: "asc" } }),
    db().team.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
    db().model.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  return {
    regions: regions.map((r) => r.code),
    teams: teams.map((t) => t.name),
    models: models.map((m) => m.name),
  };
}
