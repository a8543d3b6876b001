import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { listSlos } from "@/server/services/slos";
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

export const metadata: Metadata = { title: "SLOs" };

const percent = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

export default async function SlosPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const page = await listSlos(await requirePageActor(), query);
  return (
    <>
      <PageHeader
        title="SLOs"
        description="Objectives and error budgets over each SLO's rolling window."
      />
      {page.total === 0 ? (
        <EmptyState title="No SLOs defined yet" />
      ) : (
        <Table>
          <TableCaption>Service level objectives</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>SLO</TableHead>
              <TableHead>Team</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Objective</TableHead>
              <TableHead className="text-right">Attainment</TableHead>
              <TableHead className="text-right">Budget left</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((s) => (
              <TableRow key={s.id} data-testid="slo-row">
                <TableCell>
                  <div className="font-medium">{s.name}</div>
                  <div className="text-xs text-muted-foreground">
                    {s.sliKind} · {s.model} · rolling {s.windowDays} d
                  </div>
                </TableCell>
                <TableCell>{s.teamName}</TableCell>
                <TableCell>
                  <StatusBadge status={s.budget.status} />
                </TableCell>
                <TableCell className="text-right tabular-nums">{percent(s.objective, 1)}</TableCell>
                <TableCell className="text-right tabular-nums">
                  {s.budget.status === "no_data" ? "—" : percent(s.budget.attainment, 3)}
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {s.budget.status === "no_data" ? "—" : percent(s.budget.remaining, 1)}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/slos" params={params} />
    </>
  );
}
