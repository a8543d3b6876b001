import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { canWorkIncidents, incidentFormOptions } from "@/server/incidents/queries";
import { declareIncidentAction } from "@/actions/incidents";
import { PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { DeclareIncidentForm } from "@/components/incidents/declare-form";

export const metadata: Metadata = { title: "Declare incident" };

export default async function DeclareIncidentPage() {
  const actor = await requirePageActor();
  if (!canWorkIncidents(actor)) return <Forbidden what="declare incidents" />;
  const choices = await incidentFormOptions(actor);
  return (
    <>
      <PageHeader
        title="Declare incident"
        description="Open an incident in triage, detected now. Work it from its page: acknowledge, mitigate, resolve and close."
      />
      <DeclareIncidentForm choices={choices} declare={declareIncidentAction} you={actor.email} />
    </>
  );
}
