import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getPostmortem } from "@/server/incidents/postmortems";
import { AppError } from "@/server/errors";
import { savePostmortemAction } from "@/actions/postmortems";
import { incidentNumberSchema } from "@/lib/schemas/incidents";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { PostmortemForm } from "@/components/incidents/postmortem-form";
import { PostmortemDocument } from "@/components/incidents/postmortem-document";
import { PostmortemProgress } from "@/components/incidents/postmortem-card";
import { SloImpactCard } from "@/components/incidents/slo-impact";

export async function generateMetadata({
  params,
}: {
  params: Promise<{ number: string }>;
}): Promise<Metadata> {
  return { title: `Postmortem of incident #${(await params).number}` };
}

export default async function PostmortemPage({ params }: { params: Promise<{ number: string }> }) {
  const parsed = incidentNumberSchema.safeParse((await params).number);
  if (!parsed.success) notFound();
  const actor = await requirePageActor();
  const pm = await getPostmortem(actor, parsed.data).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/incidents" className="hover:underline">
          Incidents
        </Link>{" "}
        /{" "}
        <Link href={`/incidents/${pm.number}`} className="hover:underline">
          #{pm.number}
        </Link>
      </nav>
      <PageHeader
        title={`Postmortem: #${pm.number} ${pm.title}`}
        actions={
          <div role="group" className="flex items-center gap-2" aria-label="Severity and status">
            <span className="sr-only">Severity</span>
            <StatusBadge status={pm.severity} />
            <span className="sr-only">Status</span>
            <StatusBadge status={pm.status} />
          </div>
        }
      />
      {pm.savedAt ? (
        <div className="mb-4 flex flex-wrap items-baseline gap-x-2 text-sm text-muted-foreground">
          <span>
            Version {pm.version}, last saved by {pm.savedBy}
          </span>
          <TimeAgo date={pm.savedAt} />
        </div>
      ) : null}
      <div className="mb-6 max-w-3xl">
        <SloImpactCard impact={pm.impact} />
      </div>
      {pm.canEdit ? (
        <PostmortemForm
          incidentId={pm.incidentId}
          version={pm.version}
          postmortem={pm.postmortem}
          newTimelineEntries={pm.newTimelineEntries}
          owners={pm.owners}
          required={pm.required}
          save={savePostmortemAction}
        />
      ) : (
        <div className="space-y-4">
          <p className="max-w-3xl text-sm text-muted-foreground" data-testid="read-only">
            {pm.readOnlyReason}
          </p>
          <div className="max-w-3xl rounded-md border p-3">
            <PostmortemProgress required={pm.required} completeness={pm.completeness} />
          </div>
          {pm.version > 0 ? (
            <PostmortemDocument postmortem={pm.postmortem} />
          ) : (
            <p className="text-sm">No postmortem has been written for this incident.</p>
          )}
        </div>
      )}
    </>
  );
}
