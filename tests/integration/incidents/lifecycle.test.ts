import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import type { Actor } from "@/server/auth/session";
import type { Role } from "@/lib/domain/access/roles";
import {
  addIncidentNote,
  assignIncidentRoles,
  transitionIncident,
} from "@/server/incidents/lifecycle";
import { declareIncident } from "@/server/incidents/declare";
import { getIncident } from "@/server/incidents/queries";
import { declareIncidentSchema, type DeclareIncidentInput } from "@/lib/schemas/incidents";
import type { IncidentEvent } from "@/lib/domain/incidents/lifecycle";

const prisma = connectTestDatabase();
const meta = { requestId: "incident-lifecycle-test", clientIp: "198.51.100.8" };
const RUN = Date.now().toString(36);
const TITLE = `Lifecycle test ${RUN}`;
const people = {} as Record<Role, Actor>;
let seq = 0;

beforeAll(async () => {
  for (const role of ["viewer", "engineer", "release_manager", "admin"] as const) {
    people[role] = await person(prisma, role, {
      team: "ranking",
      email: `${role}-${RUN}@incidents.test`,
      name: role,
    });
  }
});

afterAll(async () => {
  // Audit rows are append-only and stay; the incidents (and their timelines) go.
  await prisma.incident.deleteMany({ where: { title: { startsWith: TITLE } } });
  await prisma.user.updateMany({
    where: { email: { endsWith: `${RUN}@incidents.test` } },
    data: { disabled: true },
  });
  await prisma.$disconnect();
});

async function declare(input: Partial<DeclareIncidentInput> = {}, who: Role = "engineer") {
  const data = declareIncidentSchema.parse({
    title: `${TITLE} #${seq++}`,
    severity: "SEV3",
    summary: "Ranker XL 5xx in us-east-1",
    affectedModels: ["ranker-xl"],
    affectedRegions: ["us-east-1"],
    linkedSlos: ["ranker-xl-availability"],
    ...input,
  });
  const result = await declareIncident(people[who], meta, data);
  return prisma.incident.findUniqueOrThrow({ where: { number: result.number } });
}

async function step(id: string, event: IncidentEvent, who: Role = "engineer") {
  const row = await prisma.incident.findUniqueOrThrow({ where: { id } });
  await transitionIncident(people[who], meta, { incidentId: id, version: row.version, event });
  return prisma.incident.findUniqueOrThrow({ where: { id } });
}

/** Everything a refused call must leave untouched. */
async function footprint(id: string) {
  return {
    row: await prisma.incident.findUniqueOrThrow({ where: { id } }),
    events: await prisma.incidentEvent.count({ where: { incidentId: id } }),
    audits: await prisma.auditEvent.count({ where: { targetId: id } }),
  };
}

describe("declaring an incident", () => {
  it("opens it in triage with the arrays, the first model and region, a timeline entry and an audit row", async () => {
    const i = await declare({ commander: people.engineer.email });
    expect(i).toMatchObject({
      status: "triage",
      severity: "SEV3",
      affectedModels: ["ranker-xl"],
      affectedRegions: ["us-east-1"],
      linkedSlos: ["ranker-xl-availability"],
      regionCode: "us-east-1",
      declaredBy: people.engineer.email,
      commander: people.engineer.email,
      version: 1,
      acknowledgedAt: null,
    });
    const model = await prisma.model.findUniqueOrThrow({ where: { name: "ranker-xl" } });
    expect(i.modelId).toBe(model.id);
    const events = await prisma.incidentEvent.findMany({ where: { incidentId: i.id } });
    expect(events).toEqual([
      expect.objectContaining({ kind: "declared", actor: people.engineer.email }),
    ]);
    const audit = await prisma.auditEvent.findMany({ where: { targetId: i.id } });
    expect(audit).toEqual([
      expect.objectContaining({ action: "incident.declare", outcome: "allowed" }),
    ]);
  });

  it("refuses invalid input before writing anything", async () => {
    const bad = declareIncidentSchema.safeParse({ title: "x", severity: "SEV9" });
    expect(bad.success).toBe(false);
    const before = await prisma.incident.count({ where: { title: { startsWith: TITLE } } });
    for (const input of [
      { affectedModels: ["no-such-model"] },
      { affectedRegions: ["zz-nowhere-9"] },
      { linkedSlos: ["no-such-slo"] },
      { commander: `nobody-${RUN}@incidents.test` },
      { commander: people.viewer.email },
    ]) {
      await expect(declare(input)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    }
    await expect(declare({ affectedModels: ["no-such-model"] })).rejects.toThrow(
      /Unknown model: no-such-model/,
    );
    expect(await prisma.incident.count({ where: { title: { startsWith: TITLE } } })).toBe(before);
  });

  it("declares a double submit once", async () => {
    const data = declareIncidentSchema.parse({
      title: `${TITLE} double`,
      severity: "SEV4",
      affectedModels: ["ranker-xl"],
    });
    const [a, b] = await Promise.all([
      declareIncident(people.engineer, meta, data),
      declareIncident(people.engineer, meta, data),
    ]);
    expect(a.number).toBe(b.number);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await prisma.incident.count({ where: { title: `${TITLE} double` } })).toBe(1);
    // someone else declaring the same title is a different incident
    const c = await declareIncident(people.admin, meta, data);
    expect(c.created).toBe(true);
  });

  it("is refused to viewers and release managers", async () => {
    for (const who of ["viewer", "release_manager"] as const) {
      await expect(declare({}, who)).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
  });
});

describe("the lifecycle", () => {
  it("acknowledge, mitigate, resolve and close (SEV4) set each timestamp once", async () => {
    const i = await declare({ severity: "SEV4" });
    const acked = await step(i.id, "acknowledge");
    expect(acked.status).toBe("investigating");
    expect(acked.acknowledgedAt).toBeInstanceOf(Date);
    expect(acked.mitigatedAt).toBeNull();
    const mitigated = await step(i.id, "mitigate");
    expect(mitigated.status).toBe("mitigated");
    expect(mitigated.acknowledgedAt).toEqual(acked.acknowledgedAt);
    expect(mitigated.mitigatedAt).toBeInstanceOf(Date);
    const resolved = await step(i.id, "resolve");
    expect(resolved.status).toBe("resolved");
    expect(resolved.mitigatedAt).toEqual(mitigated.mitigatedAt);
    expect(resolved.resolvedAt).toBeInstanceOf(Date);
    const closed = await step(i.id, "close");
    expect(closed.status).toBe("closed");
    expect(closed.closedAt).toBeInstanceOf(Date);
    expect(closed.version).toBe(5);
    const events = await prisma.incidentEvent.findMany({
      where: { incidentId: i.id },
      orderBy: { at: "asc" },
    });
    expect(events.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Declared SEV4/),
      "Acknowledged",
      "Status: mitigated",
      "Status: resolved",
      "Status: closed",
    ]);
    const audits = await prisma.auditEvent.findMany({
      where: { targetId: i.id, action: "incident.transition" },
    });
    expect(audits).toHaveLength(4);
  });

  it("resolving from triage fills in acknowledged and mitigated", async () => {
    const i = await declare();
    const r = await step(i.id, "resolve");
    expect(r.status).toBe("resolved");
    expect(r.acknowledgedAt).toEqual(r.resolvedAt);
    expect(r.mitigatedAt).toEqual(r.resolvedAt);
  });

  it("investigate, reopen and cancel follow the domain", async () => {
    const i = await declare();
    expect((await step(i.id, "investigate")).status).toBe("investigating");
    expect((await step(i.id, "mitigate")).status).toBe("mitigated");
    const back = await step(i.id, "investigate");
    expect(back.status).toBe("investigating");
    expect(back.mitigatedAt).toBeNull();
    await step(i.id, "resolve");
    const reopened = await step(i.id, "reopen");
    expect(reopened).toMatchObject({
      status: "investigating",
      resolvedAt: null,
      mitigatedAt: null,
    });
    expect(reopened.acknowledgedAt).toBeInstanceOf(Date);
    const cancelled = await step(i.id, "cancel");
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.closedAt).toBeInstanceOf(Date);
  });

  it("refuses impossible steps with the domain's reason and writes nothing", async () => {
    const i = await declare();
    const before = await footprint(i.id);
    await expect(
      transitionIncident(people.engineer, meta, { incidentId: i.id, version: 1, event: "close" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(
        /^Only a resolved incident can be closed; this one is in triage/,
      ),
    });
    await expect(
      transitionIncident(people.engineer, meta, { incidentId: i.id, version: 1, event: "reopen" }),
    ).rejects.toThrow(/Only a resolved incident can be reopened/);
    expect(await footprint(i.id)).toEqual(before);
  });

  it("refuses to close a resolved SEV2 without a postmortem, while a SEV4 closes", async () => {
    const sev2 = await declare({ severity: "SEV2" });
    const resolved = await step(sev2.id, "resolve");
    const before = await footprint(sev2.id);
    await expect(
      transitionIncident(people.engineer, meta, {
        incidentId: sev2.id,
        version: resolved.version,
        event: "close",
      }),
    ).rejects.toThrow(
      "This incident is resolved but cannot be closed yet: it needs a complete postmortem (it is a SEV2 incident). None has been started.",
    );
    expect(await footprint(sev2.id)).toEqual(before);
    const detail = await getIncident(people.engineer, sev2.number);
    expect(detail.availableEvents).not.toContain("close");
    expect(detail.closeBlockedReason).toMatch(/needs a complete postmortem/);

    const sev4 = await declare({ severity: "SEV4" });
    await step(sev4.id, "resolve");
    expect((await step(sev4.id, "close")).status).toBe("closed");
  });

  it("a stale version is a conflict and changes nothing", async () => {
    const i = await declare();
    await step(i.id, "acknowledge");
    const before = await footprint(i.id);
    for (const call of [
      () =>
        transitionIncident(people.admin, meta, { incidentId: i.id, version: 1, event: "mitigate" }),
      () => addIncidentNote(people.admin, meta, { incidentId: i.id, version: 1, note: "late" }),
      () =>
        assignIncidentRoles(people.admin, meta, {
          incidentId: i.id,
          version: 1,
          commander: people.admin.email,
          communications: "",
        }),
    ]) {
      await expect(call()).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringMatching(
          new RegExp(`^Incident #${i.number} changed while you were looking at it`),
        ),
      });
    }
    expect(await footprint(i.id)).toEqual(before);
  });

  it("the same step clicked twice lands once", async () => {
    const i = await declare();
    const input = { incidentId: i.id, version: 1, event: "acknowledge" as const };
    const [a, b] = await Promise.all([
      transitionIncident(people.engineer, meta, input),
      transitionIncident(people.engineer, meta, input),
    ]);
    expect([a.changed, b.changed].sort()).toEqual([false, true]);
    expect(await prisma.incidentEvent.count({ where: { incidentId: i.id, kind: "status" } })).toBe(
      1,
    );
  });

  it("viewers and release managers may not change an incident", async () => {
    const i = await declare();
    const before = await footprint(i.id);
    for (const who of ["viewer", "release_manager"] as const) {
      await expect(
        transitionIncident(people[who], meta, {
          incidentId: i.id,
          version: 1,
          event: "acknowledge",
        }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(
        addIncidentNote(people[who], meta, { incidentId: i.id, version: 1, note: "hi" }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(
        assignIncidentRoles(people[who], meta, {
          incidentId: i.id,
          version: 1,
          commander: people.engineer.email,
          communications: "",
        }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    expect(await footprint(i.id)).toEqual(before);
    const seen = await getIncident(people.viewer, i.number);
    expect(seen.canWork).toBe(false);
    expect(seen.availableEvents).toEqual([]);
  });
});

describe("roles and notes", () => {
  it("assigns the commander and communications lead with timeline and audit rows", async () => {
    const i = await declare();
    const r = await assignIncidentRoles(people.engineer, meta, {
      incidentId: i.id,
      version: 1,
      commander: people.engineer.email,
      communications: people.admin.email,
    });
    expect(r).toMatchObject({ changed: true, version: 2 });
    const again = await assignIncidentRoles(people.engineer, meta, {
      incidentId: i.id,
      version: 1,
      commander: people.engineer.email,
      communications: people.admin.email,
    });
    expect(again.changed).toBe(false);
    const row = await prisma.incident.findUniqueOrThrow({ where: { id: i.id } });
    expect(row).toMatchObject({
      commander: people.engineer.email,
      communications: people.admin.email,
      version: 2,
    });
    const roles = await prisma.incidentEvent.findMany({
      where: { incidentId: i.id, kind: "role" },
    });
    expect(roles.map((e) => e.message).sort()).toEqual([
      `Commander: ${people.engineer.email}`,
      `Communications: ${people.admin.email}`,
    ]);
    expect(
      await prisma.auditEvent.count({ where: { targetId: i.id, action: "incident.assign" } }),
    ).toBe(1);
    await expect(
      assignIncidentRoles(people.engineer, meta, {
        incidentId: i.id,
        version: 2,
        commander: people.release_manager.email,
        communications: "",
      }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });

  it("adds notes to the timeline, newest last, once per double click", async () => {
    const i = await declare();
    const input = { incidentId: i.id, version: 1, note: "Shifted traffic to us-west-2" };
    await Promise.all([
      addIncidentNote(people.engineer, meta, input),
      addIncidentNote(people.engineer, meta, input),
    ]);
    await step(i.id, "acknowledge");
    const detail = await getIncident(people.engineer, i.number);
    // The incident's own entries (related rollouts and alerts in its scope are interleaved).
    const own = detail.timeline.filter((e) => e.href === null);
    expect(own.map((e) => [e.kind, e.message])).toEqual([
      ["declared", expect.stringMatching(/^Declared SEV3/)],
      ["note", "Shifted traffic to us-west-2"],
      ["status", "Acknowledged"],
    ]);
    expect(detail.version).toBe(3);
    expect(detail.availableEvents).toEqual(["mitigate", "resolve", "cancel"]);
    expect(
      await prisma.auditEvent.count({ where: { targetId: i.id, action: "incident.note" } }),
    ).toBe(1);
  });
});
