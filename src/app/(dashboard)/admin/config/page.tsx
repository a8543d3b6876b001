import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { exportConfigAs } from "@/server/config/api";
import { applyConfigAction, previewConfigAction } from "@/actions/config";
import { roleHas } from "@/lib/domain/access/policy";
import { PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { ConfigEditor } from "@/components/admin/config-editor";

export const metadata: Metadata = { title: "Fleet configuration" };

export default async function ConfigPage() {
  const actor = await requirePageActor();
  if (!roleHas(actor.role, "settings.manage")) {
    return <Forbidden what="manage the fleet configuration" />;
  }
  const yaml = await exportConfigAs(actor);
  return (
    <>
      <PageHeader
        title="Fleet configuration"
        description="Teams, regions, environments, clusters, models and change freezes as one file, flightdeck.yaml. Preview what a file changes, then apply it in one audited change; objects a file leaves out are deleted only with prune."
        actions={
          <a
            href="/api/v1/config"
            download="flightdeck.yaml"
            className="text-sm font-medium hover:underline"
          >
            Download flightdeck.yaml
          </a>
        }
      />
      <p className="-mt-2 mb-4 text-sm text-muted-foreground">
        The same file works from the command line (<code>flightdeck diff -f</code>,{" "}
        <code>flightdeck apply -f</code>, <code>flightdeck export</code>) and the API (
        <code>POST /api/v1/config/apply</code>). Environments&apos; approvals, soak and
        &ldquo;changes only through promotions&rdquo; can also be edited one at a time on the{" "}
        <Link href="/promotions/policy" className="hover:underline">
          release policy
        </Link>{" "}
        page.
      </p>
      <ConfigEditor initial={yaml} preview={previewConfigAction} apply={applyConfigAction} />
    </>
  );
}
