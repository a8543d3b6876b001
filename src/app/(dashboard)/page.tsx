import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { getOverview } from "@/server/fleet/overview";
import { liveTraffic, metricsSourceName } from "@/server/fleet/platform";
import { LiveTraffic } from "@/components/platform/live-traffic";
import { promotionQueue } from "@/server/promotions/queries";
import { isAllowed } from "@/server/access/authorize";
import { PromotionQueue } from "@/components/promotions/queue";
import { FleetFreshness } from "@/components/platform/fleet-freshness";
import { filterSuffix, readListQuery, type SearchParams } from "@/components/common/search-params";
import { PageHeader } from "@/components/common/page-header";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { onCallBoard } from "@/server/incidents/oncall";
import { OnCall } from "./on-call";

export const metadata: Metadata = { title: "Overview" };

function Stat({
  label,
  value,
  detail,
  href,
  testId,
}: {
  label: string;
  value: number | string;
  detail?: string;
  href: string;
  testId: string;
}) {
  return (
    <Link
      href={href}
      className="rounded-lg focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
    >
      <Card className="h-full transition-colors hover:bg-accent/40">
        <CardHeader>
          <CardTitle>{label}</CardTitle>
        </CardHeader>
        <CardContent>
          <p className="text-2xl font-semibold tabular-nums" data-testid={testId}>
            {value}
          </p>
          {detail ? <p className="text-xs text-muted-foreground">{detail}</p> : null}
        </CardContent>
      </Card>
    </Link>
  );
}

export default async function OverviewPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const actor = await requirePageActor();
  const [board, o, live, queue] = await Promise.all([
    onCallBoard(actor, query),
    getOverview(actor, query),
    liveTraffic(actor),
    promotionQueue(actor),
  ]);
  const q = filterSuffix(params);
  const pct = (a: number, b: number) => (b === 0 ? "—" : `${Math.round((a / b) * 100)}%`);
  return (
    <>
      <PageHeader
        title="Overview"
        description={`Fleet at a glance${query.region ? ` in ${query.region}` : ""}${query.env ? `, ${query.env}` : ""}.`}
      />
      <AutoRefresh everyMs={10_000} />
      <OnCall board={board} q={q} />
      <section aria-label="Operational state" className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat
          label="Open incidents"
          value={o.openIncidents}
          detail={`${o.incidentsLast30d} in the last 30 days`}
          href={`/incidents${q}`}
          testId="stat-open-incidents"
        />
        <Stat
          label="Active rollouts"
          value={o.activeRollouts}
          detail={`${o.rolloutsLast30d} in 30 days, ${o.rolledBackLast30d} rolled back`}
          href={`/rollouts${q}`}
          testId="stat-active-rollouts"
        />
        <Stat
          label="SLOs"
          value={o.slos}
          detail={`${o.sloStatus.healthy} healthy · ${o.sloStatus.at_risk} at risk · ${o.sloStatus.exhausted} exhausted${o.sloStatus.no_data ? ` · ${o.sloStatus.no_data} no data` : ""}`}
          href={`/slos${q}`}
          testId="stat-slos"
        />
        <Stat
          label="Training jobs running"
          value={o.trainingRunning}
          detail={`${o.trainingJobs} jobs in all`}
          href={`/training${q}`}
          testId="stat-training-running"
        />
      </section>
      <PromotionQueue {...queue} approver={isAllowed(actor, "promotion.approve")} />
      <h2 className="mb-2 mt-6 text-sm font-semibold text-muted-foreground">Fleet</h2>
      <section aria-label="Fleet" className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat
          label="Clusters"
          value={o.clusters}
          detail={`${o.regions} regions`}
          href={`/clusters${q}`}
          testId="stat-clusters"
        />
        <Stat
          label="GPUs allocated"
          value={o.gpus ? `${o.gpus.allocated} / ${o.gpus.total}` : "unknown"}
          detail={
            o.gpus
              ? `${pct(o.gpus.allocated, o.gpus.allocatable)} of ${o.gpus.allocatable} allocatable · ${o.gpus.nodes - o.gpus.readyNodes} of ${o.gpus.nodes} nodes not ready`
              : (o.fleetError ?? "The platform has not answered yet")
          }
          href={`/clusters${q}`}
          testId="stat-gpus"
        />
        <Stat
          label="Models"
          value={o.models}
          detail={`${o.modelVersions} versions`}
          href={`/models${q}`}
          testId="stat-models"
        />
        <Stat
          label="Deployments"
          value={o.deployments}
          href={`/models${q}`}
          testId="stat-deployments"
        />
      </section>
      <div className="mt-6">
        <LiveTraffic
          rows={live.data}
          readAt={live.readAt}
          error={live.error}
          source={metricsSourceName()}
          allHref={`/models${q}`}
        />
      </div>
      <h2 className="mb-2 mt-6 flex flex-wrap items-baseline gap-x-2 text-sm font-semibold text-muted-foreground">
        GPU capacity by type
        <FleetFreshness readAt={o.fleetReadAt} error={o.fleetError} />
      </h2>
      <ul className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        {o.gpuByType.map((g) => (
          <li key={g.gpuType} className="rounded-lg border bg-card p-4">
            <div className="flex items-baseline justify-between">
              <span className="font-medium">{g.gpuType}</span>
              <span className="text-sm tabular-nums text-muted-foreground">
                {g.allocated} / {g.total} allocated
              </span>
            </div>
            <div className="text-xs text-muted-foreground">
              {g.total - g.allocatable > 0
                ? `${g.total - g.allocatable} unavailable (failed, not ready or cordoned)`
                : "all schedulable"}
            </div>
            <div
              className="mt-2 h-2 overflow-hidden rounded bg-muted"
              role="meter"
              aria-label={`${g.gpuType} GPUs allocated`}
              aria-valuemin={0}
              aria-valuemax={g.total}
              aria-valuenow={g.allocated}
            >
              <div
                className="h-full bg-primary"
                style={{ width: `${g.total ? (g.allocated / g.total) * 100 : 0}%` }}
              />
              <div
                className="-mt-2 ml-auto h-full bg-destructive/60"
                style={{ width: `${g.total ? ((g.total - g.allocatable) / g.total) * 100 : 0}%` }}
                title="Unavailable GPUs"
              />
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
