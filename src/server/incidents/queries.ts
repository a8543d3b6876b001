import "server-only";
import { linkTemplates } from "@/server/models/links";
import { renderLink } from "@/lib/domain/models/link-templates";
import { clock } from "@/lib/clock";
import { type Tx } from "@/server/db/tx";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { AppError } from "@/server/errors";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import {
  availableIncidentEvents,
  incidentTransition,
  type IncidentEvent as IncidentEventName,
  type IncidentStatus,
  type Severity,
  type TransitionContext,
} from "@/lib/domain/incidents/lifecycle";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import { relatedTimeline } from "@/server/incidents/timeline";
import { incidentSloImpact } from "@/server/incidents/slo-impact";
import { findPostmortem } from "@/server/db/postmortems";
import {
  DETAIL_SELECT,
  type IncidentRecord,
  incidentPeople,
} from "@/server/incidents/incident-row";

export interface IncidentRow {
  id: string;
  number: number;
  title: string;
  severity: string;
  status: string;
  model: string | null;
  regionCode: string | null;
  commander: string | null;
  detectedAt: Date;
  resolvedAt: Date | null;
}

export async function listIncidents(
  actor: Actor | null,
  query: ListQuery,
): Promise<Page<IncidentRow>> {
  assertCanRead(actor);
  const where = query.region ? { affectedRegions: { has: query.region } } : {};
  const total = await db().incident.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const incidents = await db().incident.findMany({
    where,
    orderBy: [{ detectedAt: "desc" }, { number: "desc" }],
    skip,
    take,
    select: {
      id: true,
      number: true,
      title: true,
      severity: true,
      status: true,
      regionCode: true,
      commander: true,
      detectedAt: true,
      resolvedAt: true,
      model: { select: { name: true } },
    },
  });
  const rows = incidents.map((i) => ({ ...i, model: i.model?.name ?? null }));
  return toPage(rows, total, page, PAGE_SIZE);
}

// ---------------------------------------------------------------------------------------------
// One incident and its lifecycle

export interface IncidentTimelineEntry {
  id: string;
  at: Date;
  /** the incident's own records (declared, status, role, note, alert, postmortem), or related
   * activity: rollout, promotion, chaos, slo_alert */
  kind: string;
  message: string;
  actor: string | null;
  /** where related activity comes from, e.g. the rollout's page */
  href: string | null;
}

export interface IncidentDetail {
  id: string;
  number: number;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  summary: string;
  /** the incident's version for optimistic concurrency */
  version: number;
  affectedModels: { name: string; displayName: string | null }[];
  affectedRegions: string[];
  linkedSlos: { name: string; exists: boolean }[];
  declaredBy: string | null;
  /** manual, slo or alertmanager */
  source: string;
  commander: string | null;
  communications: string | null;
  detectedAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  /** oldest first */
  timeline: IncidentTimelineEntry[];
  /** lifecycle events the incident accepts now (empty for those who may not work it) */
  availableEvents: IncidentEventName[];
  /** why closing is refused now, when the incident is resolved but cannot close */
  closeBlockedReason: string | null;
  canWork: boolean;
  /** Alertmanager alerts it holds, with their source and runbook when they are http(s) */
  alerts: {
    fingerprint: string;
    title: string;
    status: string;
    startsAt: Date;
    generatorUrl: string | null;
    runbookUrl: string | null;
  }[];
  /** the affected models' and linked SLOs' links out, filled in for its regions */
  links: { key: string; label: string; url: string }[];
}

/** What the close gate judges: the saved postmortem and the budget each linked SLO lost to it. */
export async function closeContext(
  client: Tx | ReturnType<typeof db>,
  incident: IncidentRecord,
  now: Date,
): Promise<TransitionContext> {
  const [postmortem, impact] = await Promise.all([
    findPostmortem(client, incident.id),
    incidentSloImpact(client, incident, now),
  ]);
  return { postmortem: postmortem?.draft ?? null, budgetConsumedShares: impact.shares };
}

export function canWorkIncidents(actor: Actor | null): boolean {
  return isAllowed(actor, "incident.work");
}

/** One incident with its timeline (oldest first) and the lifecycle steps it accepts now. */
export async function getIncident(actor: Actor | null, number: number): Promise<IncidentDetail> {
  assertCanRead(actor);
  const i = await db().incident.findUnique({
    where: { number },
    select: {
      ...DETAIL_SELECT,
      events: {
        orderBy: [{ at: "asc" }, { id: "asc" }],
        select: { id: true, at: true, kind: true, message: true, actor: true },
      },
      alerts: {
        orderBy: { receivedAt: "asc" },
        take: 50,
        select: {
          fingerprint: true,
          title: true,
          status: true,
          startsAt: true,
          generatorUrl: true,
          runbookUrl: true,
        },
      },
    },
  });
  if (!i) throw new AppError("NOT_FOUND", `No incident #${number}.`);
  const [models, slos, related, modelLinks, sloLinks] = await Promise.all([
    db().model.findMany({
      where: { name: { in: i.affectedModels } },
      select: { name: true, displayName: true, team: { select: { slug: true } } },
    }),
    db().slo.findMany({
      where: { name: { in: i.linkedSlos } },
      select: { name: true, model: { select: { name: true } }, team: { select: { slug: true } } },
    }),
    relatedTimeline(i),
    linkTemplates(actor, "model", i.affectedModels),
    linkTemplates(actor, "slo", i.linkedSlos),
  ]);
  const links = [
    ...modelLinks.flatMap((t) => {
      const team = models.find((m) => m.name === t.subject)?.team.slug;
      const regions = i.affectedRegions.length > 0 ? i.affectedRegions : [undefined];
      return [...new Set(regions)].flatMap((region) => {
        const url = renderLink(t.urlTemplate, {
          model: t.subject,
          ...(team ? { team } : {}),
          ...(region ? { region } : {}),
        });
        const label = `${t.subject} ${t.label}${region && /\{region\}/.test(t.urlTemplate) ? ` (${region})` : ""}`;
        return url ? [{ key: `${t.id}-${region ?? ""}`, label, url }] : [];
      });
    }),
    ...sloLinks.flatMap((t) => {
      const s = slos.find((x) => x.name === t.subject);
      const url = s
        ? renderLink(t.urlTemplate, { slo: s.name, model: s.model.name, team: s.team.slug })
        : null;
      return url ? [{ key: t.id, label: `${t.subject} ${t.label}`, url }] : [];
    }),
  ].filter((l, n, all) => all.findIndex((x) => x.url === l.url) === n);
  const now = clock.now();
  const own = i.events.map((e) => ({ ...e, href: null }));
  const timeline = [...own, ...related].sort(
    (a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const canWork = canWorkIncidents(actor);
  // Only a resolved incident can close, so only then is the gate worth reading.
  const context = i.status === "resolved" ? await closeContext(db(), i, now) : {};
  const close = i.status === "resolved" ? incidentTransition(i, "close", now, context) : null;
  return {
    ...i,
    affectedModels: i.affectedModels.map((name) => ({
      name,
      displayName: models.find((m) => m.name === name)?.displayName ?? null,
    })),
    linkedSlos: i.linkedSlos.map((name) => ({ name, exists: slos.some((s) => s.name === name) })),
    timeline,
    availableEvents: canWork ? availableIncidentEvents(i, now, context) : [],
    closeBlockedReason: close && !close.ok ? close.reason : null,
    canWork,
    links,
  };
}

export interface IncidentFormOptions {
  models: { name: string; displayName: string }[];
  regions: { code: string; name: string }[];
  slos: { name: string; displayName: string | null }[];
  people: { email: string; name: string }[];
}

/**
 * The people who can hold an incident's roles, for assigning them on its page and its
 * postmortem's owner: not the registry's every model and SLO, which only declaring needs.
 */
export async function incidentRoleCandidates(
  actor: Actor | null,
): Promise<IncidentFormOptions["people"]> {
  assertAllowed(actor, "incident.work");
  return incidentPeople();
}

/** The registry's models, regions, SLOs and people, for declaring and assigning. */
export async function incidentFormOptions(actor: Actor | null): Promise<IncidentFormOptions> {
  assertAllowed(actor, "incident.work");
  const [models, regions, slos, people] = await Promise.all([
    db().model.findMany({ orderBy: { name: "asc" }, select: { name: true, displayName: true } }),
    db().region.findMany({ orderBy: { code: "asc" }, select: { code: true, name: true } }),
    db().slo.findMany({ orderBy: { name: "asc" }, select: { name: true, displayName: true } }),
    incidentPeople(),
  ]);
  return { models, regions, slos, people };
}
