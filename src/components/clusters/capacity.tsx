import { cn } from "@/lib/utils";

const pct = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 100) : 0);

/**
 * GPUs of a pool or cluster as one bar: allocated (solid), free (empty) and unavailable
 * (hatched: failed, not ready or cordoned), with the same numbers in words.
 */
export function GpuBar({
  label,
  total,
  allocatable,
  allocated,
}: {
  label: string;
  total: number;
  allocatable: number;
  allocated: number;
}) {
  const unavailable = total - allocatable;
  return (
    <div className="min-w-40">
      <div
        className="flex h-2 overflow-hidden rounded bg-muted"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={allocated}
        aria-valuetext={`${allocated} of ${total} GPUs allocated, ${unavailable} unavailable`}
      >
        <div className="h-full bg-primary" style={{ width: `${pct(allocated, total)}%` }} />
        <div className="h-full flex-1" />
        {unavailable > 0 ? (
          <div
            className="h-full bg-[repeating-linear-gradient(45deg,var(--color-destructive)_0_2px,transparent_2px_4px)]"
            style={{ width: `${pct(unavailable, total)}%` }}
          />
        ) : null}
      </div>
      <div className="mt-1 text-xs tabular-nums text-muted-foreground">
        {allocated} / {total} allocated
        {unavailable > 0 ? (
          <span className="text-red-700 dark:text-red-300"> · {unavailable} unavailable</span>
        ) : null}
      </div>
    </div>
  );
}

export function Utilization({ value }: { value: number | null }) {
  if (value === null) {
    return (
      <span
        className="text-muted-foreground"
        title="No metrics source reports GPU utilization for this pool (DCGM exporter through Prometheus)"
      >
        unknown
      </span>
    );
  }
  const p = Math.round(value * 100);
  return (
    <span
      className={cn(
        "tabular-nums",
        p >= 90 ? "font-medium text-amber-700 dark:text-amber-300" : "",
      )}
      title="Mean utilization of allocated GPUs"
    >
      {p}%
    </span>
  );
}

interface PoolCounts {
  nodes: number;
  readyNodes: number;
  gpus: number;
  allocatable: number;
  allocated: number;
  unhealthyNodes: readonly unknown[];
}

export function poolTotals(pools: readonly PoolCounts[]) {
  return pools.reduce(
    (t, p) => ({
      nodes: t.nodes + p.nodes,
      readyNodes: t.readyNodes + p.readyNodes,
      gpus: t.gpus + p.gpus,
      allocatable: t.allocatable + p.allocatable,
      allocated: t.allocated + p.allocated,
      unhealthy: t.unhealthy + p.unhealthyNodes.length,
    }),
    { nodes: 0, readyNodes: 0, gpus: 0, allocatable: 0, allocated: 0, unhealthy: 0 },
  );
}
