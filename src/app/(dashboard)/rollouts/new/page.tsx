import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { canStartRollouts, startableModels } from "@/server/rollouts/queries";
import { PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { StartRolloutForm } from "@/components/rollouts/start-form";
import { startRolloutAction } from "@/actions/rollouts";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";

export const metadata: Metadata = { title: "New rollout" };

export default async function NewRolloutPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor();
  const params = firstValues(await searchParams);
  if (!canStartRollouts(actor)) {
    return <Forbidden what="start rollouts" />;
  }
  const models = await startableModels(actor);
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/rollouts" className="hover:underline">
          Rollouts
        </Link>{" "}
        / New
      </nav>
      <PageHeader
        title="New rollout"
        description="Roll a model version out wave by wave, with automated canary analysis between steps."
      />
      <StartRolloutForm models={models} start={startRolloutAction} initialModel={params.model} />
    </>
  );
}
