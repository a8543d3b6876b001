import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { listAuditEvents } from "@/server/services/audit";
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

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const page = await listAuditEvents(await requirePageActor(), query);
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change and every refused attempt, newest first. Append-only."
      />
      {page.total === 0 ? (
        <EmptyState title="No audit events yet" />
      ) : (
        <Table>
          <TableCaption>Audit events</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>When</TableHead>
              <TableHead>Actor</TableHead>
              <TableHead>Action</TableHead>
              <TableHead>Target</TableHead>
              <TableHead>Outcome</TableHead>
              <TableHead>Reason</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((e) => (
              <TableRow key={e.id} data-testid="audit-row">
                <TableCell>
                  <TimeAgo date={e.at} />
                </TableCell>
                <TableCell>
                  <div>{e.actorEmail ?? "—"}</div>
                  <div className="text-xs text-muted-foreground">{e.actorRole ?? ""}</div>
                </TableCell>
                <TableCell className="font-mono text-xs">{e.action}</TableCell>
                <TableCell className="text-xs">
                  {e.targetType}
                  {e.targetId ? <span className="font-mono"> {e.targetId}</span> : null}
                </TableCell>
                <TableCell>
                  <StatusBadge status={e.outcome} />
                </TableCell>
                <TableCell className="max-w-80 text-xs text-muted-foreground">
                  {e.reason ?? ""}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/audit" params={params} />
    </>
  );
}
