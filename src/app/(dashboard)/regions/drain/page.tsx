import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/server/auth/page";
import { planRegionDrain } from "@/server/traffic/drains";
import { drainPlanSchema } from "@/lib/schemas/traffic";
import { raiseKey, verdictCountsText } from "@/lib/domain/traffic/drain-plan";
import { startDrainAction } from "@/actions/traffic";
import { isAllowed } from "@/server/access/authorize";
import { planChoices } from "@/server/traffic/regions";
import type { SearchParams } from "@/components/common/search-params";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { PlanDrainForm } from "@/components/traffic/plan-form";
import { ExecuteDrain } from "@/components/traffic/execute-drain";
import { pctText, rpsText } from "@/components/traffic/format";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Drain plan" };

/** Models shown with every receiving region; the others are a row each. */
const IN_FULL = 12;

const VERDICT_TEXT = {
  safe: "Safe",
  tight: "Tight",
  impossible: "Impossible",
} as const;

export default async function DrainPlanPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor();
  const raw = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const raiseParam =
    raw.raise === undefined ? [] : Array.isArray(raw.raise) ? raw.raise : [raw.raise];
  // A raise typed into the plan's form arrives as `raise:<model>/<region>=<max>` (no script needed).
  const typed = Object.entries(raw).flatMap(([k, v]) =>
    k.startsWith("raise:") && first(v) ? [`${k.slice("raise:".length)}=${first(v)}`] : [],
  );
  const parsed = drainPlanSchema.safeParse({
    region: first(raw.region),
    scope: first(raw.scope) || undefined,
    name: first(raw.name) || undefined,
    headroom: first(raw.headroom) || undefined,
    raise: [...raiseParam.flatMap((r) => r.split(",")).filter(Boolean), ...typed],
  });
  const choices = await planChoices(actor);
  const form = (
    <PlanDrainForm
      regions={choices.regions}
      teams={choices.teams}
      models={choices.models}
      defaults={
        parsed.success
          ? parsed.data
          : { region: first(raw.region), scope: first(raw.scope), name: first(raw.name) }
      }
    />
  );
  if (!parsed.success) {
    return (
      <>
        <PageHeader title="Plan a drain" description="Choose a region and the models to move." />
        <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-300">
          {parsed.error.issues.map((i) => i.message).join(" ")}
        </p>
        {form}
      </>
    );
  }
  const q = parsed.data;
  let view;
  try {
    view = await planRegionDrain(actor, q);
  } catch (error) {
    return (
      <>
        <PageHeader title={`Drain ${q.region}?`} />
        <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-300">
          {error instanceof Error ? error.message : "The plan could not be made."}
        </p>
        {form}
      </>
    );
  }
  const { plan } = view;
  const flagged = plan.counts.tight + plan.counts.impossible;
  const baseParams = {
    region: q.region,
    scope: q.scope,
    ...(q.name ? { name: q.name } : {}),
    headroom: String(q.headroom),
  };
  // A plan of many models (a whole region of a large fleet) shows the first ones in full (the
  // worst verdicts come first) and the rest one row each, each linking to its own plan: 240
  // models' full tables made a 10 MB page.
  const detailed = plan.models.slice(0, IN_FULL);
  const compact = plan.models.slice(IN_FULL);
  const canExecute =
    view.serving.balancer &&
    isAllowed(actor, "traffic.shift") &&
    view.forbidden.length === 0 &&
    plan.models.length > 0 &&
    view.openDrain === null;
  return (
    <>
      <PageHeader
        title={`Can we drain ${q.region}?`}
        description={`${q.scope === "all" ? "Every model" : q.scope === "team" ? `Team ${q.name}'s models` : q.name} serving production there, keeping ${q.headroom}% headroom in the regions that take the traffic. Nothing changes until you execute.`}
        actions={
          <Link href="/regions" className="text-sm text-primary underline-offset-4 hover:underline">
            All regions
          </Link>
        }
      />
      <div
        className="mb-4 flex flex-wrap items-center gap-3 rounded-lg border bg-card p-4"
        data-testid="plan-summary"
      >
        <StatusBadge status={plan.models.length === 0 ? "unknown" : plan.verdict} />
        <p className="text-sm">
          {plan.models.length === 0
            ? `No model in this scope serves production in ${q.region}.`
            : `${plan.models.length} model${plan.models.length === 1 ? "" : "s"}: ${verdictCountsText(plan.counts)}.`}
        </p>
        {view.openDrain ? (
          <Link
            href={`/regions/drains/${view.openDrain.id}`}
            className="text-sm text-primary underline-offset-4 hover:underline"
          >
            {q.region} already has a drain in progress ({view.openDrain.phase})
          </Link>
        ) : null}
      </div>
      {!view.serving.autoscalers && plan.models.length > 0 ? (
        <p role="status" className="mb-3 text-sm text-amber-800 dark:text-amber-300">
          This platform&apos;s autoscalers cannot be changed from Flightdeck: raise the minimums and
          maximums the plan needs yourself before you execute it.
        </p>
      ) : null}
      {view.serving.errors.length > 0 ? (
        <p role="status" className="mb-3 text-sm text-amber-800 dark:text-amber-300">
          Some sources did not answer, so the plan may be incomplete:{" "}
          {view.serving.errors.join("; ")}
        </p>
      ) : null}

      <div className="flex flex-col gap-4">
        {detailed.map((m) => (
          <section
            key={m.model}
            className="rounded-lg border bg-card p-4"
            aria-labelledby={`plan-${m.model}`}
            data-testid="plan-model"
            data-model={m.model}
            data-verdict={m.verdict}
          >
            <div className="mb-2 flex flex-wrap items-center gap-2">
              <h2 id={`plan-${m.model}`} className="font-semibold">
                <Link href={`/models/${encodeURIComponent(m.model)}`} className="hover:underline">
                  {m.model}
                </Link>
              </h2>
              <StatusBadge status={m.verdict} />
              <span className="text-sm text-muted-foreground">
                {m.team} · {rpsText(m.drainedRps)} to move from {q.region}
              </span>
            </div>
            {m.reasons.length > 0 ? (
              <ul className="mb-2 list-disc pl-5 text-sm">
                {m.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            ) : null}
            {m.receiving.length > 0 ? (
              <Table scrollLabel={`${m.model}: receiving regions`}>
                <TableCaption>{m.model}: what each remaining region must absorb</TableCaption>
                <TableHeader>
                  <TableRow>
                    <TableHead>Region</TableHead>
                    <TableHead className="text-right">Traffic now → after</TableHead>
                    <TableHead className="text-right">Replicas now → needed</TableHead>
                    <TableHead className="text-right">Autoscaler max</TableHead>
                    <TableHead className="text-right">GPUs needed / free</TableHead>
                    <TableHead className="text-right">Headroom after</TableHead>
                    <TableHead>Verdict</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {m.receiving.map((r) => (
                    <TableRow key={r.region} data-testid="plan-region" data-region={r.region}>
                      <TableCell>
                        <div className="font-medium">{r.region}</div>
                        <div className="text-xs text-muted-foreground">{r.cluster}</div>
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {rpsText(r.servedRps)} → {rpsText(r.afterRps)}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {r.replicasNow} → {r.replicasNeeded}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {r.hpaMax ?? "—"}
                        {r.hpaMaxPlanned !== null
                          ? ` → ${r.hpaMaxPlanned} (raised in this plan)`
                          : ""}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {r.extraGpus} / {r.freeGpus}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">
                        {r.headroomAfter !== null && r.headroomAfter < 0
                          ? `none (${r.replicasNeeded - Math.min(r.hpaMaxPlanned ?? r.hpaMax ?? Infinity, r.gpuCeiling ?? Infinity)} replicas short)`
                          : pctText(r.headroomAfter)}
                      </TableCell>
                      <TableCell className="min-w-64">
                        <StatusBadge status={r.verdict} />
                        <span className="sr-only">{VERDICT_TEXT[r.verdict]}: </span>
                        <p className="mt-1 text-xs">{r.reason}</p>
                        {r.suggestedMax !== null && r.hpaMax !== null ? (
                          <form
                            method="get"
                            action="/regions/drain"
                            className="mt-2 flex items-center gap-2"
                          >
                            {Object.entries(baseParams).map(([k, v]) => (
                              <input key={k} type="hidden" name={k} value={v} />
                            ))}
                            {q.raise
                              .filter((x) => !x.startsWith(`${raiseKey(m.model, r.region)}=`))
                              .map((x) => (
                                <input key={x} type="hidden" name="raise" value={x} />
                              ))}
                            <label className="text-xs" htmlFor={`raise-${m.model}-${r.region}`}>
                              Raise max to
                            </label>
                            <RaiseInput
                              id={`raise-${m.model}-${r.region}`}
                              model={m.model}
                              region={r.region}
                              value={r.suggestedMax}
                            />
                            <Button type="submit" size="sm" variant="outline">
                              Raise in plan
                            </Button>
                          </form>
                        ) : null}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            ) : null}
          </section>
        ))}
      </div>
      {compact.length > 0 ? (
        <section className="mt-4" aria-labelledby="more-heading" data-testid="plan-more-models">
          <h2 id="more-heading" className="mb-2 text-base font-semibold">
            {compact.length} more model{compact.length === 1 ? "" : "s"}
          </h2>
          <Table scrollLabel="More models">
            <TableCaption>
              One row each, worst first: each model links to its own plan with every receiving
              region, planned as if it were drained alone (without the GPUs and quota the models
              above take first).
            </TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Model</TableHead>
                <TableHead>Verdict</TableHead>
                <TableHead className="text-right">To move</TableHead>
                <TableHead className="text-right">Receiving regions</TableHead>
                <TableHead className="text-right">More replicas</TableHead>
                <TableHead>Why</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {compact.map((m) => (
                <TableRow
                  key={m.model}
                  data-testid="plan-model"
                  data-model={m.model}
                  data-verdict={m.verdict}
                >
                  <TableCell>
                    <Link
                      href={modelPlanHref(baseParams, m.model, q.raise)}
                      className="font-medium hover:underline"
                    >
                      {m.model}
                    </Link>
                    <div className="text-xs text-muted-foreground">{m.team}</div>
                  </TableCell>
                  <TableCell>
                    <StatusBadge status={m.verdict} />
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{rpsText(m.drainedRps)}</TableCell>
                  <TableCell className="text-right tabular-nums">{m.receiving.length}</TableCell>
                  <TableCell className="text-right tabular-nums">
                    {m.receiving.reduce(
                      (n, r) => n + Math.max(0, r.replicasNeeded - r.replicasNow),
                      0,
                    )}
                  </TableCell>
                  <TableCell className="max-w-md text-xs">
                    {m.reasons[0] ?? "Every receiving region keeps the headroom asked."}
                    {m.reasons.length > 1 ? ` (and ${m.reasons.length - 1} more)` : ""}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </section>
      ) : null}

      {plan.models.length > 0 ? (
        <section className="mt-6" aria-labelledby="execute-heading">
          <h2 id="execute-heading" className="mb-2 text-base font-semibold">
            Execute
          </h2>
          {canExecute ? (
            <ExecuteDrain
              plan={{
                region: q.region,
                scope: q.scope,
                name: q.name,
                headroom: q.headroom,
                raise: q.raise,
              }}
              flagged={flagged}
              impossible={plan.counts.impossible}
              startDrain={startDrainAction}
            />
          ) : (
            <p className="text-sm text-muted-foreground">
              {!view.serving.balancer
                ? "No global load balancer is configured."
                : view.openDrain
                  ? `${q.region} already has a drain in progress.`
                  : view.forbidden.length > 0
                    ? `You cannot move ${view.forbidden.join(", ")}: another team's models. Narrow the scope to your team's, or ask an admin.`
                    : "Your role cannot drain regions."}
            </p>
          )}
        </section>
      ) : null}

      <section className="mt-6" aria-labelledby="replan-heading">
        <h2 id="replan-heading" className="mb-2 text-base font-semibold">
          Plan again
        </h2>
        {form}
      </section>
    </>
  );
}

/** A raise typed into the plan: its field's name carries the model and region. */
function RaiseInput({
  id,
  model,
  region,
  value,
}: {
  id: string;
  model: string;
  region: string;
  value: number;
}) {
  return (
    <Input
      id={id}
      name={`raise:${raiseKey(model, region)}`}
      type="number"
      min={1}
      max={9999}
      defaultValue={value}
      className="h-8 w-20"
    />
  );
}

/** One model's own plan, with the raises this plan makes for it. */
function modelPlanHref(
  base: Record<string, string>,
  model: string,
  raise: readonly string[],
): string {
  const params = new URLSearchParams({ ...base, scope: "model", name: model });
  for (const r of raise) if (r.startsWith(`${model}/`)) params.append("raise", r);
  return `/regions/drain?${params}`;
}
