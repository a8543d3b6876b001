import "server-only";
import { notifyIncidentStep } from "@/server/notifications/subjects";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import type {
  AddIncidentNoteData,
  AssignIncidentRolesData,
  TransitionIncidentData,
} from "@/lib/schemas/incidents";
import { incidentTransition, TERMINAL_INCIDENT_STATUSES } from "@/lib/domain/incidents/lifecycle";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import {
  EVENT_MESSAGES,
  type IncidentChange,
  assertCurrent,
  assertRoleHolders,
  justDone,
  lockIncident,
} from "@/server/incidents/incident-row";
import { closeContext } from "@/server/incidents/queries";

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
    const now = clock.now();
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
    await notifyIncidentStep(tx, row.id, input.event, { actor: actor.email });
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
    const now = clock.now();
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
        at: clock.now(),
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
