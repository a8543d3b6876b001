import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { listClusters } from "@/server/services/clusters";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
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
  return (
    <>
      <PageHeader
        title="Clusters"
        description="Kubernetes clusters, GPU node pools and capacity."
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
              <TableHead>Node pools</TableHead>
              <TableHead className="text-right">GPUs allocated</TableHead>
              <TableHead className="text-right">Namespaces</TableHead>
              <TableHead className="text-right">Deployments</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((c) => (
              <TableRow key={c.id} data-testid="cluster-row">
                <TableCell>
                  <div className="font-medium">{c.name}</div>
                  <div className="text-xs text-muted-foreground">
                    {c.provider.toUpperCase()} · Kubernetes {c.k8sVersion}
                  </div>
                </TableCell>
                <TableCell>{c.regionCode}</TableCell>
                <TableCell>
                  <StatusBadge status={c.status} />
                </TableCell>
                <TableCell>
                  <ul className="text-xs">
                    {c.pools.map((p) => (
                      <li key={p.name}>
                        <span className="font-medium">{p.gpuType}</span> × {p.gpuCount} (
                        {p.nodeCount} nodes), {p.gpuAllocated} allocated
                      </li>
                    ))}
                  </ul>
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {c.gpuAllocated} / {c.gpuTotal}
                  {c.gpuAllocatable < c.gpuTotal ? (
                    <div className="text-xs text-muted-foreground">
                      {c.gpuTotal - c.gpuAllocatable} unschedulable
                    </div>
                  ) : null}
                </TableCell>
                <TableCell className="text-right tabular-nums">{c.namespaces}</TableCell>
                <TableCell className="text-right tabular-nums">{c.deployments}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/clusters" params={params} />
    </>
  );
}
