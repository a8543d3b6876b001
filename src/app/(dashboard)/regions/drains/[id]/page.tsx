import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getDrain } from "@/server/traffic/drains";
import { readServing } from "@/server/traffic/serving";
import { sharesOf } from "@/server/traffic/regions";
import { drainCommandAction } from "@/actions/traffic";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { DrainControls } from "@/components/traffic/drain-controls";
import { TrafficTable } from "@/components/traffic/traffic-table";
import { errorText, msText } from "@/components/traffic/format";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Drain" };

function progressText(d: { phase: string; step: number; steps: number[]; region: string }) {
  if (d.phase === "undrained") return `${d.region} serves its own traffic again.`;
  if (d.step < 0) {
    return d.phase === "undraining"
      ? `Traffic is back in ${d.region}; restoring autoscalers.`
      : "Raising autoscalers ahead of traffic; no traffic moved yet.";
  }
  const moved = d.steps[d.step] ?? 100;
  return `Step ${d.step + 1} of ${d.steps.length}: ${moved}% of ${d.region}'s traffic moved to the other regions.`;
}

export default async function DrainPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requirePageActor();
  const drain = await getDrain(actor, id);
  if (!drain) notFound();
  const serving = await readServing(drain.modelsDetail.map((m) => m.model));
  const live = serving.models.map(sharesOf);
  const open = drain.phase === "draining" || drain.phase === "undraining";
  return (
    <>
      {drain.phase !== "undrained" ? <AutoRefresh everyMs={open ? 3_000 : 10_000} /> : null}
      <PageHeader
        title={`${drain.kind === "failover" ? "Emergency failover" : "Drain"} of ${drain.region}`}
        description={`${drain.scope}: ${drain.models} model${drain.models === 1 ? "" : "s"}. ${drain.reason ?? ""}`}
        actions={
          <Link href="/regions" className="text-sm text-primary underline-offset-4 hover:underline">
            All regions
          </Link>
        }
      />
      <div
        className="mb-4 flex flex-col gap-3 rounded-lg border bg-card p-4"
        data-testid="drain-status"
      >
        <div className="flex flex-wrap items-center gap-2">
          <StatusBadge status={drain.phase} />
          {drain.paused ? <StatusBadge status="paused" /> : null}
          <p className="text-sm" data-testid="drain-progress">
            {progressText(drain)}
          </p>
        </div>
        {drain.pauseReason ? (
          <p role="status" className="text-sm text-amber-800 dark:text-amber-300">
            {drain.pauseReason}
          </p>
        ) : null}
        {drain.blockedReason ? (
          <p role="status" className="text-sm text-red-700 dark:text-red-300">
            Blocked: {drain.blockedReason}. The engine tries again.
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-4 text-sm text-muted-foreground">
          <span>Started by {drain.createdBy}</span>
          <TimeAgo date={drain.createdAt} />
          <span>
            {drain.kind === "failover"
              ? "All traffic at once"
              : `Steps ${drain.steps.join(", ")}%, ${drain.stepSeconds} s each with analysis`}
          </span>
        </div>
        {drain.canAct ? (
          <DrainControls
            drainId={drain.id}
            version={drain.version}
            region={drain.region}
            phase={drain.phase}
            paused={drain.paused}
            command={drainCommandAction}
          />
        ) : null}
      </div>

      <section aria-labelledby="live-heading" className="mb-6">
        <h2 id="live-heading" className="mb-2 text-base font-semibold">
          Traffic now
        </h2>
        <TrafficTable
          rows={live.flatMap((m) => m.regions.map((r) => ({ model: m.model, ...r })))}
          showModel
          drainedRegion={drain.region}
          label="Traffic now by model and region"
          caption={`Each model's production traffic by region now; ${drain.region} is the drained region.`}
        />
      </section>

      <section aria-labelledby="plan-heading" className="mb-6">
        <h2 id="plan-heading" className="mb-2 text-base font-semibold">
          Capacity check and autoscalers
        </h2>
        <Table scrollLabel="Receiving regions">
          <TableCaption>
            The verdicts when the drain started, and the autoscaler bounds it set ahead of traffic
            (restored on undrain).
          </TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Model</TableHead>
              <TableHead>Verdict</TableHead>
              <TableHead>Receiving region</TableHead>
              <TableHead className="text-right">Replicas before → needed</TableHead>
              <TableHead>Autoscaler min–max</TableHead>
              <TableHead className="text-right">Baseline errors / p99</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {drain.modelsDetail.flatMap((m) =>
              m.receiving.map((r, i) => (
                <TableRow key={`${m.model}/${r.region}`}>
                  <TableCell className="font-medium">{i === 0 ? m.model : ""}</TableCell>
                  <TableCell>{i === 0 ? <StatusBadge status={m.verdict} /> : null}</TableCell>
                  <TableCell>{r.region}</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {r.replicasBefore} → {r.replicasNeeded}
                  </TableCell>
                  <TableCell className="tabular-nums">
                    {r.hpaBefore ? `${r.hpaBefore.min}–${r.hpaBefore.max}` : "—"}
                    {r.hpaSet ? ` → ${r.hpaSet.min}–${r.hpaSet.max}` : ""}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {errorText(r.baseline.errorRate)} / {msText(r.baseline.p99Ms)}
                  </TableCell>
                </TableRow>
              )),
            )}
          </TableBody>
        </Table>
      </section>

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading" className="mb-2 text-base font-semibold">
          Timeline
        </h2>
        <ol className="flex flex-col gap-2" data-testid="drain-timeline">
          {drain.events.map((e) => (
            <li key={e.id} className="flex gap-3 rounded border p-2 text-sm" data-kind={e.kind}>
              <div className="w-40 shrink-0">
                <TimeAgo date={e.at} />
              </div>
              <div>
                <span className="font-medium">{e.kind}</span>: {e.message}
              </div>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
