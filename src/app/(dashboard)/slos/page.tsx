import type { Metadata } from "next";
import Link from "next/link";
import { Fragment } from "react";
import { requirePageActor } from "@/server/auth/page";
import { listSlos, sloFilterOptions } from "@/server/slos/queries";
import { canManageSlos } from "@/server/slos/definitions";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { SLO_GROUPS, SLO_STATUS_FILTERS, sloListQuerySchema } from "@/lib/schemas/slos";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { ListFilters, selectFilter } from "@/components/common/list-filters";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { Badge } from "@/components/ui/badge";
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
import { BudgetBar, BurnSparkline } from "@/components/slos/sparkline";
import { NoDataReason } from "@/components/slos/no-data";
import {
  budgetUnit,
  burn,
  compact,
  duration,
  percent,
  sliText,
  windowText,
} from "@/components/slos/format";

export const metadata: Metadata = { title: "SLOs" };

const STATUS_LABEL: Record<(typeof SLO_STATUS_FILTERS)[number], string> = {
  healthy: "Healthy",
  at_risk: "At risk",
  exhausted: "Exhausted",
  no_data: "No data",
  alerting: "Alert firing",
};

const STATUS_OPTIONS = SLO_STATUS_FILTERS.map((s) => ({ value: s, label: STATUS_LABEL[s] }));

const GROUP_LABEL: Record<(typeof SLO_GROUPS)[number], string> = {
  none: "No grouping",
  team: "Team",
  service: "Service",
};
const GROUP_OPTIONS = SLO_GROUPS.map((g) => ({ value: g, label: GROUP_LABEL[g] }));

export default async function SlosPage({ searchParams }: { searchParams: SearchParams }) {
  const params = firstValues(await searchParams);
  const query = sloListQuerySchema.parse(params);
  const actor = await requirePageActor();
  const [page, options] = await Promise.all([listSlos(actor, query), sloFilterOptions(actor)]);
  const teams = options.teams.map((t) => ({ value: t.slug, label: t.name }));
  const exportQuery = new URLSearchParams();
  if (query.team) exportQuery.set("team", query.team);
  if (query.service) exportQuery.set("service", query.service);
  const groupOf = (r: (typeof page.rows)[number]) =>
    query.group === "team" ? r.teamName : query.group === "service" ? r.model : null;
  return (
    <>
      <AutoRefresh everyMs={15_000} />
      <PageHeader
        title="SLOs"
        description="Objectives, error budgets and burn rates. Budgets refresh every 15 seconds."
        actions={
          <div className="flex flex-wrap gap-2">
            <Button asChild size="sm" variant="outline">
              <Link href="/slos/review">Leadership review</Link>
            </Button>
            <Button asChild size="sm" variant="outline">
              <a href={`/api/v1/slos/export?${exportQuery.toString()}`} download>
                Export OpenSLO
              </a>
            </Button>
            {canManageSlos(actor) ? (
              <>
                <Button asChild size="sm" variant="outline">
                  <Link href="/slos/import">Import</Link>
                </Button>
                <Button asChild size="sm">
                  <Link href="/slos/new">New SLO</Link>
                </Button>
              </>
            ) : null}
          </div>
        }
      />
      <ListFilters
        label="Filter SLOs"
        basePath="/slos"
        params={params}
        className="mb-3"
        filters={[
          selectFilter("status", "Status", query.status, STATUS_OPTIONS, "Any status"),
          selectFilter("team", "Team", query.team, teams, "Any team"),
          selectFilter("service", "Service", query.service, options.services, "Any service"),
          selectFilter("group", "Group by", query.group ?? "none", GROUP_OPTIONS),
        ]}
      />
      {page.total === 0 ? (
        <EmptyState
          title={query.status || query.team || query.service ? "No SLOs match" : "No SLOs yet"}
          hint={
            query.status || query.team || query.service
              ? "Change the filters."
              : "Create one, or import OpenSLO documents."
          }
        />
      ) : (
        <Table>
          <TableCaption>
            Service level objectives
            {query.group && query.group !== "none" ? `, by ${query.group}` : ""}
          </TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>SLO</TableHead>
              <TableHead>Team</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Objective</TableHead>
              <TableHead className="text-right">Attainment</TableHead>
              <TableHead>Budget left</TableHead>
              <TableHead className="text-right">Burn (1 h)</TableHead>
              <TableHead>Last 30 days</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((s, i) => {
              const group = groupOf(s);
              const previous = page.rows[i - 1];
              const header = group !== null && (!previous || groupOf(previous) !== group);
              const left =
                s.summary.remaining !== null && s.summary.budgetAmount !== null
                  ? s.summary.remaining * s.summary.budgetAmount
                  : null;
              return (
                <Fragment key={s.id}>
                  {header ? (
                    <TableRow className="bg-muted/40 hover:bg-muted/40">
                      <TableCell colSpan={8} className="font-semibold" data-testid="slo-group">
                        {group}
                      </TableCell>
                    </TableRow>
                  ) : null}
                  <TableRow data-testid="slo-row" data-status={s.summary.status}>
                    <TableCell>
                      <Link href={`/slos/${s.name}`} className="font-medium hover:underline">
                        {s.spec.displayName ?? s.name}
                      </Link>
                      <div className="text-xs text-muted-foreground">
                        {sliText(s.spec)} · {s.model} · {windowText(s.spec.window)}
                        {s.spec.budgetingMethod === "timeslices" ? " · timeslices" : ""}
                      </div>
                    </TableCell>
                    <TableCell>{s.teamName}</TableCell>
                    <TableCell>
                      <div className="flex flex-wrap gap-1">
                        <StatusBadge status={s.summary.status} />
                        {s.summary.firing ? (
                          <Badge tone={s.summary.firing === "page" ? "bad" : "warn"}>
                            {s.summary.firing} alert
                          </Badge>
                        ) : null}
                      </div>
                      {s.noData ? <NoDataReason gap={s.noData} inline /> : null}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">
                      {percent(s.spec.objective)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">
                      {s.summary.attainment === null ? "—" : percent(s.summary.attainment)}
                    </TableCell>
                    <TableCell>
                      <BudgetBar remaining={s.summary.remaining} />
                      {left !== null ? (
                        <div className="text-xs text-muted-foreground">
                          {compact(left)} {budgetUnit(s.spec.budgetingMethod)} left
                        </div>
                      ) : null}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">
                      {burn(s.summary.burnRate1h)}
                      {s.summary.exhaustsInMin !== null && s.summary.exhaustsInMin > 0 ? (
                        <div className="text-xs text-muted-foreground">
                          empty in {duration(s.summary.exhaustsInMin)}
                        </div>
                      ) : null}
                    </TableCell>
                    <TableCell>
                      <BurnSparkline points={s.sparkline} />
                    </TableCell>
                  </TableRow>
                </Fragment>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/slos" params={params} />
    </>
  );
}
