import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import {
  canManageSlos,
  getSloDefinition,
  sloFormOptions,
  sloReleaseHold,
} from "@/server/slos/definitions";
import { PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { SloForm } from "@/components/slos/slo-form";
import { DeleteSloButton } from "@/components/slos/delete-slo-button";
import { deleteSloAction, updateSloAction } from "@/actions/slos";

export const metadata: Metadata = { title: "Edit SLO" };

export default async function EditSloPage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const actor = await requirePageActor();
  if (!canManageSlos(actor)) return <Forbidden what="define SLOs" />;
  const [definition, options, hold] = await Promise.all([
    getSloDefinition(actor, decodeURIComponent(name)),
    sloFormOptions(actor),
    sloReleaseHold(actor, decodeURIComponent(name)),
  ]);
  if (!definition) notFound();
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/slos" className="hover:underline">
          SLOs
        </Link>{" "}
        /{" "}
        <Link href={`/slos/${definition.spec.name}`} className="hover:underline">
          {definition.spec.name}
        </Link>{" "}
        / Edit
      </nav>
      <PageHeader
        title={`Edit ${definition.spec.displayName ?? definition.spec.name}`}
        description={`Version ${definition.version}. If someone saves a change before you, yours is refused rather than overwriting theirs.`}
        actions={
          <DeleteSloButton
            name={definition.spec.name}
            version={definition.version}
            hold={hold}
            remove={deleteSloAction}
          />
        }
      />
      <SloForm
        initial={definition.spec}
        version={definition.version}
        {...options}
        hold={hold}
        update={updateSloAction}
      />
    </>
  );
}
