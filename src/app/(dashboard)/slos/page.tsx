import type { Metadata } from "next";
import Link from "next/link";
import { Fragment } from "react";
import { requirePageActor } from "@/server/auth/page";
import { listSlos, sloFilterOptions } from "@/server/slos/queries";
import { canManageSlos } from "@/server/slos/definitions";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { SLO_STATUS_FILTERS, sloListQuerySchema } from "@/lib/schemas/slos";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/native-select";
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

export default async function SlosPage({ searchParams }: { searchParams: SearchParams }) {
  const params = firstValues(await searchParams);
  const query = sloListQuerySchema.parse(params);
  const actor = await requirePageActor();
  const [page, options] = await Promise.all([listSlos(actor, query), sloFilterOptions(actor)]);
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
      <form method="get" className="mb-3 flex flex-wrap items-end gap-2" aria-label="Filter SLOs">
        <label className="flex flex-col gap-1 text-xs text-muted-foreground">
          Status
          <NativeSelect name="status" defaultValue={query.status ?? ""} aria-label="Status">
            <option value="">Any status</option>
            {SLO_STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </NativeSelect>
        </label>
        <label className="flex flex-col gap-1 text-xs text-muted-foreground">
          Team
          <NativeSelect name="team" defaultValue={query.team ?? ""} aria-label="Team">
            <option value="">Any team</option>
            {options.teams.map((t) => (
              <option key={t.slug} value={t.slug}>
                {t.name}
              </option>
            ))}
          </NativeSelect>
        </label>
        <label className="flex flex-col gap-1 text-xs text-muted-foreground">
          Service
          <NativeSelect name="service" defaultValue={query.service ?? ""} aria-label="Service">
            <option value="">Any service</option>
            {options.services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </NativeSelect>
        </label>
        <label className="flex flex-col gap-1 text-xs text-muted-foreground">
          Group by
          <NativeSelect name="group" defaultValue={query.group ?? "none"} aria-label="Group by">
            <option value="none">No grouping</option>
            <option value="team">Team</option>
            <option value="service">Service</option>
          </NativeSelect>
        </label>
        <Button type="submit" size="sm" variant="outline">
          Filter
        </Button>
      </form>
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
