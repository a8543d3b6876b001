import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { listModels } from "@/server/services/models";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
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

export const metadata: Metadata = { title: "Models" };

export default async function ModelsPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const page = await listModels(await requirePageActor(), query);
  return (
    <>
      <PageHeader title="Models" description="The model registry and where each version runs." />
      {page.total === 0 ? (
        <EmptyState title="No models registered yet" />
      ) : (
        <Table>
          <TableCaption>Models</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Model</TableHead>
              <TableHead>Team</TableHead>
              <TableHead className="text-right">Versions</TableHead>
              <TableHead>Latest version</TableHead>
              <TableHead>Running in {query.env ?? "all environments"}</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((m) => (
              <TableRow key={m.id} data-testid="model-row">
                <TableCell>
                  <div className="font-medium">{m.displayName}</div>
                  <div className="font-mono text-xs text-muted-foreground">
                    {m.name} · {m.task}
                  </div>
                </TableCell>
                <TableCell>{m.teamName}</TableCell>
                <TableCell className="text-right tabular-nums">{m.versionCount}</TableCell>
                <TableCell>
                  <div className="font-mono text-sm">{m.latestVersion ?? "—"}</div>
                  <TimeAgo date={m.latestCreatedAt} />
                </TableCell>
                <TableCell>
                  {m.running.length === 0 ? (
                    <span className="text-muted-foreground">Not deployed here</span>
                  ) : (
                    <ul className="text-xs">
                      {m.running.map((d) => (
                        <li key={`${d.environment}-${d.version}`}>
                          <span className="font-mono">{d.version}</span> in{" "}
                          <Link
                            className="hover:underline"
                            href={`/deployments?model=${encodeURIComponent(m.name)}&env=${encodeURIComponent(d.environment)}`}
                          >
                            {d.environment}
                          </Link>{" "}
                          · {d.trafficWeight}%
                        </li>
                      ))}
                    </ul>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/models" params={params} />
    </>
  );
}
