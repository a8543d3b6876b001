import "server-only";
import { clock } from "@/lib/clock";
import { LOCKS, tryAdvisoryLock } from "@/server/db/locks";
import { db } from "@/server/db/client";
import { fleetPlatform, simulatorIsPlatform } from "@/server/fleet/platform";
import { recordCapacitySample } from "@/server/capacity/rollups";
import {
  withTimeout,
  type ClusterInventory,
  type TrainingJobState,
  type TrainingPlatform,
  type Workloads,
} from "@/lib/platform/types";
import type { Tx } from "@/server/db/tx";
import {
  interruptionCost,
  ranSinceEach,
  stepsPerHourFromCheckpoints,
  type InterruptionCause,
} from "@/lib/domain/training/reliability";

export interface SyncReport {
  clusters: number;
  pools: number;
  namespaces: number;
  deployments: number;
  jobs: number;
  checkpoints: number;
  /** interruptions recorded or updated (a restart's duration once it ran again) */
  interruptions: number;
  errors: string[];
  /** clusters whose inventory was read without an error in this sync */
  current: string[];
}

interface TrainingInterruptionRow {
  trainingJobId: string;
  at: Date;
  cause: InterruptionCause;
  message: string;
  stepAtFailure: number | null;
  lastCheckpointStep: number | null;
  lastCheckpointAt: Date | null;
  stepsLost: number | null;
  workLostHours: number;
  restartSeconds: number | null;
  gpuHoursLost: number;
}

/**
 * A job's reported interruptions as rows, each with what it cost (domain rule). Work lost
 * measured in time counts from when the job last started running, not only from its last
 * checkpoint: its start, or when it ran again after the interruption before. The platform's
 * pace and the basis of the measure are not stored: a page derives the basis (`recordedBasis`).
 */
function interruptionRows(trainingJobId: string, j: TrainingJobState): TrainingInterruptionRow[] {
  const stepsPerHour = stepsPerHourFromCheckpoints(j.checkpoints, j.interruptions);
  const ranSince = ranSinceEach(j.interruptions, j.startedAt ?? null);
  return j.interruptions.map((i, index) => {
    const cost = interruptionCost(
      { ...i, restartSeconds: i.restartSeconds ?? 0, ranSince: ranSince[index] ?? null },
      { gpus: j.gpus, stepsPerHour },
    );
    return {
      trainingJobId,
      at: i.at,
      cause: i.cause,
      message: i.message.slice(0, 2_000),
      stepAtFailure: i.stepAtFailure,
      lastCheckpointStep: i.lastCheckpointStep,
      lastCheckpointAt: i.lastCheckpointAt,
      stepsLost: cost.stepsLost,
      workLostHours: cost.workLostHours,
      restartSeconds: i.restartSeconds,
      gpuHoursLost: cost.gpuHoursLost,
    };
  });
}

interface CheckpointRow {
  trainingJobId: string;
  step: number;
  uri: string;
  createdAt: Date;
  writeSeconds: number | null;
}

/**
 * Records the checkpoints not yet known (same job and step) in one statement per 5,000, and
 * returns how many were new. Every sync offers each job's recent checkpoints (20 a job: 20,000 on
 * the large fleet every 5 seconds): as Prisma's `createMany` each batch took about 200 ms of the
 * event loop to compile, which pages waited behind; as arrays of a raw statement it costs nothing
 * to compile.
 */
async function insertCheckpoints(tx: Tx, rows: CheckpointRow[]): Promise<number> {
  let created = 0;
  for (let i = 0; i < rows.length; i += 5_000) {
    const slice = rows.slice(i, i + 5_000);
    created += await tx.$executeRaw`
      INSERT INTO "Checkpoint" (id, "trainingJobId", step, uri, "createdAt", "writeSeconds")
      SELECT gen_random_uuid()::text, v.* FROM unnest(
        ${slice.map((c) => c.trainingJobId)}::text[], ${slice.map((c) => c.step)}::int[],
        ${slice.map((c) => c.uri)}::text[],
        ${slice.map((c) => c.createdAt.toISOString())}::timestamp[],
        ${slice.map((c) => c.writeSeconds)}::float8[]) AS v
      ON CONFLICT ("trainingJobId", step) DO NOTHING`;
  }
  return created;
}

/**
 * Records interruptions in one statement: new ones are inserted, known ones (same job and time)
 * updated only where the platform now says more (a restart's duration once it ran again). Returns
 * how many rows were written.
 */
async function upsertInterruptions(tx: Tx, rows: TrainingInterruptionRow[]): Promise<number> {
  let written = 0;
  for (let i = 0; i < rows.length; i += 5_000) {
    const slice = rows.slice(i, i + 5_000);
    const col = <K extends keyof TrainingInterruptionRow>(k: K) => slice.map((r) => r[k]);
    const iso = (d: (Date | null)[]) => d.map((x) => (x === null ? null : x.toISOString()));
    written += await tx.$executeRaw`
      INSERT INTO "TrainingInterruption" AS t
        (id, "trainingJobId", at, cause, message, "stepAtFailure", "lastCheckpointStep",
         "lastCheckpointAt", "stepsLost", "workLostHours", "restartSeconds", "gpuHoursLost")
      SELECT gen_random_uuid()::text, v.* FROM unnest(
        ${col("trainingJobId")}::text[], ${iso(col("at"))}::timestamp[],
        ${col("cause")}::text[]::"InterruptionCause"[], ${col("message")}::text[],
        ${col("stepAtFailure")}::int[], ${col("lastCheckpointStep")}::int[],
        ${iso(col("lastCheckpointAt"))}::timestamp[], ${col("stepsLost")}::int[],
        ${col("workLostHours")}::float8[], ${col("restartSeconds")}::float8[],
        ${col("gpuHoursLost")}::float8[]) AS v
      ON CONFLICT ("trainingJobId", at) DO UPDATE SET
        cause = EXCLUDED.cause, message = EXCLUDED.message,
        "restartSeconds" = COALESCE(EXCLUDED."restartSeconds", t."restartSeconds"),
        "gpuHoursLost" = GREATEST(EXCLUDED."gpuHoursLost", t."gpuHoursLost")
      WHERE t.cause IS DISTINCT FROM EXCLUDED.cause OR t.message IS DISTINCT FROM EXCLUDED.message
        OR (EXCLUDED."restartSeconds" IS NOT NULL
            AND t."restartSeconds" IS DISTINCT FROM EXCLUDED."restartSeconds")`;
  }
  return written;
}

type Platform = ClusterInventory & Workloads & TrainingPlatform & { tick?: () => Promise<unknown> };

export interface SyncOptions {
  /**
   * Add what the platform reports and the inventory lacks (regions, clusters, node pools, team
   * namespaces, environments) and drop node pools it no longer reports: on for real clusters,
   * whose inventory is what they are; off for the simulator, which runs the seeded inventory.
   */
  discover?: boolean;
}

/**
 * Mirrors the platform's live state into Flightdeck's inventory tables (cluster status, node
 * pools, namespace usage, deployments and traffic, training jobs and checkpoints), as Argo CD
 * caches cluster state: pages and rollups read PostgreSQL instead of calling every cluster.
 * Writes only what changed; one replica syncs at a time. A cluster whose data is not current
 * is marked unreachable and keeps its last rows: stale data is never written as fresh.
 */
export async function syncFleet(
  platform: Platform = fleetPlatform(),
  options: SyncOptions = {},
): Promise<SyncReport | null> {
  const discover = options.discover ?? !simulatorIsPlatform();
  return db().$transaction(
    async (tx) => {
      // One replica syncs at a time, and it reads the platform while holding the lock, so a
      // slow sync never writes an older snapshot over a newer one.
      if (!(await tryAdvisoryLock(tx, LOCKS.fleetSync()))) return null;
      if (platform.tick) await withTimeout("fleet tick", 30_000, platform.tick());
      const [clusters, namespaces, autoscalers, deployments, jobs] = await Promise.all([
        withTimeout("cluster inventory", 10_000, platform.clusters()),
        withTimeout("namespaces", 10_000, platform.namespaces()),
        withTimeout("autoscalers", 10_000, platform.autoscalers()),
        withTimeout("deployments", 10_000, platform.deployments({})),
        withTimeout("training jobs", 10_000, platform.jobs()),
      ]);
      const errors = [clusters, namespaces, autoscalers, deployments, jobs].flatMap((r) =>
        r.errors.map((e) => `${e.source}: ${e.message}`),
      );
      const report: SyncReport = {
        clusters: 0,
        pools: 0,
        namespaces: 0,
        deployments: 0,
        jobs: 0,
        checkpoints: 0,
        interruptions: 0,
        errors,
        current: (() => {
          const failed = new Set(clusters.errors.map((e) => e.source));
          return clusters.data
            .map((c) => c.name)
            .filter((n) => !failed.has(n))
            .sort();
        })(),
      };

      // One query at a time: a transaction is one connection.
      const clusterRows = await tx.cluster.findMany({
        select: { id: true, name: true, status: true, k8sVersion: true, provider: true },
      });
      const poolRows = await tx.nodePool.findMany({
        select: {
          id: true,
          name: true,
          clusterId: true,
          nodeCount: true,
          gpuCount: true,
          gpuAllocatable: true,
          gpuAllocated: true,
        },
      });
      const nsRows = await tx.namespace.findMany({
        select: { id: true, name: true, clusterId: true, gpuUsed: true, gpuQuota: true },
      });
      const envRows = await tx.environment.findMany({
        select: { id: true, tier: true, region: { select: { code: true } } },
      });
      const versionRows = await tx.modelVersion.findMany({
        select: { id: true, version: true, modelId: true, model: { select: { name: true } } },
      });
      const deploymentRows = await tx.deployment.findMany({
        select: {
          id: true,
          modelId: true,
          modelVersionId: true,
          clusterId: true,
          environmentId: true,
          replicas: true,
          readyReplicas: true,
          hpaMin: true,
          hpaMax: true,
          hpaCurrent: true,
          trafficWeight: true,
          fullTrafficSince: true,
        },
      });
      const jobRows = await tx.trainingJob.findMany({
        select: {
          id: true,
          name: true,
          status: true,
          stepsDone: true,
          restarts: true,
          failureReason: true,
          gpuHoursUsed: true,
          gpuHoursLost: true,
        },
      });

      const clusterId = new Map(clusterRows.map((c) => [c.name, c.id]));
      // Rows by their natural keys: a sync at 200 clusters matches thousands of namespaces and
      // deployments, and a scan of every row for each would cost seconds a tick.
      const poolByKey = new Map(poolRows.map((r) => [`${r.clusterId}/${r.name}`, r]));
      const nsByKey = new Map(nsRows.map((r) => [`${r.clusterId}/${r.name}`, r]));
      const deploymentByKey = new Map(
        deploymentRows.map((r) => [`${r.modelVersionId}|${r.clusterId}|${r.environmentId}`, r]),
      );
      const jobByName = new Map(jobRows.map((r) => [r.name, r]));

      // Clusters and node pools
      const regionId = new Map(
        (await tx.region.findMany({ select: { id: true, code: true } })).map((r) => [r.code, r.id]),
      );
      const regionFor = async (code: string) => {
        const known = regionId.get(code);
        if (known) return known;
        const created = await tx.region.create({
          data: { code, name: code },
          select: { id: true },
        });
        regionId.set(code, created.id);
        return created.id;
      };
      /** clusters whose data is current: only theirs is written */
      const current = new Set<string>();
      for (const c of clusters.data) {
        const stale = c.freshness ? !c.freshness.live : false;
        if (!stale) current.add(c.name);
        let row = clusterRows.find((r) => r.name === c.name);
        if (!row && discover && !stale) {
          const created = await tx.cluster.create({
            data: {
              name: c.name,
              regionId: await regionFor(c.region),
              provider: c.provider ?? "other",
              k8sVersion: c.kubernetesVersion?.replace(/^v/, "") ?? "unknown",
              status: c.status,
            },
            select: { id: true, name: true, status: true, k8sVersion: true, provider: true },
          });
          row = created;
          clusterRows.push(created);
          clusterId.set(c.name, created.id);
          report.clusters += 1;
        } else if (row) {
          // Real clusters also report their provider and Kubernetes version (upgrades happen).
          const k8sVersion =
            discover && !stale && c.kubernetesVersion
              ? c.kubernetesVersion.replace(/^v/, "")
              : row.k8sVersion;
          const provider = discover && !stale && c.provider ? c.provider : row.provider;
          if (
            row.status !== c.status ||
            row.k8sVersion !== k8sVersion ||
            row.provider !== provider
          ) {
            await tx.cluster.update({
              where: { id: row.id },
              data: { status: c.status, k8sVersion, provider, version: { increment: 1 } },
            });
            report.clusters += 1;
          }
        }
        if (!row || stale) continue;
        const reported = new Set<string>();
        for (const p of c.pools) {
          reported.add(p.name);
          const pool = poolByKey.get(`${row.id}/${p.name}`);
          const next = {
            nodeCount: p.nodes,
            gpuCount: p.gpus,
            gpuAllocatable: p.allocatable,
            gpuAllocated: p.allocated,
          };
          if (!pool) {
            if (!discover) continue;
            await tx.nodePool.create({
              data: {
                clusterId: row.id,
                name: p.name,
                gpuType: p.gpuType,
                gpusPerNode: p.gpusPerNode ?? (p.nodes > 0 ? Math.round(p.gpus / p.nodes) : 0),
                minNodes: p.minNodes,
                maxNodes: p.maxNodes,
                ...next,
              },
            });
            report.pools += 1;
          } else if (
            pool.nodeCount !== next.nodeCount ||
            pool.gpuCount !== next.gpuCount ||
            pool.gpuAllocatable !== next.gpuAllocatable ||
            pool.gpuAllocated !== next.gpuAllocated
          ) {
            await tx.nodePool.update({ where: { id: pool.id }, data: next });
            report.pools += 1;
          }
        }
        if (discover) {
          const gone = poolRows.filter((r) => r.clusterId === row.id && !reported.has(r.name));
          if (gone.length > 0) {
            await tx.nodePool.deleteMany({ where: { id: { in: gone.map((r) => r.id) } } });
            report.pools += gone.length;
          }
        }
      }

      // Namespaces
      const teamId = discover
        ? new Map(
            (await tx.team.findMany({ select: { id: true, slug: true } })).map((t) => [
              t.slug,
              t.id,
            ]),
          )
        : new Map<string, string>();
      for (const n of namespaces.data) {
        if (!current.has(n.cluster)) continue;
        const cid = clusterId.get(n.cluster);
        const row = nsByKey.get(`${cid}/${n.name}`);
        const team = n.team ? teamId.get(n.team) : undefined;
        if (!row && discover && cid && team) {
          // A namespace joins the inventory with the team it is labelled with.
          await tx.namespace.create({
            data: {
              clusterId: cid,
              name: n.name,
              teamId: team,
              gpuQuota: n.gpuQuota,
              gpuUsed: n.gpuUsed,
              cpuQuota: 0,
              cpuUsed: 0,
              memoryQuotaGi: 0,
              memoryUsedGi: 0,
            },
          });
          report.namespaces += 1;
        } else if (!row && discover && n.team && !team) {
          report.errors.push(`namespace ${n.cluster}/${n.name}: no team ${n.team} in Flightdeck`);
        } else if (row && (row.gpuUsed !== n.gpuUsed || row.gpuQuota !== n.gpuQuota)) {
          await tx.namespace.update({
            where: { id: row.id },
            data: { gpuUsed: n.gpuUsed, gpuQuota: n.gpuQuota },
          });
          report.namespaces += 1;
        }
      }

      // Deployments: one row per version running in an environment on a cluster.
      const envId = new Map(envRows.map((e) => [`${e.tier}/${e.region.code}`, e.id]));
      const versionOf = new Map(versionRows.map((v) => [`${v.model.name}@${v.version}`, v]));
      const hpaOf = new Map(autoscalers.data.map((h) => [`${h.cluster}/${h.target}`, h]));
      const live = new Set<string>();
      const touchedGroups = new Set<string>();
      for (const d of deployments.data) {
        const version = versionOf.get(`${d.model}@${d.version}`);
        if (discover && version && !envId.has(`${d.environment}/${d.region}`)) {
          // The first workload of a tier in a region makes its environment, production
          // taking changes through promotions only (the safe default an admin can relax).
          const env = await tx.environment.create({
            data: {
              name: `${d.environment}/${d.region}`,
              tier: d.environment,
              regionId: await regionFor(d.region),
              promotionsOnly: d.environment === "production",
            },
            select: { id: true },
          });
          envId.set(`${d.environment}/${d.region}`, env.id);
        }
        const environmentId = envId.get(`${d.environment}/${d.region}`);
        const cid = clusterId.get(d.cluster);
        if (!version || !environmentId || !cid) {
          report.errors.push(
            `${d.model}@${d.version} in ${d.environment}/${d.region} on ${d.cluster}: not in the registry`,
          );
          continue;
        }
        // The simulator names a model's workload <model>-<environment>; real platforms say.
        const hpa = hpaOf.get(`${d.cluster}/${d.workload?.name ?? `${d.model}-${d.environment}`}`);
        const next = {
          replicas: d.replicasDesired,
          readyReplicas: d.replicasReady,
          hpaMin: hpa?.min ?? 1,
          hpaMax: hpa?.max ?? Math.max(1, d.replicasDesired),
          hpaCurrent: hpa?.current ?? d.replicasDesired,
          trafficWeight: d.trafficWeight,
        };
        touchedGroups.add(`${version.modelId}|${environmentId}|${cid}`);
        const row = deploymentByKey.get(`${version.id}|${cid}|${environmentId}`);
        if (row) live.add(row.id);
        if (!row) {
          await tx.deployment.create({
            data: {
              modelId: version.modelId,
              modelVersionId: version.id,
              clusterId: cid,
              environmentId,
              ...next,
              fullTrafficSince: d.trafficWeight === 100 ? clock.now() : null,
            },
          });
          report.deployments += 1;
        } else if (
          (Object.keys(next) as (keyof typeof next)[]).some((k) => row[k] !== next[k]) ||
          (d.trafficWeight === 100) !== (row.fullTrafficSince !== null)
        ) {
          // The soak of a version starts when it takes all the traffic, and ends when it stops.
          const fullTrafficSince =
            d.trafficWeight < 100 ? null : (row.fullTrafficSince ?? clock.now());
          await tx.deployment.update({
            where: { id: row.id },
            data: { ...next, fullTrafficSince, version: { increment: 1 } },
          });
          report.deployments += 1;
        }
      }
      // Versions no longer running where the platform answered for that model and place.
      const gone = deploymentRows.filter(
        (r) =>
          !live.has(r.id) && touchedGroups.has(`${r.modelId}|${r.environmentId}|${r.clusterId}`),
      );
      if (gone.length > 0) {
        await tx.deployment.deleteMany({ where: { id: { in: gone.map((r) => r.id) } } });
        report.deployments += gone.length;
      }

      // Training jobs, their checkpoints and interruptions (all jobs' in a few statements: those
      // already recorded are skipped, or updated where the platform now knows more)
      const checkpoints: CheckpointRow[] = [];
      const interruptions: TrainingInterruptionRow[] = [];
      const modelId = discover
        ? new Map(
            (await tx.model.findMany({ select: { id: true, name: true } })).map((m) => [
              m.name,
              m.id,
            ]),
          )
        : new Map<string, string>();
      const teamOfNamespace = discover
        ? new Map(
            (
              await tx.namespace.findMany({
                select: { name: true, clusterId: true, teamId: true },
              })
            ).map((n) => [`${n.clusterId}/${n.name}`, n.teamId]),
          )
        : new Map<string, string>();
      for (const j of jobs.data) {
        // A real cluster's jobs are written only while its data is current.
        if (discover && !current.has(j.cluster)) continue;
        let row = jobByName.get(j.name);
        if (!row && discover) {
          // A job on a real cluster joins the record once its model and team are known.
          const cid = clusterId.get(j.cluster);
          const model = j.model ? modelId.get(j.model) : undefined;
          const team = cid ? teamOfNamespace.get(`${cid}/${j.namespace}`) : undefined;
          if (!cid || !model || !team) {
            report.errors.push(
              `training job ${j.cluster}/${j.namespace}/${j.name}: ${
                !model
                  ? `model ${j.model ?? "(no model label)"} is not in the registry`
                  : `namespace ${j.namespace} has no team in Flightdeck`
              }`,
            );
            continue;
          }
          row = await tx.trainingJob.create({
            data: {
              name: j.name,
              modelId: model,
              teamId: team,
              clusterId: cid,
              status: j.status,
              gpuType: j.gpuType ?? "other",
              gpuCount: j.gpus,
              stepsTotal: j.stepsTotal,
              stepsDone: j.stepsDone,
              restarts: j.restarts,
              gpuHoursUsed: j.gpuHoursUsed,
              gpuHoursLost: j.gpuHoursLost,
              failureReason: j.failureReason,
              startedAt: j.startedAt ?? clock.now(),
            },
            select: {
              id: true,
              name: true,
              status: true,
              stepsDone: true,
              restarts: true,
              failureReason: true,
              gpuHoursUsed: true,
              gpuHoursLost: true,
            },
          });
          report.jobs += 1;
        }
        if (!row) continue;
        const next = {
          status: j.status,
          stepsDone: j.stepsDone,
          restarts: j.restarts,
          failureReason: j.failureReason,
          gpuHoursUsed: j.gpuHoursUsed,
          gpuHoursLost: j.gpuHoursLost,
        };
        if ((Object.keys(next) as (keyof typeof next)[]).some((k) => row[k] !== next[k])) {
          await tx.trainingJob.update({
            where: { id: row.id },
            data: { ...next, version: { increment: 1 } },
          });
          report.jobs += 1;
        }
        for (const c of j.checkpoints) {
          checkpoints.push({
            trainingJobId: row.id,
            step: c.step,
            uri: `s3://ml-checkpoints/${j.name}/step-${c.step}`,
            createdAt: c.at,
            writeSeconds: c.writeSeconds,
          });
        }
        interruptions.push(...interruptionRows(row.id, j));
      }
      report.checkpoints += await insertCheckpoints(tx, checkpoints);
      // A write duration reported after the checkpoint was first recorded fills it in.
      const timed = checkpoints.filter((c) => c.writeSeconds !== null);
      if (timed.length > 0) {
        await tx.$executeRaw`
          UPDATE "Checkpoint" AS c SET "writeSeconds" = v.seconds
          FROM unnest(${timed.map((c) => c.trainingJobId)}::text[], ${timed.map((c) => c.step)}::int[],
                      ${timed.map((c) => c.writeSeconds)}::float8[]) AS v(job, step, seconds)
          WHERE c."trainingJobId" = v.job AND c.step = v.step AND c."writeSeconds" IS NULL`;
      }
      report.interruptions += await upsertInterruptions(tx, interruptions);

      // Capacity planning's hourly rollups, from the clusters whose data is current.
      await recordCapacitySample(tx, {
        at: clock.now(),
        clusters: clusters.data.filter((c) => current.has(c.name)),
        namespaces: namespaces.data.filter((n) => current.has(n.cluster)),
      });
      return report;
    },
    { timeout: 60_000 },
  );
}
