import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getModelVersion } from "@/server/models/registry";
import { AppError } from "@/server/errors";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo, formatAbsolute } from "@/components/common/time-ago";
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
import { EvalMetricsTable } from "@/components/models/eval-metrics";
import { LineageList } from "@/components/models/lineage";

export const metadata: Metadata = { title: "Model version" };

export default async function ModelVersionPage({
  params,
}: {
  params: Promise<{ model: string; version: string }>;
}) {
  const { model, version } = await params;
  const actor = await requirePageActor();
  const v = await getModelVersion(
    actor,
    decodeURIComponent(model),
    decodeURIComponent(version),
  ).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const name = encodeURIComponent(v.model.name);
  const ver = encodeURIComponent(v.version);
  const production = v.servingProduction;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/models" className="hover:underline">
          Models
        </Link>{" "}
        /{" "}
        <Link href={`/models/${name}`} className="hover:underline">
          {v.model.name}
        </Link>{" "}
        / {v.version}
      </nav>
      <PageHeader
        title={`${v.model.displayName} ${v.version}`}
        description={`${v.model.name} · registered by ${v.createdBy} on ${formatAbsolute(v.createdAt)} · owned by ${v.model.teamName}`}
        actions={
          <div className="flex flex-wrap gap-2">
            {production && production !== v.version ? (
              <Button asChild size="sm" variant="outline">
                <Link href={`/models/${name}/compare?a=${encodeURIComponent(production)}&b=${ver}`}>
                  Compare with production ({production})
                </Link>
              </Button>
            ) : null}
            {v.canRequestPromotion ? (
              <Button asChild size="sm">
                <Link href={`/promotions/new?model=${name}&version=${ver}`}>Request promotion</Link>
              </Button>
            ) : null}
          </div>
        }
      />

      <section aria-labelledby="lineage-heading" className="mb-6">
        <h2 id="lineage-heading" className="mb-2 text-base font-semibold">
          Lineage
        </h2>
        <LineageList lineage={v.lineage} />
      </section>

      <section aria-labelledby="metrics-heading" className="mb-6">
        <h2 id="metrics-heading" className="mb-2 text-base font-semibold">
          Eval metrics
        </h2>
        <EvalMetricsTable metrics={v.metrics} />
      </section>

      <section aria-labelledby="runs-heading" className="mb-6">
        <h2 id="runs-heading" className="mb-2 text-base font-semibold">
          Where it runs now
        </h2>
        {v.placements.length === 0 ? (
          <p className="text-sm text-muted-foreground" data-testid="not-running">
            {v.version} does not run anywhere now.
          </p>
        ) : (
          <Table data-testid="version-placements">
            <TableCaption>Where {v.version} runs now</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Environment</TableHead>
                <TableHead>Region</TableHead>
                <TableHead>Cluster</TableHead>
                <TableHead className="text-right">Traffic</TableHead>
                <TableHead className="text-right">Replicas ready / desired</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {v.placements.map((p) => (
                <TableRow key={`${p.environment}-${p.cluster}`}>
                  <TableCell>
                    <Link
                      href={`/deployments?model=${name}&env=${encodeURIComponent(p.environment)}`}
                      className="hover:underline"
                    >
                      {p.environment}
                    </Link>
                  </TableCell>
                  <TableCell>{p.region}</TableCell>
                  <TableCell className="font-mono text-xs">{p.cluster}</TableCell>
                  <TableCell className="text-right tabular-nums">{p.trafficWeight}%</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {p.readyReplicas} / {p.replicas}
                    {p.readyReplicas < p.replicas ? (
                      <span className="ml-1 text-xs text-amber-800 dark:text-amber-300">
                        (not all ready)
                      </span>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>

      <section aria-labelledby="rollouts-heading">
        <h2 id="rollouts-heading" className="mb-2 text-base font-semibold">
          Rollouts
        </h2>
        {v.rollouts.length === 0 ? (
          <p className="text-sm text-muted-foreground">No rollout has involved {v.version} yet.</p>
        ) : (
          <>
            <Table data-testid="version-rollouts">
              <TableCaption>Rollouts to or from {v.version}, newest first</TableCaption>
              <TableHeader>
                <TableRow>
                  <TableHead>Change</TableHead>
                  <TableHead>Environment</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead>Created</TableHead>
                  <TableHead>Finished</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {v.rollouts.map((r) => (
                  <TableRow key={r.id} data-testid="version-rollout">
                    <TableCell>
                      <Link href={`/rollouts/${r.id}`} className="font-mono hover:underline">
                        {r.fromVersion ?? "—"} → {r.toVersion}
                      </Link>
                      <div className="text-xs text-muted-foreground">
                        {r.kind === "rollback" ? "rollback" : r.strategy.replace("_", "-")}
                        {r.direction === "to" ? " to this version" : " away from this version"}
                      </div>
                    </TableCell>
                    <TableCell>{r.environment}</TableCell>
                    <TableCell>
                      <StatusBadge status={r.status} />
                    </TableCell>
                    <TableCell>
                      <TimeAgo date={r.createdAt} />
                    </TableCell>
                    <TableCell>
                      <TimeAgo date={r.finishedAt} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            {v.rolloutTotal > v.rollouts.length ? (
              <p className="mt-2 text-sm text-muted-foreground">
                Showing the newest {v.rollouts.length} of {v.rolloutTotal}.{" "}
                <Link href={`/rollouts?model=${name}`} className="underline">
                  All rollouts of {v.model.name}
                </Link>
              </p>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
