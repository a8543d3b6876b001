import "server-only";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { assertVersion, lockRow, type Tx } from "@/server/db/tx";
import { db, type Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-context";
import { AppError } from "@/server/errors";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import type {
  AddIncidentNoteData,
  AssignIncidentRolesData,
  DeclareIncidentData,
  TransitionIncidentData,
} from "@/lib/schemas/incidents";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import {
  availableIncidentEvents,
  incidentTransition,
  TERMINAL_INCIDENT_STATUSES,
  type IncidentEvent as IncidentEventName,
  type IncidentStatus,
  type Severity,
  type TransitionContext,
} from "@/lib/domain/incidents/lifecycle";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { relatedTimeline } from "@/server/incidents/changes";
import { incidentSloImpact } from "@/server/incidents/slo-impact";
import { findPostmortem } from "@/server/db/postmortems";

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

/** A second declaration of the same title by the same person within this time is a double submit. */
const DOUBLE_SUBMIT_MS = 60_000;

/** What the timeline says for each lifecycle event. */
const EVENT_MESSAGES: Record<IncidentEventName, string> = {
  acknowledge: "Acknowledged",
  investigate: "Status: investigating",
  mitigate: "Status: mitigated",
  resolve: "Status: resolved",
  close: "Status: closed",
  cancel: "Cancelled",
  reopen: "Reopened",
};

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
}

/** What the close gate judges: the saved postmortem and the budget each linked SLO lost to it. */
async function closeContext(
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

const DETAIL_SELECT = {
  id: true,
  number: true,
  title: true,
  severity: true,
  status: true,
  summary: true,
  version: true,
  affectedModels: true,
  affectedRegions: true,
  linkedSlos: true,
  declaredBy: true,
  source: true,
  commander: true,
  communications: true,
  detectedAt: true,
  acknowledgedAt: true,
  mitigatedAt: true,
  resolvedAt: true,
  closedAt: true,
} as const;

type IncidentRecord = Prisma.IncidentGetPayload<{ select: typeof DETAIL_SELECT }>;

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
    },
  });
  if (!i) throw new AppError("NOT_FOUND", `No incident #${number}.`);
  const [models, slos, related] = await Promise.all([
    db().model.findMany({
      where: { name: { in: i.affectedModels } },
      select: { name: true, displayName: true },
    }),
    db().slo.findMany({ where: { name: { in: i.linkedSlos } }, select: { name: true } }),
    relatedTimeline(i),
  ]);
  const now = new Date();
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
  };
}

export interface IncidentFormOptions {
  models: { name: string; displayName: string }[];
  regions: { code: string; name: string }[];
  slos: { name: string; displayName: string | null }[];
  people: { email: string; name: string }[];
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

/** People who can hold an incident role: enabled users who may work incidents. */
async function incidentPeople(client: Tx | ReturnType<typeof db> = db()) {
  return client.user.findMany({
    where: { disabled: false, role: { in: ["engineer", "admin"] } },
    orderBy: { email: "asc" },
    select: { email: true, name: true },
  });
}

async function assertKnown(
  kind: string,
  wanted: string[],
  found: string[],
  hint: string,
): Promise<void> {
  const unknown = wanted.filter((w) => !found.includes(w));
  if (unknown.length > 0) {
    throw new AppError(
      "INVALID_INPUT",
      `Unknown ${kind}${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}. ${hint}`,
    );
  }
}

/** Both roles must be people who may work incidents; empty means nobody. */
async function assertRoleHolders(client: Tx, emails: string[]): Promise<void> {
  const wanted = [...new Set(emails.filter((e) => e !== ""))];
  if (wanted.length === 0) return;
  const people = await client.user.findMany({
    where: { email: { in: wanted }, disabled: false, role: { in: ["engineer", "admin"] } },
    select: { email: true },
  });
  await assertKnown(
    "person",
    wanted,
    people.map((p) => p.email),
    "Incident roles go to engineers or admins with a Flightdeck account.",
  );
}

/**
 * Declares an incident in triage, detected now. Models, regions and SLOs must exist; the same
 * title declared again by the same person within a minute (a double submit) returns the first.
 */
export async function declareIncident(
  actor: Actor | null,
  meta: RequestMeta,
  input: DeclareIncidentData,
): Promise<{ number: number; created: boolean }> {
  assertAllowed(actor, "incident.work");
  const [models, regions, slos] = await Promise.all([
    db().model.findMany({
      where: { name: { in: input.affectedModels } },
      select: { id: true, name: true },
    }),
    db().region.findMany({
      where: { code: { in: input.affectedRegions } },
      select: { code: true },
    }),
    db().slo.findMany({ where: { name: { in: input.linkedSlos } }, select: { name: true } }),
  ]);
  await assertKnown(
    "model",
    input.affectedModels,
    models.map((m) => m.name),
    "Choose models from the registry.",
  );
  await assertKnown(
    "region",
    input.affectedRegions,
    regions.map((r) => r.code),
    "Choose regions the fleet runs in.",
  );
  await assertKnown(
    "SLO",
    input.linkedSlos,
    slos.map((s) => s.name),
    "Link SLOs that are defined in Flightdeck.",
  );
  return db().$transaction(async (tx) => {
    await advisoryLock(tx, LOCKS.incidentDeclare(actor.email, input.title));
    const now = new Date();
    const first = await tx.incident.findFirst({
      where: {
        declaredBy: actor.email,
        title: input.title,
        detectedAt: { gte: new Date(now.getTime() - DOUBLE_SUBMIT_MS) },
      },
      orderBy: { detectedAt: "asc" },
      select: { number: true },
    });
    if (first) return { number: first.number, created: false };
    await assertRoleHolders(tx, [input.commander]);
    const firstModel = input.affectedModels[0];
    const created = await tx.incident.create({
      data: {
        title: input.title,
        severity: input.severity,
        status: "triage",
        summary: input.summary,
        affectedModels: input.affectedModels,
        affectedRegions: input.affectedRegions,
        linkedSlos: input.linkedSlos,
        // the list shows and filters by one model and region: the first of each
        modelId: models.find((m) => m.name === firstModel)?.id ?? null,
        regionCode: input.affectedRegions[0] ?? null,
        declaredBy: actor.email,
        commander: input.commander || null,
        detectedAt: now,
        events: {
          create: {
            at: now,
            kind: "declared",
            message: `Declared ${input.severity}: ${input.title}`,
            actor: actor.email,
          },
        },
      },
      select: { id: true, number: true },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "incident.declare",
      targetType: "incident",
      targetId: created.id,
      outcome: "allowed",
      after: {
        number: created.number,
        title: input.title,
        severity: input.severity,
        affectedModels: input.affectedModels,
        affectedRegions: input.affectedRegions,
        linkedSlos: input.linkedSlos,
        commander: input.commander || null,
      },
    });
    return { number: created.number, created: true };
  });
}

/** Locks the incident row for this transaction and reads it. */
async function lockIncident(tx: Tx, id: string): Promise<IncidentRecord> {
  await lockRow(tx, "Incident", id);
  const row = await tx.incident.findUnique({ where: { id }, select: DETAIL_SELECT });
  if (!row) throw new AppError("NOT_FOUND", "No such incident.");
  return row;
}

/** The incident changed since the user read it: nothing is written; they look again. */
function assertCurrent(row: IncidentRecord, seen: number): void {
  assertVersion(
    row.version,
    seen,
    `Incident #${row.number} changed while you were looking at it (it is now ${row.status}); nothing was recorded. Review it again.`,
  );
}

/** The newest timeline entry, to recognise a double click that already landed. */
async function latestEvent(tx: Tx, incidentId: string) {
  return tx.incidentEvent.findFirst({
    where: { incidentId },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    select: { kind: true, message: true, actor: true },
  });
}

/** The same change by the same person just landed on the version they saw: a double click. */
async function justDone(
  tx: Tx,
  row: IncidentRecord,
  seen: number,
  actor: Actor,
  kind: string,
  message: string,
): Promise<boolean> {
  if (row.version !== seen + 1) return false;
  const last = await latestEvent(tx, row.id);
  return last?.kind === kind && last.message === message && last.actor === actor.email;
}

export interface IncidentChange {
  number: number;
  status: IncidentStatus;
  version: number;
  /** false when the change had already been made (a double click) */
  changed: boolean;
}

/**
 * Moves the incident through its lifecycle (incidentTransition decides). A refused step says
 * why and writes nothing; a stale version is a conflict; the same step clicked twice lands once.
 */
export async function transitionIncident(
  actor: Actor | null,
  meta: RequestMeta,
  input: TransitionIncidentData,
): Promise<IncidentChange> {
  assertAllowed(actor, "incident.work");
  return db().$transaction(async (tx) => {
    const row = await lockIncident(tx, input.incidentId);
    const message = EVENT_MESSAGES[input.event];
    if (await justDone(tx, row, input.version, actor, "status", message)) {
      return { number: row.number, status: row.status, version: row.version, changed: false };
    }
    assertCurrent(row, input.version);
    const now = new Date();
    // Read after the lock: a postmortem save waits for it, so the gate sees the latest one.
    const context = input.event === "close" ? await closeContext(tx, row, now) : {};
    const transition = incidentTransition(row, input.event, now, context);
    if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
    const updated = await tx.incident.update({
      where: { id: row.id },
      data: { status: transition.next, ...transition.timestamps, version: { increment: 1 } },
      select: { version: true },
    });
    await tx.incidentEvent.create({
      data: { incidentId: row.id, at: now, kind: "status", message, actor: actor.email },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "incident.transition",
      targetType: "incident",
      targetId: row.id,
      outcome: "allowed",
      before: { status: row.status },
      after: {
        number: row.number,
        event: input.event,
        status: transition.next,
        timestamps: Object.fromEntries(
          Object.entries(transition.timestamps).map(([k, v]) => [k, v?.toISOString() ?? null]),
        ),
      },
    });
    return {
      number: row.number,
      status: transition.next,
      version: updated.version,
      changed: true,
    };
  });
}

function roleMessage(role: string, email: string | null): string {
  return email ? `${role}: ${email}` : `${role}: nobody`;
}

/**
 * Names the incident commander and the communications lead (emails of people who may work
 * incidents; empty for nobody). Assigning what is already assigned changes nothing.
 */
export async function assignIncidentRoles(
  actor: Actor | null,
  meta: RequestMeta,
  input: AssignIncidentRolesData,
): Promise<IncidentChange> {
  assertAllowed(actor, "incident.work");
  return db().$transaction(async (tx) => {
    const row = await lockIncident(tx, input.incidentId);
    const commander = input.commander || null;
    const communications = input.communications || null;
    const unchanged = row.commander === commander && row.communications === communications;
    if (unchanged) {
      return { number: row.number, status: row.status, version: row.version, changed: false };
    }
    assertCurrent(row, input.version);
    if (TERMINAL_INCIDENT_STATUSES.includes(row.status)) {
      throw new AppError(
        "CONFLICT",
        `Incident #${row.number} is ${row.status}; its roles can no longer change.`,
      );
    }
    await assertRoleHolders(tx, [input.commander, input.communications]);
    const now = new Date();
    const messages = [
      ...(row.commander !== commander ? [roleMessage("Commander", commander)] : []),
      ...(row.communications !== communications
        ? [roleMessage("Communications", communications)]
        : []),
    ];
    const updated = await tx.incident.update({
      where: { id: row.id },
      data: { commander, communications, version: { increment: 1 } },
      select: { version: true },
    });
    await tx.incidentEvent.createMany({
      data: messages.map((message) => ({
        incidentId: row.id,
        at: now,
        kind: "role",
        message,
        actor: actor.email,
      })),
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "incident.assign",
      targetType: "incident",
      targetId: row.id,
      outcome: "allowed",
      before: { commander: row.commander, communications: row.communications },
      after: { number: row.number, commander, communications },
    });
    return { number: row.number, status: row.status, version: updated.version, changed: true };
  });
}

/** Adds a note to the incident's timeline; the same note clicked twice lands once. */
export async function addIncidentNote(
  actor: Actor | null,
  meta: RequestMeta,
  input: AddIncidentNoteData,
): Promise<IncidentChange> {
  assertAllowed(actor, "incident.work");
  return db().$transaction(async (tx) => {
    const row = await lockIncident(tx, input.incidentId);
    if (await justDone(tx, row, input.version, actor, "note", input.note)) {
      return { number: row.number, status: row.status, version: row.version, changed: false };
    }
    assertCurrent(row, input.version);
    const updated = await tx.incident.update({
      where: { id: row.id },
      data: { version: { increment: 1 } },
      select: { version: true },
    });
    const event = await tx.incidentEvent.create({
      data: {
        incidentId: row.id,
        at: new Date(),
        kind: "note",
        message: input.note,
        actor: actor.email,
      },
      select: { id: true },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "incident.note",
      targetType: "incident",
      targetId: row.id,
      outcome: "allowed",
      after: { number: row.number, eventId: event.id, note: input.note },
    });
    return { number: row.number, status: row.status, version: updated.version, changed: true };
  });
}
