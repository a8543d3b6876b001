import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { listClusters } from "@/server/fleet/clusters";
import { filterSuffix, readListQuery, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { FleetFreshness } from "@/components/platform/fleet-freshness";
import { GpuBar, Utilization, poolTotals } from "@/components/clusters/capacity";
import { StaleCluster } from "@/components/clusters/cluster-freshness";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Clusters" };

export default async function ClustersPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const page = await listClusters(await requirePageActor(), query);
  const suffix = filterSuffix(params);
  return (
    <>
      <PageHeader
        title="Clusters"
        description="Kubernetes clusters, GPU node pools, node health and capacity, live from the platform."
        actions={<FleetFreshness readAt={page.readAt} error={page.error} />}
      />
      {page.total === 0 ? (
        <EmptyState
          title="No clusters match"
          hint="Clear the region filter to see the whole fleet."
        />
      ) : (
        <Table>
          <TableCaption>Clusters</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Cluster</TableHead>
              <TableHead>Region</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Nodes ready</TableHead>
              <TableHead>Node pools (GPU type: allocated / total, utilization)</TableHead>
              <TableHead>GPUs</TableHead>
              <TableHead className="text-right">Deployments</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((c) => {
              const t = c.live ? poolTotals(c.live.pools) : null;
              return (
                <TableRow key={c.id} data-testid="cluster-row" data-cluster={c.name}>
                  <TableCell>
                    <Link
                      href={`/clusters/${encodeURIComponent(c.name)}${suffix}`}
                      className="font-medium hover:underline"
                    >
                      {c.name}
                    </Link>
                    <div className="text-xs text-muted-foreground">
                      {c.provider.toUpperCase()} · Kubernetes {c.k8sVersion}
                    </div>
                  </TableCell>
                  <TableCell>{c.regionCode}</TableCell>
                  <TableCell>
                    <StatusBadge status={c.status} />
                    <StaleCluster freshness={c.live?.freshness} />
                  </TableCell>
                  <TableCell className="tabular-nums" data-testid="nodes-ready">
                    {t ? (
                      <>
                        {t.readyNodes} / {t.nodes}
                        {t.unhealthy > 0 ? (
                          <div className="text-xs text-red-700 dark:text-red-300">
                            {t.unhealthy} unhealthy
                          </div>
                        ) : null}
                      </>
                    ) : (
                      "unknown"
                    )}
                  </TableCell>
                  <TableCell>
                    <ul className="text-xs">
                      {c.live?.pools.map((p) => (
                        <li key={p.name}>
                          <span className="font-medium">{p.gpuType}</span>: {p.allocated} / {p.gpus}{" "}
                          · <Utilization value={p.utilization} />
                          {p.scalingUp ? " · adding a node" : ""}
                        </li>
                      ))}
                    </ul>
                  </TableCell>
                  <TableCell>
                    {t ? (
                      <GpuBar
                        label={`${c.name} GPUs allocated`}
                        total={t.gpus}
                        allocatable={t.allocatable}
                        allocated={t.allocated}
                      />
                    ) : (
                      "unknown"
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{c.deployments}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/clusters" params={params} />
    </>
  );
}
