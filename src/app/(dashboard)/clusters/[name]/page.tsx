import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getCluster } from "@/server/fleet/clusters";
import { AppError } from "@/server/errors";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { FleetFreshness } from "@/components/platform/fleet-freshness";
import { GpuBar, Utilization } from "@/components/clusters/capacity";
import { ClusterSources, StaleCluster } from "@/components/clusters/cluster-freshness";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

type Params = Promise<{ name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: decodeURIComponent((await params).name) };
}

export default async function ClusterPage({ params }: { params: Params }) {
  const name = decodeURIComponent((await params).name);
  const actor = await requirePageActor();
  const c = await getCluster(actor, name).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const unhealthy =
    c.live?.pools.flatMap((p) => p.unhealthyNodes.map((n) => ({ ...n, pool: p.name }))) ?? [];
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/clusters" className="hover:underline">
          Clusters
        </Link>{" "}
        / {c.name}
      </nav>
      <PageHeader
        title={c.name}
        description={`${c.regionCode} · ${c.provider.toUpperCase()} · Kubernetes ${c.k8sVersion}`}
        actions={
          <div className="flex flex-col items-end gap-1">
            <StatusBadge status={c.status} />
            <FleetFreshness readAt={c.readAt} error={c.error} />
          </div>
        }
      />
      <StaleCluster freshness={c.live?.freshness} />

      <section aria-labelledby="pools" className="mb-6">
        <h2 id="pools" className="mb-2 text-sm font-semibold">
          Node pools
        </h2>
        {c.live ? (
          <Table>
            <TableCaption>Node pools of {c.name}</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Pool</TableHead>
                <TableHead>Nodes ready</TableHead>
                <TableHead>Autoscaling</TableHead>
                <TableHead>GPUs</TableHead>
                <TableHead className="text-right">Utilization</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {c.live.pools.map((p) => (
                <TableRow key={p.name} data-testid="pool-row">
                  <TableCell>
                    <div className="font-medium">{p.name}</div>
                    <div className="text-xs text-muted-foreground">
                      {p.gpuType}
                      {p.gpuProduct && p.gpuProduct !== p.gpuType ? ` · ${p.gpuProduct}` : ""}
                      {p.gpusPerNode ? ` · ${p.gpusPerNode} per node` : ""}
                      {p.migSlices
                        ? ` · MIG: ${Object.entries(p.migSlices)
                            .map(([profile, n]) => `${n} × ${profile}`)
                            .join(", ")}`
                        : ""}
                    </div>
                  </TableCell>
                  <TableCell className="tabular-nums">
                    {p.readyNodes} / {p.nodes}
                  </TableCell>
                  <TableCell className="text-xs">
                    {p.boundsKnown === false ? (
                      <span title="The cluster autoscaler's minimum and maximum are not on the nodes">
                        {p.nodes} nodes · bounds not reported
                      </span>
                    ) : (
                      <>
                        {p.minNodes}–{p.maxNodes} nodes
                      </>
                    )}
                    {p.scalingUp ? (
                      <div className="text-muted-foreground">adding a node…</div>
                    ) : null}
                  </TableCell>
                  <TableCell>
                    <GpuBar
                      label={`${p.name} GPUs allocated`}
                      total={p.gpus}
                      allocatable={p.allocatable}
                      allocated={p.allocated}
                    />
                  </TableCell>
                  <TableCell className="text-right">
                    <Utilization value={p.utilization} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : (
          <p className="text-sm text-muted-foreground">
            The platform has not reported this cluster.
          </p>
        )}
      </section>

      <section aria-labelledby="unhealthy" className="mb-6">
        <h2 id="unhealthy" className="mb-2 text-sm font-semibold">
          Unhealthy nodes ({unhealthy.length})
        </h2>
        {unhealthy.length === 0 ? (
          <p className="text-sm text-muted-foreground">Every node is ready and its GPUs healthy.</p>
        ) : (
          <ul className="divide-y rounded-lg border bg-card text-sm" data-testid="unhealthy-nodes">
            {unhealthy.map((n) => (
              <li key={n.name} className="flex flex-wrap items-baseline gap-x-3 px-4 py-2">
                <span className="font-mono text-xs">{n.name}</span>
                <StatusBadge status={n.ready ? "degraded" : "unreachable"} />
                <span className="text-xs text-muted-foreground">
                  {n.ready ? "Ready, GPUs failed" : "NotReady"}
                </span>
                <span className="text-xs">{n.reason}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <section aria-labelledby="namespaces">
          <h2 id="namespaces" className="mb-2 text-sm font-semibold">
            Namespaces and GPU quotas
          </h2>
          <Table>
            <TableCaption>Namespaces of {c.name}</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Namespace</TableHead>
                <TableHead>GPUs used / quota</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {c.namespaces.map((n) => (
                <TableRow key={n.name}>
                  <TableCell>
                    <div className="font-medium">{n.name}</div>
                    <div className="text-xs text-muted-foreground">{n.team ?? "no team"}</div>
                  </TableCell>
                  <TableCell>
                    <GpuBar
                      label={`${n.name} GPU quota used`}
                      total={n.gpuQuota}
                      allocatable={n.gpuQuota}
                      allocated={n.gpuUsed}
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </section>

        <section aria-labelledby="autoscalers">
          <h2 id="autoscalers" className="mb-2 text-sm font-semibold">
            Horizontal pod autoscalers
          </h2>
          {c.autoscalers.length === 0 ? (
            <p className="text-sm text-muted-foreground">No serving workloads on this cluster.</p>
          ) : (
            <Table>
              <TableCaption>Autoscalers of {c.name}</TableCaption>
              <TableHeader>
                <TableRow>
                  <TableHead>Workload</TableHead>
                  <TableHead className="text-right">Min</TableHead>
                  <TableHead className="text-right">Current</TableHead>
                  <TableHead className="text-right">Desired</TableHead>
                  <TableHead className="text-right">Max</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {c.autoscalers.map((h) => (
                  <TableRow key={`${h.namespace}/${h.target}`} data-testid="hpa-row">
                    <TableCell>
                      <div className="font-medium">{h.target}</div>
                      <div className="text-xs text-muted-foreground">
                        {h.targetKind ? `${h.targetKind} · ` : ""}
                        {h.namespace}
                      </div>
                      {h.conditions?.map((k) => (
                        <div key={k.type} className="text-xs text-amber-800 dark:text-amber-300">
                          {k.type}: {k.reason}
                          {k.message ? ` (${k.message})` : ""}
                        </div>
                      ))}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{h.min}</TableCell>
                    <TableCell className="text-right tabular-nums">{h.current}</TableCell>
                    <TableCell className="text-right tabular-nums">
                      {h.desired}
                      {h.desired > h.current ? " ↑" : h.desired < h.current ? " ↓" : ""}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">
                      {h.max}
                      {h.current === h.max ? (
                        <div className="text-xs text-amber-700 dark:text-amber-300">at max</div>
                      ) : null}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </section>
      </div>

      <section aria-labelledby="workloads" className="mt-6">
        <h2 id="workloads" className="mb-2 text-sm font-semibold">
          Model workloads ({c.workloads.length})
        </h2>
        {c.workloadErrors.length > 0 ? (
          <ul
            className="mb-2 text-xs text-amber-800 dark:text-amber-300"
            data-testid="workload-errors"
          >
            {c.workloadErrors.map((e) => (
              <li key={e}>▲ {e}</li>
            ))}
          </ul>
        ) : null}
        {c.workloads.length === 0 ? (
          c.workloadErrors.length === 0 ? (
            <p className="text-sm text-muted-foreground">
              No model versions serve on this cluster.
            </p>
          ) : null
        ) : (
          <Table>
            <TableCaption>Model versions serving on {c.name}</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Model</TableHead>
                <TableHead>Environment</TableHead>
                <TableHead>Version</TableHead>
                <TableHead className="text-right">Traffic</TableHead>
                <TableHead className="text-right">Replicas ready</TableHead>
                <TableHead>Workload</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {c.workloads.map((w) => (
                <TableRow
                  key={`${w.model}/${w.environment}/${w.version}`}
                  data-testid="workload-row"
                  data-model={w.model}
                >
                  <TableCell>
                    {w.registered ? (
                      <Link
                        href={`/models/${encodeURIComponent(w.model)}`}
                        className="font-medium hover:underline"
                      >
                        {w.model}
                      </Link>
                    ) : (
                      <>
                        <div className="font-medium">{w.model}</div>
                        <div className="text-xs text-muted-foreground">not in the registry</div>
                      </>
                    )}
                  </TableCell>
                  <TableCell>{w.environment}</TableCell>
                  <TableCell className="font-mono text-xs">{w.version}</TableCell>
                  <TableCell className="text-right tabular-nums">{w.trafficWeight}%</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {w.replicasReady} / {w.replicasDesired}
                  </TableCell>
                  <TableCell className="text-xs text-muted-foreground">
                    {w.workload
                      ? `${w.workload.kind} ${w.workload.namespace}/${w.workload.name}`
                      : "—"}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>

      {c.live?.freshness ? <ClusterSources freshness={c.live.freshness} /> : null}

      {c.trainingJobs.length > 0 ? (
        <section aria-labelledby="training" className="mt-6">
          <h2 id="training" className="mb-2 text-sm font-semibold">
            Training jobs
          </h2>
          <ul className="divide-y rounded-lg border bg-card text-sm">
            {c.trainingJobs.map((j) => (
              <li key={j.name} className="flex items-center justify-between gap-3 px-4 py-2">
                <Link href="/training" className="font-medium hover:underline">
                  {j.name}
                </Link>
                <span className="text-xs text-muted-foreground">
                  {j.gpuCount} × {j.gpuType}
                </span>
                <StatusBadge status={j.status} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
