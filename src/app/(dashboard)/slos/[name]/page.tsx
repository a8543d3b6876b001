import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { LinksSection } from "@/components/links/links-section";
import { addLinkAction, removeLinkAction } from "@/actions/links";
import { canEditLinks, linkTemplates } from "@/server/models/links";
import { renderLink } from "@/lib/domain/models/link-templates";
import { getSloDetail } from "@/server/slos/queries";
import { canManageSlos } from "@/server/slos/definitions";
import { budgetPolicyStates, canSetBudgetPolicy } from "@/server/slos/budget-policy";
import { BudgetPolicyNotice } from "@/components/slos/budget-policy";
import { BudgetPolicyControl } from "@/components/slos/budget-policy-control";
import { NoDataReason } from "@/components/slos/no-data";
import { setBudgetPolicyAction } from "@/actions/slos";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo, formatAbsolute } from "@/components/common/time-ago";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { BurnDownChart, BurnRateChart } from "@/components/charts/lazy";
import {
  budgetUnit,
  burn,
  compact,
  duration,
  percent,
  sliText,
  windowText,
} from "@/components/slos/format";
import { formatWindow } from "@/lib/domain/slos/alerts";

export const metadata: Metadata = { title: "SLO" };

/** Why a calendar period in progress is not (yet) judged on its events so far alone. */
function budgetBasisText(unit: "month" | "quarter", basis: { soFar: number; expected: number }) {
  return (
    `This ${unit} is budgeted on the ${compact(basis.expected)} events it is expected to hold: ` +
    `the ${compact(basis.soFar)} so far, and the rest of the ${unit} at the previous ${unit}'s ` +
    `rate or this one's, whichever is higher. So early errors spend a share of the whole ` +
    `${unit}'s budget, and a young ${unit} reads exhausted only once it can no longer meet its ` +
    `objective. Burn-rate alerts still page on a fast burn.`
  );
}

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Card>
      <CardHeader className="pb-1">
        <CardTitle className="text-xs font-medium text-muted-foreground">{label}</CardTitle>
      </CardHeader>
      <CardContent>
        <div className="text-xl font-semibold tabular-nums">{value}</div>
        {hint ? <div className="text-xs text-muted-foreground">{hint}</div> : null}
      </CardContent>
    </Card>
  );
}

export default async function SloPage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const actor = await requirePageActor();
  const slo = await getSloDetail(actor, decodeURIComponent(name));
  if (!slo) notFound();
  const { spec, summary } = slo;
  const [policies, templates, canEdit] = await Promise.all([
    budgetPolicyStates([spec.service]),
    linkTemplates(actor, "slo", [spec.name]),
    canEditLinks(actor, "slo", spec.name),
  ]);
  const policy = policies.get(spec.service);
  const links = templates.flatMap((t) => {
    const url = renderLink(t.urlTemplate, { slo: spec.name, model: spec.service, team: spec.team });
    return url ? [{ key: t.id, label: t.label, url }] : [];
  });
  const unit = budgetUnit(spec.budgetingMethod);
  const total = summary.budgetAmount;
  const consumedAmount =
    total !== null && summary.consumed !== null ? total * summary.consumed : null;
  const leftAmount =
    total !== null && summary.remaining !== null ? total * summary.remaining : null;
  const chartChanges = slo.changes.map((c) => ({
    kind: c.kind,
    label: c.label,
    start: c.start,
    end: c.end,
  }));
  const chartFrom = slo.burnRates[0]?.t ?? 0;
  return (
    <>
      <AutoRefresh everyMs={15_000} />
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground">
        <Link href="/slos" className="hover:underline">
          SLOs
        </Link>{" "}
        / {spec.name}
      </nav>
      <PageHeader
        title={spec.displayName ?? spec.name}
        description={`${sliText(spec)} of ${spec.service} · ${percent(spec.objective)} over a ${windowText(spec.window)} window · ${spec.budgetingMethod} · owned by ${slo.teamName}`}
        actions={
          <div className="flex flex-wrap gap-2">
            <Button asChild size="sm" variant="outline">
              <a href={`/api/v1/slos/${encodeURIComponent(spec.name)}/rules`} download>
                Prometheus rules
              </a>
            </Button>
            <Button asChild size="sm" variant="outline">
              <a href={`/api/v1/slos/export?names=${encodeURIComponent(spec.name)}`} download>
                Export OpenSLO
              </a>
            </Button>
            {canManageSlos(actor) ? (
              <Button asChild size="sm">
                <Link href={`/slos/${encodeURIComponent(spec.name)}/edit`}>Edit</Link>
              </Button>
            ) : null}
          </div>
        }
      />
      {spec.description ? <p className="mb-3 text-sm">{spec.description}</p> : null}
      <div className="mb-4 flex flex-wrap items-center gap-2" data-testid="slo-status">
        <StatusBadge status={summary.status} />
        {summary.firing ? (
          <Badge tone={summary.firing === "page" ? "bad" : "warn"}>
            {summary.firing} alert firing
          </Badge>
        ) : null}
        <span className="text-xs text-muted-foreground">
          Window since {formatAbsolute(slo.windowStart)}
          {summary.computedAt ? ` · computed ${formatAbsolute(summary.computedAt)}` : ""}
        </span>
      </div>
      {slo.noData ? <NoDataReason gap={slo.noData} /> : null}
      <section
        aria-label="Error budget"
        className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6"
      >
        <Figure
          label="Attainment"
          value={summary.attainment === null ? "no data" : percent(summary.attainment)}
          hint={`objective ${percent(spec.objective)}`}
        />
        <Figure
          label="Error budget"
          value={total === null ? "—" : `${compact(total)} ${unit}`}
          hint={
            slo.budgetBasis
              ? `${percent(1 - spec.objective)} of ${compact(slo.budgetBasis.expected)} events expected`
              : `${percent(1 - spec.objective)} of the window`
          }
        />
        <Figure
          label="Consumed"
          value={summary.consumed === null ? "—" : percent(summary.consumed, 1)}
          hint={consumedAmount === null ? undefined : `${compact(consumedAmount)} ${unit}`}
        />
        <Figure
          label="Remaining"
          value={summary.remaining === null ? "—" : percent(summary.remaining, 1)}
          hint={leftAmount === null ? undefined : `${compact(leftAmount)} ${unit}`}
        />
        <Figure
          label="Burn rate (1 h)"
          value={burn(summary.burnRate1h)}
          hint="1× spends the budget in one window"
        />
        <Figure
          label="Budget empty in"
          value={
            summary.exhaustsInMin === null
              ? "not burning"
              : summary.exhaustsInMin === 0
                ? "exhausted"
                : duration(summary.exhaustsInMin)
          }
          hint="at the last hour's burn rate"
        />
      </section>
      {slo.budgetBasis && spec.window.kind === "calendar" ? (
        <p className="mb-4 text-sm text-muted-foreground" data-testid="budget-basis">
          {budgetBasisText(spec.window.unit, slo.budgetBasis)}
        </p>
      ) : null}
      <div className="mb-4 grid gap-3 xl:grid-cols-2">
        <BurnDownChart
          points={slo.burnDown}
          changes={chartChanges.filter((c) => (c.end ?? Infinity) >= slo.windowStart.getTime())}
        />
        <BurnRateChart
          points={slo.burnRates}
          windows={slo.burnWindows.map((w) => ({ ...w, label: formatWindow(w.minutes) }))}
          changes={chartChanges.filter((c) => (c.end ?? Infinity) >= chartFrom)}
        />
      </div>
      {policy ? (
        <section aria-labelledby="policy-heading" className="mb-4 space-y-2">
          <h2 id="policy-heading" className="text-base font-semibold">
            Error-budget policy of {spec.service}
          </h2>
          <BudgetPolicyNotice model={spec.service} state={policy} />
          {canSetBudgetPolicy(actor) ? (
            <BudgetPolicyControl
              model={spec.service}
              policy={policy.policy}
              setPolicy={setBudgetPolicyAction}
            />
          ) : null}
        </section>
      ) : null}
      <section aria-labelledby="alerts-heading" className="mb-4">
        <h2 id="alerts-heading" className="mb-2 text-base font-semibold">
          Burn-rate alerts
        </h2>
        <Table>
          <TableCaption>Alert windows (multi-window, multi-burn-rate)</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Severity</TableHead>
              <TableHead>Budget share</TableHead>
              <TableHead>Long / short window</TableHead>
              <TableHead className="text-right">Fires above</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {slo.alertPlan.map((a) => (
              <TableRow key={`${a.severity}-${a.longWindowMinutes}`}>
                <TableCell>
                  <Badge tone={a.severity === "page" ? "bad" : "warn"}>{a.severity}</Badge>
                </TableCell>
                <TableCell>{percent(a.budgetFraction, 1)} of the budget</TableCell>
                <TableCell>
                  {formatWindow(a.longWindowMinutes)} / {formatWindow(a.shortWindowMinutes)}
                  {a.written.longWindowMinutes !== a.longWindowMinutes
                    ? ` (${formatWindow(a.written.longWindowMinutes)} / ${formatWindow(a.written.shortWindowMinutes)} for 30 days)`
                    : ""}
                </TableCell>
                <TableCell className="text-right tabular-nums">{burn(a.threshold)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        {slo.alertPlan.some((a) => a.written.longWindowMinutes !== a.longWindowMinutes) ? (
          <p className="mt-1 text-xs text-muted-foreground" data-testid="scaled-alerts">
            The SRE Workbook&apos;s alert windows are written for 30 days; on this window they scale
            with its length and keep their burn rates, so no alert fires on a burn too slow to
            exhaust the budget.
          </p>
        ) : null}
        {slo.alerts.length === 0 ? (
          <p className="mt-2 text-sm text-muted-foreground" data-testid="no-alerts">
            No alert has fired for this SLO.
          </p>
        ) : (
          <Table>
            <TableCaption>Fired alerts, newest first</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Alert</TableHead>
                <TableHead>State</TableHead>
                <TableHead className="text-right">Burn when fired / peak</TableHead>
                <TableHead>Fired</TableHead>
                <TableHead>Resolved</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {slo.alerts.map((a) => (
                <TableRow
                  key={a.id}
                  data-testid="slo-alert"
                  data-state={a.resolvedAt ? "resolved" : "firing"}
                >
                  <TableCell>
                    <Badge tone={a.severity === "page" ? "bad" : "warn"}>{a.severity}</Badge>{" "}
                    {formatWindow(a.longWindowMinutes)}/{formatWindow(a.shortWindowMinutes)} above{" "}
                    {burn(a.threshold)}
                  </TableCell>
                  <TableCell>
                    {a.resolvedAt ? (
                      <StatusBadge status="resolved" />
                    ) : (
                      <Badge tone="bad">firing</Badge>
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {burn(a.longBurn)} / {burn(a.peakBurn)}
                  </TableCell>
                  <TableCell>
                    <TimeAgo date={a.firedAt} />
                  </TableCell>
                  <TableCell>
                    <TimeAgo date={a.resolvedAt} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>
      <LinksSection
        subjectKind="slo"
        subject={spec.name}
        links={links}
        templates={templates}
        edit={canEdit ? { add: addLinkAction, remove: removeLinkAction } : null}
      />
      <section aria-labelledby="changes-heading">
        <h2 id="changes-heading" className="mb-2 text-base font-semibold">
          Rollouts and incidents of {spec.service}
        </h2>
        {slo.changes.length === 0 ? (
          <p className="text-sm text-muted-foreground">None in this window.</p>
        ) : (
          <ul className="divide-y rounded-lg border">
            {slo.changes.slice(0, 20).map((c) => (
              <li
                key={`${c.kind}-${c.id}`}
                className="flex flex-wrap items-center gap-3 p-2 text-sm"
              >
                <Badge tone={c.kind === "incident" ? "bad" : "info"}>{c.kind}</Badge>
                <Link href={c.href} className="hover:underline">
                  {c.label}
                </Link>
                <StatusBadge status={c.status} />
                <span className="ml-auto text-xs text-muted-foreground">
                  {formatAbsolute(new Date(c.start))}
                  {c.end ? ` → ${formatAbsolute(new Date(c.end))}` : " → ongoing"}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
