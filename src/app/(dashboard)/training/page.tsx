import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { listTrainingJobs } from "@/server/training/jobs";
import { fleetReliability } from "@/server/training/reliability";
import { FleetReliability } from "@/components/training/fleet-reliability";
import { readListQuery, type SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { ActionButton } from "@/components/common/action-button";
import { Badge } from "@/components/ui/badge";
import { resumeTrainingAction } from "@/actions/training";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Training" };

export default async function TrainingPage({ searchParams }: { searchParams: SearchParams }) {
  const { query, params } = await readListQuery(searchParams);
  const actor = await requirePageActor();
  const [page, reliability] = await Promise.all([
    listTrainingJobs(actor, query),
    fleetReliability(actor, query),
  ]);
  return (
    <>
      <PageHeader
        title="Training jobs"
        description="Progress, checkpoints, interruptions and GPU-hours lost; each job's page says what its failures cost and whether it checkpoints at the right interval."
      />
      {page.total === 0 ? (
        <EmptyState title="No training jobs match" hint="Clear the region filter." />
      ) : (
        <Table>
          <TableCaption>Training jobs</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Job</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Progress</TableHead>
              <TableHead>GPUs</TableHead>
              <TableHead className="text-right">Restarts</TableHead>
              <TableHead className="text-right">GPU-hours lost</TableHead>
              <TableHead>Last checkpoint</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((j) => {
              const progress = j.stepsTotal ? j.stepsDone / j.stepsTotal : 0;
              return (
                <TableRow key={j.id} data-testid="training-row">
                  <TableCell>
                    <Link
                      href={`/training/${encodeURIComponent(j.name)}`}
                      className="font-medium hover:underline"
                    >
                      {j.name}
                    </Link>
                    <div className="text-xs text-muted-foreground">
                      {j.teamName} · {j.cluster}
                    </div>
                  </TableCell>
                  <TableCell>
                    <StatusBadge status={j.status} />
                    {j.failureReason ? (
                      <div className="mt-1 max-w-64 text-xs text-muted-foreground">
                        {j.failureReason}
                      </div>
                    ) : null}
                    {j.resume === "in_flight" ? (
                      <div className="mt-1" data-testid="resume-state">
                        <Badge tone="neutral">resuming…</Badge>
                      </div>
                    ) : null}
                    {j.resume === "unknown" ? (
                      <div className="mt-1 max-w-64 text-xs" data-testid="resume-state">
                        <Badge tone="warn">resume outcome unknown</Badge>
                        <div className="mt-1 text-muted-foreground">
                          The platform did not confirm a restart. Checking finishes it: a restart
                          that ran is recorded, one that did not is asked again.
                        </div>
                      </div>
                    ) : null}
                    {j.canResume ? (
                      <div className="mt-2">
                        <ActionButton
                          action={resumeTrainingAction}
                          input={{ jobId: j.id, version: j.version }}
                          label={
                            j.resume === "unknown"
                              ? "Check and finish resume"
                              : "Resume from checkpoint"
                          }
                          confirm={
                            j.resume === "unknown"
                              ? `Check whether ${j.name} restarted, and restart it from its last checkpoint if it did not?`
                              : `Restart ${j.name} on ${j.gpuCount} × ${j.gpuType} from step ${(j.lastCheckpoint?.step ?? 0).toLocaleString("en-US")}? Steps after that checkpoint are recomputed.`
                          }
                        />
                      </div>
                    ) : null}
                  </TableCell>
                  <TableCell className="min-w-40">
                    <div
                      className="h-2 overflow-hidden rounded bg-muted"
                      role="progressbar"
                      aria-label={`${j.name} progress`}
                      aria-valuemin={0}
                      aria-valuemax={100}
                      aria-valuenow={Math.round(progress * 100)}
                    >
                      <div className="h-full bg-primary" style={{ width: `${progress * 100}%` }} />
                    </div>
                    <div className="mt-1 text-xs tabular-nums text-muted-foreground">
                      {Math.round(progress * 100)}% · step {j.stepsDone.toLocaleString("en-US")} of{" "}
                      {j.stepsTotal.toLocaleString("en-US")}
                    </div>
                  </TableCell>
                  <TableCell className="tabular-nums">
                    {j.gpuCount} × {j.gpuType}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{j.restarts}</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {j.gpuHoursLost.toFixed(1)}
                  </TableCell>
                  <TableCell>
                    {j.lastCheckpoint ? (
                      <>
                        <div className="text-xs">
                          step {j.lastCheckpoint.step.toLocaleString("en-US")}
                        </div>
                        <TimeAgo date={j.lastCheckpoint.createdAt} />
                      </>
                    ) : (
                      <span className="text-muted-foreground">none yet</span>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/training" params={params} />
      <FleetReliability data={reliability} />
    </>
  );
}
