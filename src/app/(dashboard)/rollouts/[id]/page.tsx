import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getRollout, rolloutSeries } from "@/server/rollouts/queries";
import { AppError } from "@/server/errors";
import { PageHeader } from "@/components/common/page-header";
import { RolloutLive } from "@/components/rollouts/rollout-live";
import { serialize } from "@/lib/schemas/serialized";
import {
  abortRolloutAction,
  pauseRolloutAction,
  promoteFullRolloutAction,
  promoteRolloutAction,
  resumeRolloutAction,
  retryRolloutAction,
  rollBackDeploymentAction,
} from "@/actions/rollouts";

export const metadata: Metadata = { title: "Rollout" };

export default async function RolloutPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requirePageActor();
  const rollout = await getRollout(actor, id).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const series = await rolloutSeries(actor, rollout);
  // The same shape the live API sends, so the first render and every poll agree.
  const initial = serialize({ rollout, series });
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/rollouts" className="hover:underline">
          Rollouts
        </Link>{" "}
        /{" "}
        <Link
          href={`/deployments?model=${encodeURIComponent(rollout.model)}&env=${encodeURIComponent(rollout.environment)}`}
          className="hover:underline"
        >
          {rollout.model} in {rollout.environment}
        </Link>
      </nav>
      <PageHeader
        title={`${rollout.model} ${rollout.toVersion}`}
        description={`${rollout.kind === "rollback" ? "Rollback" : `${rollout.strategy.replace("_", "-")} rollout`} in ${rollout.environment} · team ${rollout.team}${rollout.createdBy ? ` · started by ${rollout.createdBy}` : ""}`}
      />
      <RolloutLive
        initial={initial}
        actions={{
          pause: pauseRolloutAction,
          resume: resumeRolloutAction,
          promote: promoteRolloutAction,
          promoteFull: promoteFullRolloutAction,
          abort: abortRolloutAction,
          retry: retryRolloutAction,
          rollback: rollBackDeploymentAction,
        }}
      />
    </>
  );
}
