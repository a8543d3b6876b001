import Link from "next/link";
import {
  formatHours,
  TOO_OFTEN_RATIO,
  TOO_RARELY_RATIO,
  type CheckpointAdvice,
  type InterruptionRate,
} from "@/lib/domain/training/reliability";
import { VerdictBadge } from "@/components/training/checkpoint-advice";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export interface FleetReliabilityView {
  byGpuType: InterruptionRate[];
  byCluster: InterruptionRate[];
  interruptions: number;
  gpuHours: number;
  flagged: {
    name: string;
    cluster: string;
    gpuType: string;
    advice: Extract<CheckpointAdvice, { kind: "advice" }>;
  }[];
  advised: number;
  jobs: number;
}

const rate = (r: InterruptionRate) =>
  r.per1000GpuHours === null ? "—" : r.per1000GpuHours.toFixed(2);

function RatesTable({
  caption,
  label,
  rows,
  testId,
}: {
  caption: string;
  label: string;
  rows: InterruptionRate[];
  testId: string;
}) {
  return (
    <Table data-testid={testId}>
      <TableCaption>{caption}</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>{label}</TableHead>
          <TableHead className="text-right">Jobs</TableHead>
          <TableHead className="text-right">Interruptions</TableHead>
          <TableHead className="text-right">GPU-hours</TableHead>
          <TableHead className="text-right">Per 1,000 GPU-h</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.key}>
            <TableCell className="font-medium">{r.key}</TableCell>
            <TableCell className="text-right tabular-nums">{r.jobs}</TableCell>
            <TableCell className="text-right tabular-nums">{r.interruptions}</TableCell>
            <TableCell className="text-right tabular-nums">
              {Math.round(r.gpuHours).toLocaleString("en-US")}
            </TableCell>
            <TableCell className="text-right tabular-nums">{rate(r)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Interruption rates across the fleet and the jobs whose checkpoint interval is far off. */
export function FleetReliability({ data }: { data: FleetReliabilityView }) {
  return (
    <section aria-labelledby="reliability" className="mt-8" data-testid="fleet-reliability">
      <h2 id="reliability" className="text-base font-semibold">
        Reliability
      </h2>
      <p className="mb-3 text-sm text-muted-foreground">
        {data.interruptions} interruption{data.interruptions === 1 ? "" : "s"} in{" "}
        {Math.round(data.gpuHours).toLocaleString("en-US")} allocated GPU-hours of {data.jobs} job
        {data.jobs === 1 ? "" : "s"}.
      </p>
      {data.jobs === 0 ? null : (
        <div className="grid gap-6 lg:grid-cols-2">
          <RatesTable
            caption="Interruptions per 1,000 GPU-hours by GPU type"
            label="GPU type"
            rows={data.byGpuType}
            testId="rates-by-gpu"
          />
          <RatesTable
            caption="Interruptions per 1,000 GPU-hours by cluster"
            label="Cluster"
            rows={data.byCluster}
            testId="rates-by-cluster"
          />
        </div>
      )}
      <h3 className="mt-6 mb-1 text-sm font-semibold">Checkpoint intervals far off the optimum</h3>
      <p className="mb-2 text-xs text-muted-foreground">
        Young/Daly: τ* = √(2 × checkpoint cost × mean time between interruptions). Flagged above{" "}
        {TOO_RARELY_RATIO}× or below {TOO_OFTEN_RATIO}× of it; {data.advised} of {data.jobs} jobs
        have enough data for an advice.
      </p>
      {data.flagged.length === 0 ? (
        <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground">
          No job checkpoints far too rarely or far too often.
        </p>
      ) : (
        <Table data-testid="flagged-jobs">
          <TableCaption>Jobs whose checkpoint interval is far off the optimum</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Job</TableHead>
              <TableHead>Verdict</TableHead>
              <TableHead className="text-right">Interval</TableHead>
              <TableHead className="text-right">Optimum</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {data.flagged.map((f) => (
              <TableRow key={f.name} data-testid="flagged-row">
                <TableCell>
                  <Link
                    href={`/training/${encodeURIComponent(f.name)}`}
                    className="font-medium hover:underline"
                  >
                    {f.name}
                  </Link>
                  <div className="text-xs text-muted-foreground">
                    {f.cluster} · {f.gpuType}
                  </div>
                </TableCell>
                <TableCell>
                  <VerdictBadge verdict={f.advice.verdict} />
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {formatHours(f.advice.intervalHours)}
                </TableCell>
                <TableCell className="text-right tabular-nums">
                  {f.advice.mtbi.kind === "lower_bound" ? "≥ " : ""}
                  {formatHours(f.advice.optimumHours)}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
