import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { canManageSlos } from "@/server/slos/definitions";
import { PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { SloImportForm } from "@/components/slos/import-form";
import { importSlosAction } from "@/actions/slos";

export const metadata: Metadata = { title: "Import SLOs" };

export default async function ImportSlosPage() {
  const actor = await requirePageActor();
  if (!canManageSlos(actor)) return <Forbidden what="define SLOs" />;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/slos" className="hover:underline">
          SLOs
        </Link>{" "}
        / Import
      </nav>
      <PageHeader
        title="Import SLOs"
        description="OpenSLO v1 (Service, SLI, SLO, AlertPolicy) or Flightdeck SLO documents. Every document applies or none does; importing the same file again changes nothing."
      />
      <SloImportForm importSlos={importSlosAction} />
    </>
  );
}
