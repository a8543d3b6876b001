import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { listRollouts } from "@/server/services/rollouts";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Rollouts" };

export default async function RolloutsPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const page = await listRollouts(await requirePageActor(), query);
  return (
    <>
      <PageHeader
        title="Rollouts"
        description="Progressive rollouts and rollbacks, newest first."
      />
      {page.total === 0 ? (
        <EmptyState title="No rollouts match" hint="Change the region or environment filter." />
      ) : (
        <Table>
          <TableCaption>Rollouts</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Model</TableHead>
              <TableHead>Change</TableHead>
              <TableHead>Environment</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Step · weight</TableHead>
              <TableHead>Started</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((r) => (
              <TableRow key={r.id} data-testid="rollout-row">
                <TableCell className="font-medium">{r.model}</TableCell>
                <TableCell>
                  <span className="font-mono text-sm">
                    {r.fromVersion ?? "—"} → {r.toVersion}
                  </span>
                  <div className="text-xs text-muted-foreground">
                    {r.strategy.replace("_", "-")}
                  </div>
                </TableCell>
                <TableCell>{r.environment}</TableCell>
                <TableCell>
                  <StatusBadge status={r.status} />
                  {r.reason ? (
                    <div className="mt-1 max-w-64 text-xs text-muted-foreground">{r.reason}</div>
                  ) : null}
                </TableCell>
                <TableCell className="tabular-nums">
                  {Math.min(r.currentStep + 1, r.stepCount)} / {r.stepCount} · {r.currentWeight}%
                </TableCell>
                <TableCell>
                  <TimeAgo date={r.createdAt} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/rollouts" params={params} />
    </>
  );
}
