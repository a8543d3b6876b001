import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { canWorkIncidents, listIncidents } from "@/server/services/incidents";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { Button } from "@/components/ui/button";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Incidents" };

export default async function IncidentsPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const actor = await requirePageActor();
  const page = await listIncidents(actor, query);
  return (
    <>
      <PageHeader
        title="Incidents"
        description="Open and past incidents, newest first."
        actions={
          canWorkIncidents(actor) ? (
            <Button asChild size="sm">
              <Link href="/incidents/new">Declare incident</Link>
            </Button>
          ) : null
        }
      />
      {page.total === 0 ? (
        <EmptyState title="No incidents match" hint="Nothing is on fire here." />
      ) : (
        <Table>
          <TableCaption>Incidents</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>#</TableHead>
              <TableHead>Incident</TableHead>
              <TableHead>Severity</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Region</TableHead>
              <TableHead>Detected</TableHead>
              <TableHead>Resolved</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((i) => (
              <TableRow key={i.id} data-testid="incident-row">
                <TableCell className="tabular-nums text-muted-foreground">{i.number}</TableCell>
                <TableCell>
                  <Link
                    href={`/incidents/${i.number}`}
                    className="font-medium underline-offset-4 hover:underline"
                  >
                    {i.title}
                  </Link>
                  <div className="text-xs text-muted-foreground">
                    {i.model ?? "—"}
                    {i.commander ? ` · commander ${i.commander}` : ""}
                  </div>
                </TableCell>
                <TableCell>
                  <StatusBadge status={i.severity} />
                </TableCell>
                <TableCell>
                  <StatusBadge status={i.status} />
                </TableCell>
                <TableCell>{i.regionCode ?? "—"}</TableCell>
                <TableCell>
                  <TimeAgo date={i.detectedAt} />
                </TableCell>
                <TableCell>
                  <TimeAgo date={i.resolvedAt} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/incidents" params={params} />
    </>
  );
}
