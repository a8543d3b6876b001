import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import {
  capacityOverview,
  capacityPageFilterSchema,
  CLUSTER_ROWS,
  type CapacityPageFilter,
} from "@/server/capacity/overview";
import { placeGpus, type PlacementResult } from "@/server/capacity/placement";
import { placementQuerySchema } from "@/lib/schemas/capacity";
import { SPLIT_KEYS, SPLIT_LABELS, type GpuSplit } from "@/lib/domain/capacity/split";
import { dailyMeans } from "@/lib/domain/capacity/usage";
import type { Consumer } from "@/lib/domain/capacity/usage";
import { displayZone, formatDay } from "@/lib/display-zone";
import { AppError } from "@/server/errors";
import { firstValues } from "@/lib/schemas/list-query";
import { hrefWith, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { ListFilters, selectFilter } from "@/components/common/list-filters";
import { formatAbsolute } from "@/components/common/time-ago";
import { FleetFreshness } from "@/components/platform/fleet-freshness";
import { SplitBar, SplitLegend } from "@/components/capacity/split-bar";
import { HistoryChart } from "@/components/capacity/history-chart";
import { PlacementForm, PlacementResults } from "@/components/capacity/placement";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Capacity" };

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (n: number) => `${Math.round(n * 100)}%`;

/** "H100 on c1", "H100 in us-east-1", "": what the filters narrow the page to. */
function whereOf(filter: CapacityPageFilter): string {
  const place = filter.cluster
    ? `on ${filter.cluster}`
    : filter.region
      ? `in ${filter.region}`
      : "";
  return [filter.type, place].filter(Boolean).join(" ");
}

function Section({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: React.ReactNode;
}) {
  return (
    <section aria-labelledby={`${id}-title`} className="flex flex-col gap-3" id={id}>
      <h2 id={`${id}-title`} className="text-base font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

function SplitTable({
  caption,
  head,
  rows,
  testId,
}: {
  caption: string;
  head: string;
  rows: { key: string; label: React.ReactNode; sub?: React.ReactNode; split: GpuSplit }[];
  testId: string;
}) {
  const showOther = rows.some((r) => r.split.other > 0);
  return (
    <Table data-testid={testId}>
      <TableCaption>{caption}</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>{head}</TableHead>
          <TableHead className="text-right">GPUs</TableHead>
          {SPLIT_KEYS.filter((k) => k !== "other" || showOther).map((k) => (
            <TableHead key={k} className="text-right">
              {SPLIT_LABELS[k]}
            </TableHead>
          ))}
          <TableHead>Split</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.key} data-key={r.key}>
            <TableCell>
              <div className="font-medium">{r.label}</div>
              {r.sub ? <div className="text-xs text-muted-foreground">{r.sub}</div> : null}
            </TableCell>
            <TableCell className="text-right tabular-nums">{fmt(r.split.total)}</TableCell>
            {SPLIT_KEYS.filter((k) => k !== "other" || showOther).map((k) => (
              <TableCell key={k} className="text-right tabular-nums">
                {fmt(r.split[k])}
              </TableCell>
            ))}
            <TableCell>
              <SplitBar
                id={`${testId}-${r.key}`}
                split={r.split}
                label={String(r.key)}
                width={160}
              />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function ConsumerList({ title, items, note }: { title: string; items: Consumer[]; note?: string }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        {note ? <p className="text-xs text-muted-foreground">{note}</p> : null}
      </CardHeader>
      <CardContent>
        {items.length === 0 ? (
          <p className="text-sm text-muted-foreground">None.</p>
        ) : (
          <ol className="flex flex-col gap-1 text-sm">
            {items.map((c) => (
              <li key={c.name} className="flex items-baseline justify-between gap-3">
                <span className="min-w-0">
                  <span className="font-medium">{c.name}</span>
                  {c.detail ? (
                    <span className="block truncate text-xs text-muted-foreground">{c.detail}</span>
                  ) : null}
                </span>
                <span className="shrink-0 tabular-nums">
                  {fmt(c.gpus)}{" "}
                  <span className="text-xs text-muted-foreground">({pct(c.share)})</span>
                </span>
              </li>
            ))}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}

export default async function CapacityPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor();
  const params = firstValues(await searchParams);
  const filter = capacityPageFilterSchema.parse(params);
  const view = await capacityOverview(actor, filter);
  const zone = displayZone();

  // The placement question, when asked: its inputs are the URL's.
  const asked = params.gpus !== undefined;
  const gpuType =
    params.gpuType ??
    filter.type ??
    (view.options.gpuTypes.includes("H100") ? "H100" : (view.options.gpuTypes[0] ?? "H100"));
  let placement: PlacementResult | null = null;
  let placementError: string | null = null;
  if (asked) {
    const parsed = placementQuerySchema.safeParse({
      gpus: params.gpus,
      gpuType,
      team: params.team || undefined,
      region: filter.region,
    });
    if (!parsed.success) placementError = parsed.error.issues[0]?.message ?? "Check the question.";
    else {
      try {
        placement = await placeGpus(actor, parsed.data);
      } catch (error) {
        if (error instanceof AppError && error.code === "NOT_FOUND") placementError = error.message;
        else throw error;
      }
    }
  }

  const days = dailyMeans(view.history);
  const filters = [
    selectFilter("type", "GPU type", filter.type, view.options.gpuTypes, "All types"),
    selectFilter("region", "Region", filter.region, view.options.regions, "All regions"),
    selectFilter("cluster", "Cluster", filter.cluster, view.options.clusters, "All clusters"),
  ];
  const where = whereOf(filter);
  const kept = { type: filter.type, region: filter.region, cluster: filter.cluster };

  return (
    <>
      <PageHeader
        title="Capacity"
        description="GPUs by type, region and cluster: serving, training, idle and unavailable, against team quotas, over the last 30 days; and where a job's GPUs fit."
        actions={<FleetFreshness readAt={view.readAt} error={view.error} />}
      />
      <ListFilters
        label="Filter capacity"
        basePath="/capacity"
        params={kept}
        filters={filters}
        className="mb-4"
      />
      <div className="flex flex-col gap-8">
        <Section id="placement" title="Where can I place GPUs?">
          <PlacementForm
            gpus={params.gpus ?? "16"}
            gpuType={gpuType}
            team={params.team ?? ""}
            gpuTypes={view.options.gpuTypes.length > 0 ? view.options.gpuTypes : ["H100"]}
            teams={view.options.teams}
            keep={kept}
            error={placementError}
          />
          {placement ? (
            <div className="flex flex-col gap-2" aria-live="polite">
              <p className="text-sm font-medium" data-testid="placement-summary">
                {placement.summary}
              </p>
              <p className="text-xs text-muted-foreground">
                A gang larger than a node takes whole free nodes; a smaller one needs one node with
                that many GPUs free. {placement.teamName ? `${placement.teamName}'s` : "No team's"}{" "}
                quotas {placement.teamName ? "are" : "were"} checked
                {placement.region ? `, in ${placement.region} only` : ""}.
              </p>
              {placement.pools.length > 0 ? <PlacementResults pools={placement.pools} /> : null}
            </div>
          ) : null}
        </Section>

        {view.pools === 0 ? (
          <EmptyState
            title={where ? `No ${where} GPUs` : "No GPUs"}
            hint={
              view.readAt
                ? "Clear the filters to see the whole fleet."
                : "The platform has not answered yet: the fleet's GPUs show once it does."
            }
          />
        ) : (
          <>
            <Section id="now" title={`Now${where ? `: ${where}` : ""}`}>
              <div className="flex flex-col gap-2">
                <SplitBar id="fleet" split={view.fleet} label="All GPUs" width={640} height={20} />
                <SplitLegend id="fleet-legend" split={view.fleet} />
              </div>
              <SplitTable
                caption="GPUs by type"
                head="GPU type"
                testId="by-type"
                rows={view.byType.map((g) => ({
                  key: g.key,
                  label: g.key,
                  sub: `${g.pools} ${g.pools === 1 ? "pool" : "pools"}`,
                  split: g.split,
                }))}
              />
              <SplitTable
                caption="GPUs by region"
                head="Region"
                testId="by-region"
                rows={view.byRegion.map((g) => ({ key: g.key, label: g.key, split: g.split }))}
              />
              <SplitTable
                caption={
                  view.clusters > CLUSTER_ROWS
                    ? `GPUs by cluster: the ${CLUSTER_ROWS} largest of ${view.clusters}`
                    : "GPUs by cluster"
                }
                head="Cluster"
                testId="by-cluster"
                rows={view.byCluster.map((g) => ({
                  key: g.key,
                  label: (
                    <Link
                      href={`/clusters/${encodeURIComponent(g.key)}`}
                      className="hover:underline"
                    >
                      {g.key}
                    </Link>
                  ),
                  sub: (
                    <>
                      {g.region} ·{" "}
                      <Link
                        href={`${hrefWith("/capacity", { ...kept, cluster: g.key })}#history`}
                        aria-label={`30 days of ${g.key}`}
                        className="hover:underline"
                      >
                        30 days
                      </Link>
                    </>
                  ),
                  split: g.split,
                }))}
              />
            </Section>

            <Section id="fragmentation" title="Fragmentation">
              <p className="text-sm text-muted-foreground">
                Free GPUs on partly used nodes: a training gang larger than a node needs whole free
                nodes, so these GPUs cannot take it. The most stranded pools first.
              </p>
              {view.fragmented.length === 0 ? (
                <EmptyState
                  title="No fragmented pools"
                  hint="Every free GPU is on a whole free node."
                />
              ) : (
                <Table data-testid="fragmentation">
                  <TableCaption>
                    Pools whose free GPUs are spread over partly used nodes
                  </TableCaption>
                  <TableHeader>
                    <TableRow>
                      <TableHead>Pool</TableHead>
                      <TableHead className="text-right">Free GPUs</TableHead>
                      <TableHead className="text-right">Whole nodes free</TableHead>
                      <TableHead className="text-right">Stranded GPUs</TableHead>
                      <TableHead className="text-right">Largest gang now</TableHead>
                      <TableHead className="text-right">Stranded share</TableHead>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {view.fragmented.map((f) => (
                      <TableRow key={`${f.cluster}/${f.pool}`} data-cluster={f.cluster}>
                        <TableCell>
                          <Link
                            href={`/clusters/${encodeURIComponent(f.cluster)}`}
                            className="font-medium hover:underline"
                          >
                            {f.cluster}
                          </Link>
                          <div className="text-xs text-muted-foreground">
                            {f.pool} · {f.gpuType} · {f.gpusPerNode} per node
                          </div>
                        </TableCell>
                        <TableCell className="text-right tabular-nums">{f.free}</TableCell>
                        <TableCell className="text-right tabular-nums">
                          {f.wholeNodesFree}
                        </TableCell>
                        <TableCell className="text-right tabular-nums">{f.stranded}</TableCell>
                        <TableCell className="text-right tabular-nums">{f.largestGang}</TableCell>
                        <TableCell className="text-right tabular-nums">{pct(f.index)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )}
            </Section>
          </>
        )}

        <Section id="history" title={`Last 30 days${where ? `: ${where}` : ""}`}>
          {view.stats.hoursWithData === 0 ? (
            <EmptyState
              title="No history yet"
              hint={
                filter.cluster
                  ? `The fleet sync has no hourly rollup of ${filter.cluster}'s pools in the last 30 days.`
                  : "The fleet sync adds an hourly rollup on every pass; the first hour shows once it has run."
              }
            />
          ) : (
            <>
              <HistoryChart points={view.history} zone={zone} />
              <SplitLegend id="history-legend" />
              <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
                <div>
                  <dt className="text-xs text-muted-foreground">Mean GPUs</dt>
                  <dd className="tabular-nums">{fmt(view.stats.mean.total)}</dd>
                </div>
                <div>
                  <dt className="text-xs text-muted-foreground">Mean idle</dt>
                  <dd className="tabular-nums">{fmt(view.stats.mean.idle)}</dd>
                </div>
                <div>
                  <dt className="text-xs text-muted-foreground">Busiest hour (GPUs in use)</dt>
                  <dd className="tabular-nums">
                    {view.stats.peakInUse ? (
                      <>
                        {fmt(view.stats.peakInUse.gpus)}{" "}
                        <span className="text-xs text-muted-foreground">
                          {formatAbsolute(view.stats.peakInUse.hour)}
                        </span>
                      </>
                    ) : (
                      "—"
                    )}
                  </dd>
                </div>
                <div>
                  <dt className="text-xs text-muted-foreground">Fewest idle in an hour</dt>
                  <dd className="tabular-nums">
                    {view.stats.leastIdle ? (
                      <>
                        {fmt(view.stats.leastIdle.gpus)}{" "}
                        <span className="text-xs text-muted-foreground">
                          {formatAbsolute(view.stats.leastIdle.hour)}
                        </span>
                      </>
                    ) : (
                      "—"
                    )}
                  </dd>
                </div>
              </dl>
              <details>
                <summary className="cursor-pointer text-sm">
                  The history as a table (daily means)
                </summary>
                <Table data-testid="history-table">
                  <TableCaption>Daily means of GPUs by state (days in UTC)</TableCaption>
                  <TableHeader>
                    <TableRow>
                      <TableHead>Day (UTC)</TableHead>
                      <TableHead className="text-right">GPUs</TableHead>
                      {SPLIT_KEYS.map((k) => (
                        <TableHead key={k} className="text-right">
                          {SPLIT_LABELS[k]}
                        </TableHead>
                      ))}
                      <TableHead className="text-right">Hours</TableHead>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {days.map((d) => (
                      <TableRow key={d.day.toISOString()}>
                        <TableCell>{formatDay(d.day)}</TableCell>
                        <TableCell className="text-right tabular-nums">
                          {fmt(d.mean.total)}
                        </TableCell>
                        {SPLIT_KEYS.map((k) => (
                          <TableCell key={k} className="text-right tabular-nums">
                            {fmt(d.mean[k])}
                          </TableCell>
                        ))}
                        <TableCell className="text-right tabular-nums">{d.hours}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </details>
            </>
          )}
        </Section>

        <Section id="teams" title="Teams against their quotas">
          {view.teams.length === 0 ? (
            <EmptyState title="No team namespaces" hint="No namespace belongs to a team." />
          ) : (
            <Table data-testid="teams">
              <TableCaption>
                GPUs each team uses now in its namespaces
                {filter.cluster
                  ? ` on ${filter.cluster}`
                  : filter.region
                    ? ` in ${filter.region}`
                    : ""}
                , against their quotas (all GPU types). Over 30 days, across the whole fleet (the
                hourly team rollups have no region, type or cluster): GPU-hours used as a share of
                the quota&apos;s GPU-hours, the busiest hour&apos;s share, and GPU-hours.
              </TableCaption>
              <TableHeader>
                <TableRow>
                  <TableHead>Team</TableHead>
                  <TableHead className="text-right">In use</TableHead>
                  <TableHead className="text-right">Quota</TableHead>
                  <TableHead className="text-right">Of quota</TableHead>
                  <TableHead className="text-right">Namespaces</TableHead>
                  <TableHead className="text-right">Of quota, 30-day mean</TableHead>
                  <TableHead className="text-right">Of quota, 30-day peak</TableHead>
                  <TableHead className="text-right">GPU-hours, 30 days</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {view.teams.map((t) => (
                  <TableRow key={t.team} data-team={t.team}>
                    <TableCell className="font-medium">{t.name}</TableCell>
                    <TableCell className="text-right tabular-nums">{fmt(t.used)}</TableCell>
                    <TableCell className="text-right tabular-nums">{fmt(t.quota)}</TableCell>
                    <TableCell className="text-right tabular-nums">
                      {t.ofQuota === null ? "—" : pct(t.ofQuota)}
                      {t.overQuota > 0 ? (
                        <div className="text-xs text-red-700 dark:text-red-300">
                          {t.overQuota} over quota
                        </div>
                      ) : null}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{t.namespaces}</TableCell>
                    <TableCell className="text-right tabular-nums" data-column="mean-of-quota">
                      {t.quotaHistory.meanOfQuota === null ? "—" : pct(t.quotaHistory.meanOfQuota)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums" data-column="peak-of-quota">
                      {t.quotaHistory.peakOfQuota ? (
                        <>
                          {pct(t.quotaHistory.peakOfQuota.share)}
                          <div className="text-xs text-muted-foreground">
                            {formatAbsolute(t.quotaHistory.peakOfQuota.hour)}
                          </div>
                        </>
                      ) : (
                        "—"
                      )}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{fmt(t.gpuHours)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </Section>

        <Section id="consumers" title="Top consumers">
          <div className="grid gap-4 md:grid-cols-3">
            <ConsumerList title="Teams (GPUs in use)" items={view.consumers.teams} />
            <ConsumerList title="Training jobs (GPUs)" items={view.consumers.jobs} />
            <ConsumerList
              title="Models (serving GPUs)"
              items={view.consumers.models}
              note={
                filter.type
                  ? "All GPU types: the registry records GPUs per replica, not their type."
                  : "Ready replicas × the GPUs per replica the registry declares."
              }
            />
          </div>
        </Section>
      </div>
    </>
  );
}
