import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { canWorkIncidents, listIncidents } from "@/server/incidents/queries";
import { recentResponseTimes } from "@/server/incidents/response-times";
import { responseTimesQuerySchema } from "@/lib/schemas/incident-metrics";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { linkFilter, ListFilters, selectFilter } from "@/components/common/list-filters";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { ResponseBreakdown, ResponseHeadline } from "@/components/incidents/response-times";
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

const PERIODS = [
  { value: "week", label: "Weekly" },
  { value: "month", label: "Monthly" },
];
const GROUPINGS = [
  { value: "severity", label: "By severity" },
  { value: "team", label: "By team" },
];

export default async function IncidentsPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const choice = responseTimesQuerySchema.parse(params);
  const actor = await requirePageActor();
  const [page, response] = await Promise.all([
    listIncidents(actor, query),
    recentResponseTimes(actor, { unit: choice.period, team: choice.team, region: query.region }),
  ]);
  const scope = [
    choice.period === "week" ? "last 12 weeks" : "last 6 months",
    response.team?.name,
    response.region,
  ].filter(Boolean);
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
      <section aria-labelledby="response-heading" className="mb-6" data-testid="response-times">
        <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
          <div>
            <h2 id="response-heading" className="text-base font-semibold">
              Response times
            </h2>
            <p className="text-sm text-muted-foreground">
              From detection to acknowledgement (MTTA) and to resolution (MTTR): {scope.join(", ")}.
            </p>
          </div>
          {/* The choices shape the response times only, so the list below keeps its page. */}
          <ListFilters
            label="Response time choices"
            basePath="/incidents"
            params={params}
            keepPage
            className="print:hidden"
            filters={[
              linkFilter("period", "Period", choice.period, PERIODS),
              linkFilter("by", "Group by", choice.by, GROUPINGS),
              selectFilter(
                "team",
                "Team",
                response.team?.slug,
                response.teams.map((t) => ({ value: t.slug, label: t.name })),
                "All teams",
              ),
            ]}
          />
        </div>
        <ResponseHeadline data={response} />
        <ResponseBreakdown data={response} grouping={choice.by} id="incident-response" />
      </section>
      <h2 className="mb-2 text-base font-semibold">All incidents</h2>
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
