import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { AppError } from "@/server/errors";
import {
  CHECKPOINTS_SHOWN,
  getTrainingJob,
  INTERRUPTIONS_SHOWN,
} from "@/server/training/reliability";
import { resumeTrainingAction } from "@/actions/training";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { ActionButton } from "@/components/common/action-button";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { CheckpointAdviceCard, formatSeconds } from "@/components/training/checkpoint-advice";
import { CAUSE_LABELS, formatHours } from "@/lib/domain/training/reliability";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

type Params = Promise<{ name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: decodeURIComponent((await params).name) };
}

const n = (x: number) => x.toLocaleString("en-US");
const gpuHours = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 1 });

export default async function TrainingJobPage({ params }: { params: Params }) {
  const name = decodeURIComponent((await params).name);
  const actor = await requirePageActor();
  const j = await getTrainingJob(actor, name).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const progress = j.stepsTotal ? j.stepsDone / j.stepsTotal : 0;
  const r = j.reliability;
  const lostTotal = j.interruptions.reduce((s, i) => s + i.gpuHoursLost, 0);
  // A failed job waiting for someone holds no GPUs: its time down is wall-clock, not GPU-hours.
  const stopped = j.interruptions[0]?.downtime;
  const downFor = stopped?.kind === "stopped" ? stopped.seconds : null;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/training" className="hover:underline">
          Training
        </Link>{" "}
        / {j.name}
      </nav>
      <PageHeader
        title={j.name}
        description={`${j.model} · ${j.teamName} · ${j.cluster} (${j.regionCode}) · ${j.gpuCount} × ${j.gpuType}`}
        actions={
          <div className="flex flex-col items-end gap-2">
            <StatusBadge status={j.status} />
            {j.resume === "in_flight" ? <Badge tone="neutral">resuming…</Badge> : null}
            {j.resume === "unknown" ? <Badge tone="warn">resume outcome unknown</Badge> : null}
            {j.canResume ? (
              <ActionButton
                action={resumeTrainingAction}
                input={{ jobId: j.id, version: j.version }}
                label={
                  j.resume === "unknown" ? "Check and finish resume" : "Resume from checkpoint"
                }
                confirm={`Restart ${j.name} on ${j.gpuCount} × ${j.gpuType} from its last checkpoint? Steps after it are recomputed.`}
              />
            ) : null}
          </div>
        }
      />
      {j.failureReason ? (
        <p className="mb-4 text-sm">
          <span className="text-muted-foreground">Last failure: </span>
          {j.failureReason}
        </p>
      ) : null}

      <div className="mb-6 grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Card>
          <CardHeader>
            <CardTitle>Progress</CardTitle>
          </CardHeader>
          <CardContent>
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
            <p className="mt-1 text-sm tabular-nums">
              {Math.round(progress * 100)}% · step {n(j.stepsDone)} of {n(j.stepsTotal)}
            </p>
            <p className="text-xs text-muted-foreground">
              {r.stepsPerHour ? `${n(Math.round(r.stepsPerHour))} steps an hour · ` : ""}
              started <TimeAgoInline date={j.startedAt} now={j.now} />
            </p>
          </CardContent>
        </Card>
        <Card data-testid="goodput">
          <CardHeader>
            <CardTitle>Goodput</CardTitle>
          </CardHeader>
          <CardContent>
            <p className="text-2xl font-semibold tabular-nums">
              {r.goodput.ratio === null ? "—" : `${(r.goodput.ratio * 100).toFixed(1)}%`}
            </p>
            <p className="text-xs text-muted-foreground">
              {gpuHours(r.goodput.usefulGpuHours)} useful of {gpuHours(r.goodput.allocatedGpuHours)}{" "}
              allocated GPU-hours
            </p>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Lost to interruptions</CardTitle>
          </CardHeader>
          <CardContent>
            <p className="text-2xl font-semibold tabular-nums">
              {gpuHours(r.workLostGpuHours + r.restartGpuHours)} GPU-h
            </p>
            <p className="text-xs text-muted-foreground">
              {gpuHours(r.workLostGpuHours)} recomputed, {gpuHours(r.restartGpuHours)} restarting;
              besides, {gpuHours(r.checkpointGpuHours)} writing checkpoints
            </p>
            {downFor !== null ? (
              <p className="text-xs text-muted-foreground" data-testid="down-for">
                Down for {formatHours(downFor / 3600)} since it failed, holding no GPUs
              </p>
            ) : null}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Interruptions</CardTitle>
          </CardHeader>
          <CardContent>
            <p className="text-2xl font-semibold tabular-nums">{j.interruptionCount}</p>
            <p className="text-xs text-muted-foreground">
              {r.mtbi === null
                ? "not run yet"
                : r.mtbi.kind === "measured"
                  ? `one every ${formatHours(r.mtbi.hours)} of running`
                  : `none in ${formatHours(r.mtbi.runningHours)} of running`}
            </p>
          </CardContent>
        </Card>
      </div>

      <div className="mb-6">
        <CheckpointAdviceCard advice={r.advice} gpus={j.gpuCount} checkpoints={j.checkpointCount} />
      </div>

      <section aria-labelledby="interruptions" className="mb-6">
        <h2 id="interruptions" className="mb-2 text-sm font-semibold">
          Interruptions
        </h2>
        {j.interruptions.length === 0 ? (
          <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground">
            No interruptions recorded.
          </p>
        ) : (
          <Table>
            <TableCaption>
              What each interruption of {j.name} cost: the work since its last checkpoint,
              recomputed, plus the time until it ran again, on all {j.gpuCount} GPUs (a failed job
              holds none while it waits to be resumed)
              {j.interruptionCount > INTERRUPTIONS_SHOWN
                ? ` (the newest ${INTERRUPTIONS_SHOWN} of ${j.interruptionCount})`
                : ""}
              .
            </TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>When</TableHead>
                <TableHead>Cause</TableHead>
                <TableHead className="text-right">Steps lost</TableHead>
                <TableHead className="text-right">Work lost</TableHead>
                <TableHead className="text-right">Restart</TableHead>
                <TableHead className="text-right">GPU-hours lost</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {j.interruptions.map((i) => (
                <TableRow key={i.at.toISOString()} data-testid="interruption-row">
                  <TableCell>
                    <TimeAgo date={i.at} now={j.now} />
                  </TableCell>
                  <TableCell className="max-w-96">
                    <div className="font-medium">{CAUSE_LABELS[i.cause]}</div>
                    <div className="text-xs text-muted-foreground">{i.message}</div>
                    {i.lastCheckpointStep !== null ? (
                      <div className="text-xs text-muted-foreground">
                        {i.downtime.kind === "restarting" ||
                        (i.downtime.kind === "stopped" && i.downtime.seconds !== null)
                          ? "resumes"
                          : "resumed"}{" "}
                        from step {n(i.lastCheckpointStep)}
                      </div>
                    ) : (
                      <div className="text-xs text-muted-foreground">
                        no checkpoint: from step 0
                      </div>
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {i.stepsLost === null ? "—" : n(i.stepsLost)}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {i.basis === "unknown" ? "unknown" : formatHours(i.workLostHours)}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {i.downtime.kind === "restarted" ? (
                      formatHours(i.downtime.seconds / 3600)
                    ) : i.downtime.kind === "restarting" ? (
                      <span>restarting ({formatHours(i.downtime.seconds / 3600)} so far)</span>
                    ) : i.downtime.seconds !== null ? (
                      <span>down for {formatHours(i.downtime.seconds / 3600)}, no GPUs held</span>
                    ) : (
                      <span>stopped</span>
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {gpuHours(i.gpuHoursLost)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {j.interruptions.length > 0 ? (
          <p className="mt-1 text-xs text-muted-foreground">
            {gpuHours(lostTotal)} GPU-hours lost in all.
          </p>
        ) : null}
      </section>

      <section aria-labelledby="checkpoints" className="mb-6">
        <h2 id="checkpoints" className="mb-2 text-sm font-semibold">
          Checkpoints
        </h2>
        {j.checkpoints.length === 0 ? (
          <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground">
            No checkpoints yet: an interruption now restarts it from step 0.
          </p>
        ) : (
          <Table>
            <TableCaption>
              Checkpoints of {j.name}, newest first
              {j.checkpointCount > CHECKPOINTS_SHOWN
                ? ` (the newest ${CHECKPOINTS_SHOWN} of ${n(j.checkpointCount)})`
                : ""}
              .
            </TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Written</TableHead>
                <TableHead className="text-right">Step</TableHead>
                <TableHead className="text-right">Write duration</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {j.checkpoints.map((c) => (
                <TableRow key={c.step} data-testid="checkpoint-row">
                  <TableCell>
                    <TimeAgo date={c.at} now={j.now} />
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{n(c.step)}</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {c.writeSeconds === null ? "not reported" : formatSeconds(c.writeSeconds)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>
    </>
  );
}

function TimeAgoInline({ date, now }: { date: Date; now: Date }) {
  return (
    <span className="inline-block align-top">
      <TimeAgo date={date} now={now} />
    </span>
  );
}
