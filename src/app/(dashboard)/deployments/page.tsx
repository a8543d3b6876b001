import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getDeployment } from "@/server/rollouts/queries";
import { AppError } from "@/server/errors";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { ActionButton } from "@/components/common/action-button";
import { FleetFreshness } from "@/components/platform/fleet-freshness";
import { rollBackDeploymentAction } from "@/actions/rollouts";

export const metadata: Metadata = { title: "Deployment" };

/** A model in one environment: what serves now, and one click back to the previous version. */
export default async function DeploymentPage({ searchParams }: { searchParams: SearchParams }) {
  const params = firstValues(await searchParams);
  const actor = await requirePageActor();
  if (!params.model || !params.env) notFound();
  const d = await getDeployment(actor, params.model, params.env).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const serving = d.traffic[0]?.version ?? "nothing";
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href={`/rollouts?model=${encodeURIComponent(d.model)}`} className="hover:underline">
          Rollouts of {d.model}
        </Link>{" "}
        / {d.environment}
      </nav>
      <PageHeader
        title={`${d.model} in ${d.environment}`}
        description={`Serving ${d.traffic.map((t) => `${t.version} (${t.weight}%)`).join(", ") || "nothing"}${d.rps !== null ? ` · ${d.rps.toFixed(0)} req/s` : ""}`}
        actions={<FleetFreshness readAt={d.readAt} error={d.error} />}
      />
      <section aria-label="Rollback" className="mb-6 rounded-lg border bg-card p-4">
        {d.previousVersion ? (
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="text-sm">
              Previous version: <span className="font-medium">{d.previousVersion}</span>. Rolling
              back moves all of {d.environment} (region {d.region})
              {d.rps !== null ? `, about ${Math.round(d.rps)} requests per second,` : ""} from{" "}
              {serving} to {d.previousVersion} at once.
            </p>
            {d.canRollback ? (
              <ActionButton
                action={rollBackDeploymentAction}
                input={{
                  model: d.model,
                  environment: d.environment,
                  toVersion: d.previousVersion,
                  reason: "One-click rollback from the deployment page",
                }}
                label={`Roll back to ${d.previousVersion}`}
                variant="destructive"
                confirm={`Roll back ${d.model} in ${d.environment} to ${d.previousVersion}?\n\nBlast radius: all ${d.environment} traffic${d.rps !== null ? ` (about ${Math.round(d.rps)} req/s)` : ""} in ${d.region} moves from ${serving} to ${d.previousVersion} at once. Any rollout in progress here is stopped.`}
              />
            ) : null}
          </div>
        ) : (
          <p className="text-sm text-muted-foreground">
            No earlier version ran here to roll back to.
          </p>
        )}
      </section>
      <h2 className="mb-2 text-sm font-semibold">History in {d.environment}</h2>
      <ol className="divide-y rounded-lg border bg-card" data-testid="deployment-history">
        {d.history.map((r) => (
          <li
            key={r.id}
            className="flex flex-wrap items-center justify-between gap-3 px-4 py-2 text-sm"
          >
            <Link href={`/rollouts/${r.id}`} className="font-mono hover:underline">
              {r.fromVersion ?? "—"} → {r.toVersion}
            </Link>
            <span className="text-xs text-muted-foreground">{r.kind}</span>
            <StatusBadge status={r.status} />
            <TimeAgo date={r.createdAt} />
          </li>
        ))}
      </ol>
    </>
  );
}
