import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AlertTriangle } from "lucide-react";
import { requirePageActor } from "@/server/auth/page";
import { compareVersions, versionChoices, type VersionComparison } from "@/server/models/registry";
import { metricsSourceName } from "@/server/fleet/platform";
import { AppError } from "@/server/errors";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { compareQuerySchema } from "@/lib/schemas/models";
import { PageHeader } from "@/components/common/page-header";
import { TimeAgo } from "@/components/common/time-ago";
import { CompareForm } from "@/components/models/compare-form";
import { MetricDeltaTable } from "@/components/models/eval-metrics";
import { LineageCompareTable } from "@/components/models/lineage";
import { LiveComparisonView } from "@/components/models/live-comparison";
import { PlacementBadges } from "@/components/models/placements";
import { lowerFirst } from "@/components/models/format";

export const metadata: Metadata = { title: "Compare versions" };

/** What is wrong with ?a=&b=, in words, or null when both name versions of the model. */
function queryProblem(
  raw: Record<string, string | undefined>,
  parsed: { a?: string; b?: string },
  model: string,
  versions: string[],
): string | null {
  for (const side of ["a", "b"] as const) {
    const given = raw[side];
    const label = side.toUpperCase();
    if (!given) return `Choose two versions to compare: version ${label} is missing.`;
    const version = parsed[side];
    if (!version) return `"${given.slice(0, 64)}" (version ${label}) is not a version name.`;
    if (!versions.includes(version)) {
      return `${model} has no version "${version}" (version ${label}).`;
    }
  }
  if (parsed.a === parsed.b) return `Both sides are ${parsed.a}: choose two different versions.`;
  return null;
}

export default async function CompareVersionsPage({
  params,
  searchParams,
}: {
  params: Promise<{ model: string }>;
  searchParams: SearchParams;
}) {
  const { model } = await params;
  const raw = firstValues(await searchParams);
  const query = compareQuerySchema.parse(raw);
  const actor = await requirePageActor();
  const choices = await versionChoices(actor, decodeURIComponent(model)).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const name = choices.model.name;
  let problem = queryProblem(raw, query, name, choices.versionNames);
  let c: VersionComparison | null = null;
  if (!problem && query.a && query.b) {
    // A version could disappear between the two reads; say so rather than fail.
    c = await compareVersions(actor, name, query.a, query.b).catch((error: unknown) => {
      if (error instanceof AppError && error.code === "NOT_FOUND") {
        problem = error.message;
        return null;
      }
      throw error;
    });
  }
  const href = `/models/${encodeURIComponent(name)}`;
  const versionLink = (v: string) => (
    <Link href={`${href}/versions/${encodeURIComponent(v)}`} className="font-mono hover:underline">
      {v}
    </Link>
  );
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/models" className="hover:underline">
          Models
        </Link>{" "}
        /{" "}
        <Link href={href} className="hover:underline">
          {name}
        </Link>{" "}
        / compare
      </nav>
      <PageHeader
        title={
          c
            ? `${choices.model.displayName}: ${c.a.version} and ${c.b.version}`
            : `Compare versions of ${choices.model.displayName}`
        }
        description="Eval metrics, lineage and live metrics of two versions side by side. B − A: ▲ is a rise, ▼ a fall; better or worse says which way the metric improves."
      />
      <div className="mb-4">
        <CompareForm
          model={name}
          versions={choices.versionNames}
          a={
            query.a && choices.versionNames.includes(query.a) ? query.a : choices.compareDefaults.a
          }
          b={
            query.b && choices.versionNames.includes(query.b) ? query.b : choices.compareDefaults.b
          }
          production={choices.servingProduction}
        />
      </div>
      {problem ? (
        <p
          role="alert"
          className="flex items-center gap-2 rounded-md border border-amber-600/40 bg-amber-500/10 px-3 py-2 text-sm text-amber-900 dark:text-amber-300"
        >
          <AlertTriangle className="size-4 shrink-0" aria-hidden="true" />
          {problem}
        </p>
      ) : null}
      {c ? (
        <>
          <section aria-label="The two versions" className="mb-6 grid gap-3 md:grid-cols-2">
            {[
              { label: "A", side: c.a },
              { label: "B", side: c.b },
            ].map(({ label, side }) => (
              <div
                key={label}
                className="rounded-lg border bg-card p-4"
                data-testid={`side-${label}`}
              >
                <div className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">
                  Version {label}
                </div>
                <div className="text-lg font-semibold">{versionLink(side.version)}</div>
                <div className="mb-2 text-sm text-muted-foreground">
                  registered by {side.createdBy}
                  <TimeAgo date={side.createdAt} />
                </div>
                <PlacementBadges placements={side.placements} />
              </div>
            ))}
          </section>
          <section aria-labelledby="metrics-heading" className="mb-6">
            <h2 id="metrics-heading" className="mb-2 text-base font-semibold">
              Eval metrics
            </h2>
            <MetricDeltaTable rows={c.metrics} a={c.a.version} b={c.b.version} />
          </section>
          <section aria-labelledby="lineage-heading" className="mb-6">
            <h2 id="lineage-heading" className="mb-2 text-base font-semibold">
              Lineage
            </h2>
            <p className="mb-2 text-sm text-muted-foreground">{summary(c)}</p>
            <LineageCompareTable rows={c.lineage} a={c.a.version} b={c.b.version} />
          </section>
          <section aria-labelledby="live-heading">
            <h2 id="live-heading" className="mb-2 text-base font-semibold">
              Live metrics
            </h2>
            <LiveComparisonView
              live={c.live}
              a={c.a.version}
              b={c.b.version}
              source={metricsSourceName()}
            />
          </section>
        </>
      ) : null}
    </>
  );
}

/** "Same dataset digest and base image digest; different code commit, …" */
function summary(c: VersionComparison): string {
  const names = (same: boolean) =>
    c.lineage.filter((l) => l.same === same).map((l) => lowerFirst(l.label));
  const same = names(true);
  const differs = names(false);
  return [
    same.length > 0 ? `Same ${list(same)}` : "Nothing in common",
    differs.length > 0 ? `different ${list(differs)}.` : "nothing differs.",
  ].join("; ");
}

function list(words: string[]): string {
  return words.length <= 1
    ? (words[0] ?? "")
    : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}
