import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { listModels } from "@/server/models/list";
import { modelTeams } from "@/server/models/registry";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { modelListQuerySchema } from "@/lib/schemas/models";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { ListFilters, selectFilter } from "@/components/common/list-filters";
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
  const params = firstValues(await searchParams);
  const query = modelListQuerySchema.parse(params);
  const actor = await requirePageActor();
  const [page, teams] = await Promise.all([listModels(actor, query), modelTeams(actor)]);
  return (
    <>
      <PageHeader title="Models" description="The model registry and where each version runs." />
      <ListFilters
        label="Filter models"
        basePath="/models"
        params={params}
        className="mb-3"
        filters={[
          selectFilter(
            "team",
            "Team",
            query.team,
            teams.map((t) => ({ value: t.slug, label: t.name })),
            "Any team",
          ),
        ]}
      />
      {page.total === 0 ? (
        query.team ? (
          <EmptyState title="No models match" hint="Change the filters." />
        ) : (
          <EmptyState title="No models registered yet" />
        )
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
                  <Link
                    href={`/models/${encodeURIComponent(m.name)}`}
                    className="font-medium hover:underline"
                  >
                    {m.displayName}
                  </Link>
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
