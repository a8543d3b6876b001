import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getPromotion } from "@/server/promotions/queries";
import { AppError } from "@/server/errors";
import {
  decidePromotionAction,
  editPromotionAction,
  startPromotionAction,
  withdrawPromotionAction,
} from "@/actions/promotions";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo, formatAbsolute } from "@/components/common/time-ago";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { ActionButton } from "@/components/common/action-button";
import { GateList } from "@/components/promotions/gate-list";
import { DecisionPanel } from "@/components/promotions/decision-panel";
import { EditRequestForm } from "@/components/promotions/edit-request";
import { LineageList } from "@/components/models/lineage";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";

export async function generateMetadata({
  params,
}: {
  params: Promise<{ number: string }>;
}): Promise<Metadata> {
  return { title: `Promotion #${(await params).number}` };
}

function fmt(n: number | undefined): string {
  if (n === undefined) return "—";
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(5)));
}

export default async function PromotionPage({ params }: { params: Promise<{ number: string }> }) {
  const { number: raw } = await params;
  const number = Number(raw);
  if (!Number.isInteger(number) || number < 1 || number > 2_147_483_647) notFound();
  const actor = await requirePageActor();
  const p = await getPromotion(actor, number).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const open = p.status === "pending" || p.status === "approved";
  const targets = p.environments.join(", ");
  const metrics = [
    ...new Set([
      ...p.thresholds.map((t) => t.metric),
      ...Object.keys(p.candidate.evalMetrics),
      ...Object.keys(p.production?.metrics ?? {}),
    ]),
  ];
  return (
    <>
      {open ? <AutoRefresh everyMs={10_000} /> : null}
      <PageHeader
        title={`#${p.number} Promote ${p.model} ${p.candidate.version} to ${p.tier}`}
        description={`${p.modelDisplayName} · ${p.teamName} · ${targets}`}
        actions={
          <div className="flex items-center gap-2">
            {p.fix ? <Badge tone="warn">fix</Badge> : null}
            <StatusBadge status={p.status} />
          </div>
        }
      />
      <p className="mb-4 text-sm">
        Requested by <span className="font-medium">{p.requestedBy}</span>{" "}
        <span className="inline-block align-top">
          <TimeAgo date={p.requestedAt} />
        </span>
      </p>
      <blockquote className="mb-4 border-l-4 pl-3 text-sm">{p.justification}</blockquote>

      {p.status === "approved" ? (
        <div role="status" className="mb-4 rounded-md border border-amber-500 p-3 text-sm">
          <p className="font-medium">Approved, but not started</p>
          <p>{p.blockedReason ?? "A gate failed when the last approval landed."}</p>
          {p.can.start ? (
            <div className="mt-2">
              <ActionButton
                action={startPromotionAction}
                input={{ requestId: p.id, version: p.rowVersion }}
                label="Start rollout now"
                confirm={`Start the rollout of ${p.model} ${p.candidate.version} to ${targets}? The gates are checked again first.`}
              />
            </div>
          ) : null}
        </div>
      ) : null}

      {p.rollouts.length > 0 ? (
        <Card className="mb-4">
          <CardHeader>
            <CardTitle>Release</CardTitle>
          </CardHeader>
          <CardContent>
            <ul className="space-y-1 text-sm" aria-label="Rollouts of this release">
              {p.rollouts.map((r) => (
                <li key={r.id} className="flex flex-wrap items-center gap-2">
                  <Link href={`/rollouts/${r.id}`} className="font-medium hover:underline">
                    {r.environment}
                  </Link>
                  <span className="text-muted-foreground">wave {r.wave + 1}</span>
                  <StatusBadge status={r.status} />
                  <span className="tabular-nums">{r.currentWeight}% traffic</span>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <Card>
            <CardHeader>
              <CardTitle>
                Gates{" "}
                <span className="text-xs font-normal text-muted-foreground">
                  {p.gatesLive
                    ? "checked live"
                    : p.evaluatedAt
                      ? `as they stood at ${formatAbsolute(p.evaluatedAt)}`
                      : "not evaluated: the request closed before a decision"}
                </span>
              </CardTitle>
            </CardHeader>
            <CardContent>
              {p.gates.length > 0 ? (
                <>
                  <p className="mb-2 text-sm font-medium" data-testid="gates-verdict">
                    {p.gatesPass ? "All gates pass." : "A gate blocks this promotion."}
                  </p>
                  <GateList gates={p.gates} />
                </>
              ) : (
                <p className="text-sm text-muted-foreground">No gates recorded.</p>
              )}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Eval metrics</CardTitle>
            </CardHeader>
            <CardContent>
              <table className="w-full text-sm">
                <caption className="sr-only">
                  Eval metrics of {p.candidate.version} against the thresholds and production
                </caption>
                <thead>
                  <tr className="text-left text-xs text-muted-foreground">
                    <th scope="col" className="py-1">
                      Metric
                    </th>
                    <th scope="col" className="py-1 text-right">
                      {p.candidate.version}
                    </th>
                    <th scope="col" className="py-1 text-right">
                      {p.production ? `${p.production.version} (production)` : "production"}
                    </th>
                    <th scope="col" className="py-1 text-right">
                      Change
                    </th>
                    <th scope="col" className="py-1 text-right">
                      Threshold
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {metrics.map((m) => {
                    const t = p.thresholds.find((x) => x.metric === m);
                    const v = p.candidate.evalMetrics[m];
                    const prod = p.production?.metrics[m];
                    const delta = v !== undefined && prod !== undefined ? v - prod : undefined;
                    const better =
                      delta === undefined || !t || delta === 0
                        ? null
                        : (t.direction === "higher") === delta > 0;
                    return (
                      <tr key={m} className="border-t">
                        <th scope="row" className="py-1 text-left font-mono font-normal">
                          {m}
                        </th>
                        <td className="py-1 text-right tabular-nums">{fmt(v)}</td>
                        <td className="py-1 text-right tabular-nums">{fmt(prod)}</td>
                        <td className="py-1 text-right tabular-nums">
                          {delta === undefined
                            ? "—"
                            : `${delta > 0 ? "▲ +" : delta < 0 ? "▼ −" : "± "}${fmt(Math.abs(delta))}`}
                          {better === null ? null : (
                            <span className="ml-1 text-xs text-muted-foreground">
                              ({better ? "better" : "worse"})
                            </span>
                          )}
                        </td>
                        <td className="py-1 text-right text-xs">
                          {t
                            ? `${t.direction === "higher" ? "≥" : "≤"} ${fmt(t.bound)}${t.maxRegression !== undefined ? `, may worsen ${fmt(t.maxRegression)}` : ""}`
                            : "—"}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>
                Lineage of{" "}
                <Link
                  className="hover:underline"
                  href={`/models/${encodeURIComponent(p.model)}/versions/${encodeURIComponent(p.candidate.version)}`}
                >
                  {p.candidate.version}
                </Link>
              </CardTitle>
            </CardHeader>
            <CardContent>
              <LineageList
                lineage={p.candidate.lineage}
                framed={false}
                extra={[
                  { label: "Registered by", value: p.candidate.createdBy },
                  { label: "Registered", value: <TimeAgo date={p.candidate.createdAt} /> },
                ]}
              />
            </CardContent>
          </Card>
        </div>
        <div className="space-y-4">
          {/* the command palette's "decide" lands here (#decision) */}
          <Card id="decision" className="scroll-mt-4">
            <CardHeader>
              <CardTitle>
                Approvals{" "}
                <span className="tabular-nums" data-testid="approval-count">
                  {p.approvals} of {p.requiredApprovals}
                </span>
              </CardTitle>
            </CardHeader>
            <CardContent className="space-y-3">
              {p.decisions.length === 0 ? (
                <p className="text-sm text-muted-foreground">No decisions yet.</p>
              ) : (
                <ul className="space-y-2" aria-label="Decisions">
                  {p.decisions.map((d) => (
                    <li key={d.approverEmail} className="text-sm" data-testid="decision">
                      <div className="flex flex-wrap items-center gap-2">
                        <span className="font-medium">{d.approver}</span>
                        <StatusBadge status={d.decision === "approve" ? "approved" : "rejected"} />
                      </div>
                      {d.comment ? <p className="text-muted-foreground">{d.comment}</p> : null}
                      <TimeAgo date={d.at} />
                    </li>
                  ))}
                </ul>
              )}
              {p.can.decide.allowed ? (
                <DecisionPanel
                  requestId={p.id}
                  version={p.rowVersion}
                  number={p.number}
                  lastApproval={p.approvals + 1 >= p.requiredApprovals}
                  gatesPass={p.gatesPassOnYourApproval}
                  targets={targets}
                  decide={decidePromotionAction}
                />
              ) : open ? (
                <p className="text-sm text-muted-foreground" data-testid="decide-reason">
                  {p.can.decide.reason}
                </p>
              ) : null}
            </CardContent>
          </Card>
          {p.can.edit || p.can.withdraw ? (
            <Card>
              <CardHeader>
                <CardTitle>Your request</CardTitle>
              </CardHeader>
              <CardContent className="space-y-3">
                {p.can.edit ? (
                  <EditRequestForm
                    model={p.model}
                    requestId={p.id}
                    version={p.rowVersion}
                    tier={p.tier}
                    choices={p.regionChoices}
                    initial={{ regions: p.regions, fix: p.fix, justification: p.justification }}
                    approvals={p.approvals}
                    edit={editPromotionAction}
                  />
                ) : null}
                {p.can.withdraw ? (
                  <ActionButton
                    action={withdrawPromotionAction}
                    input={{ requestId: p.id, version: p.rowVersion }}
                    label="Withdraw request"
                    variant="destructive"
                    confirm={`Withdraw request #${p.number}? Approvals given so far are lost.`}
                  />
                ) : null}
              </CardContent>
            </Card>
          ) : null}
        </div>
      </div>
    </>
  );
}
