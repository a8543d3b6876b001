import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/server/auth/page";
import { getIncident, incidentRoleCandidates } from "@/server/incidents/queries";
import { incidentChanges } from "@/server/incidents/changes";
import { getPostmortemStatus } from "@/server/incidents/postmortems";
import { AppError } from "@/server/errors";
import {
  addIncidentNoteAction,
  assignIncidentRolesAction,
  transitionIncidentAction,
} from "@/actions/incidents";
import { incidentNumberSchema, type TransitionIncidentInput } from "@/lib/schemas/incidents";
import { PageHeader } from "@/components/common/page-header";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { ActionButton } from "@/components/common/action-button";
import { IncidentRolesForm } from "@/components/incidents/roles-form";
import { IncidentNoteForm } from "@/components/incidents/note-form";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { SloImpactCard } from "@/components/incidents/slo-impact";
import { PostmortemCard } from "@/components/incidents/postmortem-card";
import { WhatChanged } from "./what-changed";
import { LinksList } from "@/components/links/links-list";
import { RequestedIncidentStep } from "@/components/incidents/requested-step";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { INCIDENT_PALETTE_STEPS } from "@/lib/domain/navigation/search";
import { ACT_PARAM } from "@/lib/domain/navigation/shortcuts";

export async function generateMetadata({
  params,
}: {
  params: Promise<{ number: string }>;
}): Promise<Metadata> {
  return { title: `Incident #${(await params).number}` };
}

type EventName = TransitionIncidentInput["event"];

/** Button labels, and the confirmation for steps that end or undo work. */
const STEPS: Record<EventName, { label: string; confirm?: string }> = {
  acknowledge: { label: "Acknowledge" },
  investigate: { label: "Mark investigating" },
  mitigate: { label: "Mark mitigated" },
  resolve: {
    label: "Resolve",
    confirm: "Resolve this incident? Do it once the impact has ended and the fix holds.",
  },
  close: { label: "Close", confirm: "Close this incident? A closed incident cannot be reopened." },
  cancel: {
    label: "Cancel incident",
    confirm: "Cancel this incident? Do it only when it was not a real incident.",
  },
  reopen: { label: "Reopen" },
};

const KIND_LABELS: Record<string, string> = {
  declared: "Declared",
  status: "Status",
  role: "Role",
  note: "Note",
  alert: "Alert",
  acknowledged: "Status",
  postmortem: "Postmortem",
  rollout: "Rollout",
  promotion: "Promotion",
  chaos: "Chaos",
  slo_alert: "SLO alert",
};

const SOURCE_TEXT: Record<string, string> = {
  slo: "Opened automatically by a page-severity burn-rate alert",
  alertmanager: "Opened by an Alertmanager alert",
};

export default async function IncidentPage({
  params,
  searchParams,
}: {
  params: Promise<{ number: string }>;
  searchParams: SearchParams;
}) {
  const parsed = incidentNumberSchema.safeParse((await params).number);
  if (!parsed.success) notFound();
  const actor = await requirePageActor();
  const i = await getIncident(actor, parsed.data).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const [people, changes, postmortem] = await Promise.all([
    i.canWork ? incidentRoleCandidates(actor) : [],
    incidentChanges(actor, {
      id: i.id,
      number: i.number,
      status: i.status,
      affectedModels: i.affectedModels.map((m) => m.name),
      affectedRegions: i.affectedRegions,
      linkedSlos: i.linkedSlos.map((s) => s.name),
      detectedAt: i.detectedAt,
      resolvedAt: i.resolvedAt,
      closedAt: i.closedAt,
    }),
    getPostmortemStatus(actor, i.number),
  ]);
  const open = i.status === "triage" || i.status === "investigating" || i.status === "mitigated";
  const act = firstValues(await searchParams)[ACT_PARAM];
  const requested = INCIDENT_PALETTE_STEPS.find((s) => s === act);
  const milestones: [string, Date | null][] = [
    ["Detected", i.detectedAt],
    ["Acknowledged", i.acknowledgedAt],
    ["Mitigated", i.mitigatedAt],
    ["Resolved", i.resolvedAt],
    [i.status === "cancelled" ? "Cancelled" : "Closed", i.closedAt],
  ];
  return (
    <>
      {open ? <AutoRefresh everyMs={15_000} /> : null}
      <PageHeader
        title={`#${i.number} ${i.title}`}
        description={
          i.declaredBy ? `Declared by ${i.declaredBy}` : (SOURCE_TEXT[i.source] ?? undefined)
        }
        actions={
          <div role="group" className="flex items-center gap-2" aria-label="Severity and status">
            <span className="sr-only">Severity</span>
            <StatusBadge status={i.severity} />
            <span className="sr-only">Status</span>
            <StatusBadge status={i.status} />
          </div>
        }
      />
      {i.summary ? <p className="mb-4 max-w-3xl text-sm">{i.summary}</p> : null}

      <section aria-labelledby="milestones" className="mb-4">
        <h2 id="milestones" className="sr-only">
          Milestones
        </h2>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5">
          {milestones.map(([label, at]) => (
            <div key={label} className="rounded-md border p-3">
              <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
              <dd className="text-sm">
                <TimeAgo date={at} />
              </dd>
            </div>
          ))}
        </dl>
      </section>

      {requested ? (
        <RequestedIncidentStep
          incidentId={i.id}
          number={i.number}
          version={i.version}
          step={requested}
          available={i.availableEvents.includes(requested)}
          status={i.status}
          action={transitionIncidentAction}
        />
      ) : null}

      {i.canWork ? (
        <section aria-labelledby="lifecycle" className="mb-4 space-y-2">
          <h2 id="lifecycle" className="text-sm font-semibold">
            Lifecycle
          </h2>
          {i.availableEvents.length > 0 ? (
            <div className="flex flex-wrap items-start gap-2">
              {i.availableEvents.map((event) => (
                <ActionButton
                  key={event}
                  action={transitionIncidentAction}
                  input={{ incidentId: i.id, version: i.version, event }}
                  label={STEPS[event].label}
                  confirm={STEPS[event].confirm}
                  variant={event === "resolve" || event === "close" ? "default" : "outline"}
                />
              ))}
            </div>
          ) : (
            <p className="text-sm text-muted-foreground">
              This incident is {i.status}; its lifecycle has ended.
            </p>
          )}
          {i.closeBlockedReason ? (
            <p className="max-w-3xl text-sm text-muted-foreground" data-testid="close-blocked">
              Close is not available: {i.closeBlockedReason}
            </p>
          ) : null}
        </section>
      ) : null}

      {i.links.length > 0 || i.alerts.length > 0 ? (
        <section aria-labelledby="links-out" className="mb-4 space-y-2">
          <h2 id="links-out" className="text-sm font-semibold">
            Dashboards, runbooks and alerts
          </h2>
          <LinksList links={i.links} />
          {i.alerts.length > 0 ? (
            <ul aria-label="Alerts" className="space-y-1 text-sm">
              {i.alerts.map((a) => (
                <li key={a.fingerprint} className="flex flex-wrap items-baseline gap-x-3">
                  <span className="font-medium">{a.title}</span>
                  <span className="text-xs text-muted-foreground">
                    {a.status} · since <TimeAgo date={a.startsAt} />
                  </span>
                  <LinksList
                    links={[
                      ...(a.generatorUrl
                        ? [{ key: "source", label: "Source", url: a.generatorUrl }]
                        : []),
                      ...(a.runbookUrl
                        ? [{ key: "runbook", label: "Runbook", url: a.runbookUrl }]
                        : []),
                    ]}
                  />
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <WhatChanged
            incidentId={i.id}
            changes={changes}
            scopeNamed={i.affectedModels.length > 0 || i.affectedRegions.length > 0}
          />
          <Card>
            <CardHeader>
              <CardTitle>Timeline</CardTitle>
            </CardHeader>
            <CardContent className="space-y-4">
              <ol aria-label="Timeline" className="space-y-3">
                {i.timeline.map((e) => (
                  <li
                    key={e.id}
                    data-kind={e.kind}
                    data-source={e.href ? "related" : "incident"}
                    className={`border-l-2 pl-3 ${e.href ? "border-dashed" : ""}`}
                  >
                    <div className="flex flex-wrap items-baseline gap-x-2 text-xs text-muted-foreground">
                      <span className="font-medium text-foreground">
                        {KIND_LABELS[e.kind] ?? e.kind}
                      </span>
                      {e.actor ? <span>by {e.actor}</span> : null}
                      <TimeAgo date={e.at} />
                    </div>
                    <p className="whitespace-pre-wrap text-sm">
                      {e.href ? (
                        <Link className="underline-offset-2 hover:underline" href={e.href}>
                          {e.message}
                        </Link>
                      ) : (
                        e.message
                      )}
                    </p>
                  </li>
                ))}
              </ol>
              {i.canWork ? (
                <IncidentNoteForm
                  incidentId={i.id}
                  version={i.version}
                  add={addIncidentNoteAction}
                />
              ) : null}
            </CardContent>
          </Card>
          <SloImpactCard impact={postmortem.impact} />
          <PostmortemCard status={postmortem} />
        </div>
        <div className="space-y-4">
          <Card>
            <CardHeader>
              <CardTitle>Roles</CardTitle>
            </CardHeader>
            <CardContent className="space-y-3">
              <dl className="space-y-1 text-sm">
                <div className="flex justify-between gap-2">
                  <dt className="text-muted-foreground">Commander</dt>
                  <dd>{i.commander ?? "Nobody"}</dd>
                </div>
                <div className="flex justify-between gap-2">
                  <dt className="text-muted-foreground">Communications</dt>
                  <dd>{i.communications ?? "Nobody"}</dd>
                </div>
              </dl>
              {i.canWork && open ? (
                <IncidentRolesForm
                  incidentId={i.id}
                  version={i.version}
                  commander={i.commander}
                  communications={i.communications}
                  people={people}
                  assign={assignIncidentRolesAction}
                />
              ) : null}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Affected</CardTitle>
            </CardHeader>
            <CardContent>
              <dl className="space-y-2 text-sm">
                <div>
                  <dt className="text-muted-foreground">Models</dt>
                  <dd>
                    {i.affectedModels.length === 0 ? "None named" : null}
                    <ul>
                      {i.affectedModels.map((m) => (
                        <li key={m.name}>
                          <Link className="underline" href={`/models/${m.name}`}>
                            {m.displayName ? `${m.displayName} (${m.name})` : m.name}
                          </Link>
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
                <div>
                  <dt className="text-muted-foreground">Regions</dt>
                  <dd>
                    {i.affectedRegions.length === 0 ? "None named" : null}
                    <ul>
                      {i.affectedRegions.map((r) => (
                        <li key={r}>
                          <Link className="underline" href={`/clusters?region=${r}`}>
                            {r}
                          </Link>
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
                <div>
                  <dt className="text-muted-foreground">Linked SLOs</dt>
                  <dd>
                    {i.linkedSlos.length === 0 ? "None linked" : null}
                    <ul>
                      {i.linkedSlos.map((s) => (
                        <li key={s.name}>
                          {s.exists ? (
                            <Link className="underline" href={`/slos/${s.name}`}>
                              {s.name}
                            </Link>
                          ) : (
                            <span>{s.name} (deleted)</span>
                          )}
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
              </dl>
            </CardContent>
          </Card>
        </div>
      </div>
    </>
  );
}
