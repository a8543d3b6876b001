import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { regionsView } from "@/server/traffic/regions";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { Pagination } from "@/components/common/pagination";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { pageWindow, toPage } from "@/lib/domain/navigation/pagination";
import { PlanDrainForm } from "@/components/traffic/plan-form";
import { ShareBar } from "@/components/traffic/share-bar";
import { errorText, msText, pctText, rpsText } from "@/components/traffic/format";
import { verdictCountsText } from "@/lib/domain/traffic/drain-plan";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Regions" };

/** A region failing this share of its requests is offered a failover rather than a drain. */
const OUTAGE_ERROR_RATE = 0.2;

/** Models per page of the traffic-by-region table (a large fleet has hundreds). */
const MODELS_PER_PAGE = 25;

export default async function RegionsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor();
  const [view, { query, params }] = await Promise.all([
    regionsView(actor),
    readListQuery(searchParams),
  ]);
  const shares = pageWindow(query.page, MODELS_PER_PAGE, view.models.length);
  const shownModels = view.models.slice(shares.skip, shares.skip + shares.take);
  const regionCodes = view.regions.map((r) => r.region);
  const allRegions = [
    ...new Set(view.models.flatMap((m) => m.regions.map((r) => r.region))),
  ].sort();
  return (
    <>
      <AutoRefresh everyMs={10_000} />
      <PageHeader
        title="Regions"
        description="Production traffic by region as the global load balancer routes it: load, errors, latency and the headroom each region has to absorb another's traffic."
      />
      {view.errors.length > 0 ? (
        <p role="status" className="mb-3 text-sm text-amber-800 dark:text-amber-300">
          Some sources did not answer: {view.errors.join("; ")}
        </p>
      ) : null}
      {!view.balancer ? (
        <p role="status" className="mb-3 text-sm text-amber-800 dark:text-amber-300">
          No global load balancer is configured (FLIGHTDECK_TRAFFIC_HOOK_URL): traffic is shown, but
          regions cannot be drained from here.
        </p>
      ) : null}

      <Table scrollLabel="Regions">
        <TableCaption>Regions, as of {view.readAt.toISOString().slice(11, 19)} UTC</TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead>Region</TableHead>
            <TableHead className="text-right">Traffic</TableHead>
            <TableHead className="text-right">Errors</TableHead>
            <TableHead className="text-right">p99 latency</TableHead>
            <TableHead
              className="text-right"
              title="More traffic the region can take before its models reach the replicas their autoscalers and free GPUs allow"
            >
              Headroom
            </TableHead>
            <TableHead className="text-right">Free GPUs</TableHead>
            <TableHead>Models</TableHead>
            <TableHead>Drain</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {view.regions.map((r) => (
            <TableRow key={r.region} data-testid="region-row" data-region={r.region}>
              <TableCell>
                <div className="font-medium">{r.region}</div>
                <div className="text-xs text-muted-foreground">
                  {r.name} · {r.clusters.join(", ") || "no cluster"}
                </div>
              </TableCell>
              <TableCell className="text-right tabular-nums" data-testid="region-rps">
                {rpsText(r.rps)}
              </TableCell>
              <TableCell className="text-right tabular-nums">{errorText(r.errorRate)}</TableCell>
              <TableCell className="text-right tabular-nums">{msText(r.p99Ms)}</TableCell>
              <TableCell className="text-right tabular-nums">
                {r.headroom === null ? "—" : `+${pctText(r.headroom)}`}
              </TableCell>
              <TableCell className="text-right tabular-nums">{r.freeGpus}</TableCell>
              <TableCell>
                {r.models}
                {r.drainedModels > 0 ? (
                  <span className="text-xs text-muted-foreground">
                    {" "}
                    · {r.drainedModels} drained
                  </span>
                ) : null}
              </TableCell>
              <TableCell>
                {r.drain ? (
                  <Link href={`/regions/drains/${r.drain.id}`} className="hover:underline">
                    <StatusBadge status={r.drain.paused ? "paused" : r.drain.phase} />
                    <span className="sr-only">
                      {" "}
                      {r.drain.kind} of {r.region}
                    </span>
                  </Link>
                ) : view.balancer && r.models > 0 && (r.errorRate ?? 0) >= OUTAGE_ERROR_RATE ? (
                  <Link
                    href={`/regions/drain?region=${encodeURIComponent(r.region)}`}
                    className="text-sm font-medium text-red-700 underline-offset-4 hover:underline dark:text-red-300"
                  >
                    {errorText(r.errorRate)} failing: plan a failover
                  </Link>
                ) : view.balancer && r.models > 0 ? (
                  <div className="flex flex-col items-start gap-1" data-testid="drain-check">
                    {r.drainCheck ? (
                      <span className="flex flex-wrap items-center gap-1.5 text-xs">
                        <StatusBadge status={r.drainCheck.verdict} />
                        <span className="text-muted-foreground">
                          {verdictCountsText(r.drainCheck.counts)}
                        </span>
                      </span>
                    ) : null}
                    <Link
                      href={`/regions/drain?region=${encodeURIComponent(r.region)}`}
                      className="text-sm text-primary underline-offset-4 hover:underline"
                    >
                      {r.drainCheck ? `Which models, and why` : `Can we drain ${r.region}?`}
                      <span className="sr-only"> (draining {r.region})</span>
                    </Link>
                  </div>
                ) : (
                  <span className="text-muted-foreground">—</span>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>

      {view.balancer ? (
        <section className="mt-6" aria-labelledby="plan-heading">
          <h2 id="plan-heading" className="mb-2 text-base font-semibold">
            Plan a drain or failover
          </h2>
          <p className="mb-2 text-sm text-muted-foreground">
            Nothing changes until you execute the plan: it shows, per model, what the other regions
            must absorb and whether their autoscalers and free GPUs allow it.
          </p>
          <PlanDrainForm
            regions={regionCodes}
            teams={view.teams}
            models={view.models.map((m) => m.model)}
          />
        </section>
      ) : null}

      <section className="mt-6" aria-labelledby="drains-heading">
        <h2 id="drains-heading" className="mb-2 text-base font-semibold">
          Drains and failovers
        </h2>
        {view.drains.length === 0 ? (
          <EmptyState title="No drain in the last week" hint="Every region serves its own users." />
        ) : (
          <Table scrollLabel="Drains and failovers">
            <TableCaption>Drains open now or ended in the last 7 days</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Drain</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>Models</TableHead>
                <TableHead>Started by</TableHead>
                <TableHead>Started</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {view.drains.map((d) => (
                <TableRow key={d.id} data-testid="drain-row">
                  <TableCell>
                    <Link href={`/regions/drains/${d.id}`} className="font-medium hover:underline">
                      {d.kind === "failover" ? "Failover" : "Drain"} of {d.region}
                    </Link>
                    <div className="text-xs text-muted-foreground">{d.scope}</div>
                  </TableCell>
                  <TableCell>
                    <StatusBadge status={d.phase} />
                    {d.paused ? <StatusBadge status="paused" /> : null}
                  </TableCell>
                  <TableCell className="tabular-nums">{d.models}</TableCell>
                  <TableCell>{d.createdBy}</TableCell>
                  <TableCell>
                    <TimeAgo date={d.createdAt} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>

      <section className="mt-6" aria-labelledby="shares-heading">
        <h2 id="shares-heading" className="mb-2 text-base font-semibold">
          Each model&apos;s traffic by region
        </h2>
        {view.models.length === 0 ? (
          <EmptyState title="No model serves production traffic" />
        ) : (
          <Table scrollLabel="Each model's share of traffic by region">
            <TableCaption>
              Share of each model&apos;s global production traffic served in each region; a dial
              under 100% means the region sends part of its own users elsewhere.
            </TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Model</TableHead>
                {allRegions.map((r) => (
                  <TableHead key={r}>{r}</TableHead>
                ))}
              </TableRow>
            </TableHeader>
            <TableBody>
              {shownModels.map((m) => (
                <TableRow key={m.model} data-testid="model-shares" data-model={m.model}>
                  <TableCell>
                    <Link
                      href={`/models/${encodeURIComponent(m.model)}`}
                      className="font-medium hover:underline"
                    >
                      {m.model}
                    </Link>
                    <div className="text-xs text-muted-foreground">{m.team}</div>
                  </TableCell>
                  {allRegions.map((region) => {
                    const r = m.regions.find((x) => x.region === region);
                    return (
                      <TableCell key={region} data-region={region}>
                        {r ? (
                          <>
                            <ShareBar share={r.share} label={`${m.model} share in ${region}`} />
                            <div className="text-xs text-muted-foreground tabular-nums">
                              {rpsText(r.rps)}
                              {r.dial < 100 ? ` · dial ${r.dial}%` : ""}
                            </div>
                          </>
                        ) : (
                          <span className="text-muted-foreground">not served</span>
                        )}
                      </TableCell>
                    );
                  })}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {view.models.length > MODELS_PER_PAGE ? (
          <Pagination
            {...toPage(shownModels, view.models.length, shares.page, MODELS_PER_PAGE)}
            basePath="/regions"
            params={params}
          />
        ) : null}
      </section>
    </>
  );
}
