import type { Metadata } from "next";
import { requirePageActor } from "@/server/auth/page";
import { canRequestPromotions, promotionFormOptions } from "@/server/promotions/queries";
import { createPromotionAction } from "@/actions/promotions";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { formatAbsolute } from "@/components/common/time-ago";
import { RequestPromotionForm } from "@/components/promotions/request-form";

export const metadata: Metadata = { title: "Request promotion" };

export default async function NewPromotionPage({ searchParams }: { searchParams: SearchParams }) {
  const params = firstValues(await searchParams);
  const actor = await requirePageActor();
  if (!canRequestPromotions(actor)) return <Forbidden what="request promotions" />;
  const models = await promotionFormOptions(actor, {
    model: params.model,
    version: params.version,
  });
  const tier = params.tier === "staging" || params.tier === "production" ? params.tier : undefined;
  return (
    <>
      <PageHeader
        title="Request promotion"
        description="Ask release managers to move a version into staging or production. The gates and approvals are checked on the request's page."
      />
      <RequestPromotionForm
        models={models.map((m) => ({
          ...m,
          versions: m.versions.map((v) => ({
            version: v.version,
            production: v.production,
            staging: v.staging,
            created: formatAbsolute(v.createdAt),
          })),
        }))}
        create={createPromotionAction}
        initial={{ model: params.model, version: params.version, tier }}
      />
    </>
  );
}
