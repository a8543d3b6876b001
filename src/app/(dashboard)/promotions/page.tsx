import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { canRequestPromotions, listPromotions } from "@/server/promotions/queries";
import { listModelNames } from "@/server/models/list";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { PROMOTION_STATUS_FILTERS, promotionListQuerySchema } from "@/lib/schemas/promotions";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { ListFilters, selectFilter } from "@/components/common/list-filters";
import { Pagination } from "@/components/common/pagination";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { PromotionTable } from "@/components/promotions/promotion-table";
import { Button } from "@/components/ui/button";

export const metadata: Metadata = { title: "Promotions" };

const STATUS_LABEL: Record<(typeof PROMOTION_STATUS_FILTERS)[number], string> = {
  open: "Open (pending or approved)",
  pending: "Waiting for approval",
  approved: "Approved, not started",
  started: "Started",
  rejected: "Rejected",
  withdrawn: "Withdrawn",
};
const STATUS_OPTIONS = PROMOTION_STATUS_FILTERS.map((s) => ({ value: s, label: STATUS_LABEL[s] }));

export default async function PromotionsPage({ searchParams }: { searchParams: SearchParams }) {
  const params = firstValues(await searchParams);
  const query = promotionListQuerySchema.parse(params);
  const actor = await requirePageActor();
  const [page, models] = await Promise.all([listPromotions(actor, query), listModelNames(actor)]);
  const filtered = Boolean(query.status || query.model || query.mine || query.env || query.region);
  return (
    <>
      <AutoRefresh everyMs={15_000} />
      <PageHeader
        title="Promotions"
        description="Requests to move a model version into an environment, their gates and approvals."
        actions={
          <div className="flex flex-wrap gap-2">
            <Button asChild size="sm" variant="outline">
              <Link href="/promotions/policy">Release policy and freezes</Link>
            </Button>
            {canRequestPromotions(actor) ? (
              <Button asChild size="sm">
                <Link href="/promotions/new">Request promotion</Link>
              </Button>
            ) : null}
          </div>
        }
      />
      <ListFilters
        label="Filter promotions"
        basePath="/promotions"
        params={params}
        className="mb-3"
        filters={[
          selectFilter("status", "Status", query.status, STATUS_OPTIONS, "Any status"),
          selectFilter("model", "Model", query.model, models, "Any model"),
          selectFilter("mine", "Requested by", query.mine, [{ value: "1", label: "Me" }], "Anyone"),
        ]}
      />
      {page.total === 0 ? (
        <EmptyState
          title={filtered ? "No promotion requests match" : "No promotion requests yet"}
          hint={
            filtered
              ? "Change the filters."
              : "Release managers request promotions from a model version or with Request promotion."
          }
        />
      ) : (
        <PromotionTable rows={page.rows} caption="Promotion requests, newest first" />
      )}
      <Pagination {...page} basePath="/promotions" params={params} />
    </>
  );
}
