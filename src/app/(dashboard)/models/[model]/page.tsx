import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getModelDetail } from "@/server/models/registry";
import { AppError } from "@/server/errors";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues, listQuerySchema } from "@/lib/schemas/list-query";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { TimeAgo } from "@/components/common/time-ago";
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
import { CompareForm } from "@/components/models/compare-form";
import { PrimaryMetrics } from "@/components/models/eval-metrics";
import { PlacementBadges, PlacementMatrix } from "@/components/models/placements";
import { LinksSection } from "@/components/links/links-section";
import { addLinkAction, removeLinkAction } from "@/actions/links";
import { canEditLinks, linkTemplates } from "@/server/models/links";
import { renderForRegions } from "@/lib/domain/models/link-templates";
import { Suspense } from "react";
import { Skeleton } from "@/components/ui/skeleton";
import { RegionTraffic } from "./region-traffic";

export const metadata: Metadata = { title: "Model" };

export default async function ModelPage({
  params,
  searchParams,
}: {
  params: Promise<{ model: string }>;
  searchParams: SearchParams;
}) {
  const { model: name } = await params;
  const query = firstValues(await searchParams);
  const { page } = listQuerySchema.parse(query);
  const actor = await requirePageActor();
  const d = await getModelDetail(actor, decodeURIComponent(name), { page }).catch(
    (error: unknown) => {
      if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
      throw error;
    },
  );
  const [templates, canEdit] = await Promise.all([
    linkTemplates(actor, "model", [d.model.name]),
    canEditLinks(actor, "model", d.model.name),
  ]);
  const environments = [
    ...new Map(
      d.placements.map((p) => [p.environment, { region: p.region, environment: p.environment }]),
    ).values(),
  ];
  const links = templates.flatMap((t) =>
    renderForRegions(t, { model: d.model.name, team: d.model.teamSlug }, environments).map((l) => ({
      key: `${t.id}-${l.label}`,
      ...l,
    })),
  );
  const base = `/models/${encodeURIComponent(d.model.name)}`;
  const versionHref = (v: string) => `${base}/versions/${encodeURIComponent(v)}`;
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/models" className="hover:underline">
          Models
        </Link>{" "}
        / {d.model.name}
      </nav>
      <PageHeader
        title={d.model.displayName}
        description={`${d.model.name} · ${d.model.task} · owned by ${d.model.teamName}`}
        actions={
          <Button asChild size="sm" variant="outline">
            <Link href={`/rollouts?model=${encodeURIComponent(d.model.name)}`}>Rollouts</Link>
          </Button>
        }
      />
      <p className="mb-4 max-w-3xl text-sm">{d.model.description}</p>

      <section aria-labelledby="where-heading" className="mb-6">
        <h2 id="where-heading" className="mb-2 text-base font-semibold">
          Where it runs now
        </h2>
        {d.placements.length === 0 ? (
          <p className="text-sm text-muted-foreground">No version of this model is deployed.</p>
        ) : (
          <PlacementMatrix matrix={d.matrix} versionHref={versionHref} />
        )}
      </section>

      <section aria-labelledby="traffic-heading" className="mb-6">
        <h2 id="traffic-heading" className="mb-2 text-base font-semibold">
          Traffic by region
        </h2>
        <Suspense fallback={<Skeleton className="h-24 w-full" aria-label="Loading traffic" />}>
          <RegionTraffic actor={actor} model={d.model.name} />
        </Suspense>
      </section>

      <LinksSection
        subjectKind="model"
        subject={d.model.name}
        links={links}
        templates={templates}
        edit={canEdit ? { add: addLinkAction, remove: removeLinkAction } : null}
      />

      <section aria-labelledby="versions-heading">
        <div className="mb-2 flex flex-wrap items-end justify-between gap-3">
          <h2 id="versions-heading" className="text-base font-semibold">
            Versions
          </h2>
          {d.versionNames.length >= 2 ? (
            <CompareForm
              model={d.model.name}
              versions={d.versionNames}
              a={d.compareDefaults.a}
              b={d.compareDefaults.b}
              production={d.servingProduction}
            />
          ) : null}
        </div>
        {d.versions.total === 0 ? (
          <EmptyState
            title="No versions registered yet"
            hint="CI registers versions through POST /api/v1/models/{model}/versions."
          />
        ) : (
          <Table>
            <TableCaption>Versions of {d.model.name}, newest first</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Version</TableHead>
                <TableHead>Created</TableHead>
                <TableHead>Created by</TableHead>
                <TableHead>Eval metrics</TableHead>
                <TableHead>Runs now</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {d.versions.rows.map((v) => (
                <TableRow key={v.version} data-testid="version-row" data-version={v.version}>
                  <TableCell className="align-top">
                    <Link
                      href={versionHref(v.version)}
                      className="font-mono font-medium hover:underline"
                    >
                      {v.version}
                    </Link>
                  </TableCell>
                  <TableCell className="align-top">
                    <TimeAgo date={v.createdAt} />
                  </TableCell>
                  <TableCell className="align-top text-sm">{v.createdBy}</TableCell>
                  <TableCell className="align-top">
                    <PrimaryMetrics metrics={v.metrics} />
                  </TableCell>
                  <TableCell className="align-top">
                    <PlacementBadges placements={v.placements} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <Pagination {...d.versions} basePath={base} params={query} />
      </section>
    </>
  );
}
