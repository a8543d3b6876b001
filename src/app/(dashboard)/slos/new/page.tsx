import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { canManageSlos, sloFormOptions } from "@/server/slos/definitions";
import { PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { SloForm } from "@/components/slos/slo-form";
import { createSloAction } from "@/actions/slos";

export const metadata: Metadata = { title: "New SLO" };

export default async function NewSloPage() {
  const actor = await requirePageActor();
  if (!canManageSlos(actor)) return <Forbidden what="define SLOs" />;
  const options = await sloFormOptions(actor);
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/slos" className="hover:underline">
          SLOs
        </Link>{" "}
        / New
      </nav>
      <PageHeader
        title="New SLO"
        description="An objective for one service, its error budget and the burn-rate alerts that guard it."
      />
      <SloForm initial={null} version={null} {...options} create={createSloAction} />
    </>
  );
}
